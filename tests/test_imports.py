"""xlsx import (all or nothing, row-by-row report) and export of the registry, through the admin and the CLI."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import Workbook, load_workbook

from livepark.core.models import AuditLog
from livepark.registry.imports import import_xlsx
from livepark.registry.models import Anchor, Enterprise, PlatformAccount
from tests.factories import PASSWORD, make_ric, make_uscc

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ENT_HEADER = ["企业名称", "统一社会信用代码", "企业类型", "行政区划代码", "产业赛道", "联系电话"]


def test_valid_enterprise_file_imports_every_row(park):
    data = xlsx(
        [
            ENT_HEADER,
            [
                "一号工厂有限公司",
                make_uscc(201),
                "源头工厂、品牌/商家",
                "330782",
                "饰品" if False else "jewellery",
                "13900000001",
            ],
            ["二号传媒有限公司", make_uscc(202), "mcn", 330102, "服装", ""],
        ]
    )
    report = import_xlsx("enterprises", data, actor=park.users["admin"])
    assert report.ok and report.created == 2 and report.rows == 2
    one = Enterprise.objects.get(uscc=make_uscc(201))
    assert (
        one.kinds == ["brand", "factory"]
        and one.industry == "jewellery"
        and one.region_name == "浙江省 金华市 义乌市"
    )
    assert Enterprise.objects.get(uscc=make_uscc(202)).industry == "apparel"
    assert AuditLog.objects.filter(channel="import", object_type="registry.enterprise").count() == 2


def test_any_bad_row_imports_nothing_and_lists_every_bad_row(park):
    before = Enterprise.objects.count(), AuditLog.objects.count()
    data = xlsx(
        [
            ENT_HEADER,
            ["好企业有限公司", make_uscc(203), "brand", "330102", "food", ""],
            ["坏信用代码有限公司", "91330102000000001X", "brand", "330102", "food", ""],
            ["坏地区有限公司", make_uscc(204), "brand", "999999", "food", ""],
            ["重复有限公司", make_uscc(203), "brand", "330102", "food", ""],
            ["", make_uscc(205), "外星人", "330102", "food", "123"],
        ]
    )
    report = import_xlsx("enterprises", data, actor=park.users["admin"])
    assert not report.ok and report.created == 0
    assert [(e.row, sorted(e.fields)) for e in report.errors] == [
        (3, ["uscc"]),
        (4, ["region_code"]),
        (5, ["uscc"]),
        (6, ["contact_phone", "kinds", "name"]),
    ]
    assert "check digit" in report.errors[0].fields["uscc"][0]
    assert (Enterprise.objects.count(), AuditLog.objects.count()) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is not a spreadsheet", "not a valid xlsx"),
        (b"PK\x03\x04broken zip", "not a valid xlsx"),
        (xlsx([["名称", "代码"], ["x", "y"]]), "missing columns"),
    ],
)
def test_malformed_files_are_refused(park, data, message):
    before = Enterprise.objects.count()
    report = import_xlsx("enterprises", data, actor=park.users["admin"])
    assert not report.ok and message in report.file_error
    assert Enterprise.objects.count() == before


def test_anchor_import_encrypts_ids_and_signs_contracts(park):
    number = make_ric(300)
    data = xlsx(
        [
            [
                "真实姓名",
                "身份证号",
                "艺名",
                "直播方式",
                "行政区划代码",
                "擅长品类",
                "等级",
                "MCN机构信用代码",
            ],
            ["钱七", number, "七七", "远程", "330102", "美妆个护,食品", "B", park.mcn_a.uscc],
        ]
    )
    report = import_xlsx("anchors", data, actor=park.users["admin"])
    assert report.ok, report.as_dict()
    anchor = Anchor.objects.get(stage_name="七七")
    assert anchor.mode == "remote" and anchor.categories == ["cosmetics", "food"] and anchor.level == "B"
    assert anchor.contracts.get().mcn_id == park.mcn_a.pk
    assert number not in anchor.id_number_enc


def test_account_import_by_owner_identity(park):
    data = xlsx(
        [
            ["平台", "平台账号ID", "账号昵称", "粉丝数", "主播身份证号", "企业信用代码"],
            ["抖音", "dy-import-1", "导入号", 12345, make_ric(1), ""],
            ["快手", "ks-import-2", "企业号", 10, "", park.brand_b.uscc],
        ]
    )
    report = import_xlsx("accounts", data, actor=park.users["admin"])
    assert report.ok, report.as_dict()
    assert PlatformAccount.objects.get(account_id="dy-import-1").owner_anchor_id == park.anchor_a.pk
    assert PlatformAccount.objects.get(account_id="ks-import-2").owner_enterprise_id == park.brand_b.pk
    dup = import_xlsx("accounts", data, actor=park.users["admin"])
    assert [e.row for e in dup.errors] == [2, 3]


def test_admin_import_page_and_export(park):
    client = Client()
    assert client.login(username="admin", password=PASSWORD)
    assert client.get("/admin/registry/enterprise/import-xlsx/").status_code == 200
    bad = xlsx([ENT_HEADER, ["坏企业", "123", "brand", "330102", "food", ""]])
    r = client.post("/admin/registry/enterprise/import-xlsx/", {"file": io.BytesIO(bad)})
    assert r.status_code == 422
    assert "import-errors" in r.content.decode() and "uscc" in r.content.decode()
    good = xlsx([ENT_HEADER, ["后台导入有限公司", make_uscc(210), "brand", "330102", "food", ""]])
    r = client.post("/admin/registry/enterprise/import-xlsx/", {"file": io.BytesIO(good)})
    assert r.status_code == 200 and "import-ok" in r.content.decode()
    assert Enterprise.objects.filter(name="后台导入有限公司").exists()
    r = client.post(
        "/admin/registry/anchor/",
        {"action": "export_admin_action", "_selected_action": [park.anchor_a.pk], "format": "1"},
    )
    # The export action renders a format form first; choose xlsx.
    formats = r.content.decode()
    assert r.status_code == 200 and "xlsx" in formats


def test_export_writes_the_import_headers_and_masks_ids(park):
    from livepark.registry.admin import AnchorResource, EnterpriseResource

    sheet = AnchorResource().export(Anchor.objects.filter(pk=park.anchor_a.pk))
    assert sheet.headers == [
        "真实姓名",
        "身份证号",
        "艺名",
        "直播方式",
        "行政区划代码",
        "擅长品类",
        "等级",
        "状态",
    ]
    assert sheet[0][1] == make_ric(1)[:4] + "*" * 10 + make_ric(1)[-4:]
    ent = EnterpriseResource().export(Enterprise.objects.filter(pk=park.mcn_c.pk))
    assert ent[0][2] == "brand,mcn" and ent[0][8] == "138****5678"
    # Round trip: the exported enterprise sheet, with a new USCC, imports back.
    wb = load_workbook(io.BytesIO(ent.xlsx))
    ws = wb.active
    ws.cell(row=2, column=2, value=make_uscc(211))
    ws.cell(row=2, column=9, value="")
    buf = io.BytesIO()
    wb.save(buf)
    assert import_xlsx("enterprises", buf.getvalue(), actor=park.users["admin"]).ok


def test_cli_import_reports_json_and_exit_code(park, tmp_path, capsys):
    path = tmp_path / "e.xlsx"
    path.write_bytes(xlsx([ENT_HEADER, ["命令行有限公司", "bad", "brand", "330102", "food", ""]]))
    with pytest.raises(SystemExit) as exc:
        call_command("import", "enterprises", str(path), "--json")
    assert exc.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["errors"][0]["row"] == 2 and "uscc" in out["errors"][0]["fields"]
    path.write_bytes(xlsx([ENT_HEADER, ["命令行有限公司", make_uscc(220), "brand", "330102", "food", ""]]))
    call_command("import", "enterprises", str(path), "--json")
    assert json.loads(capsys.readouterr().out)["created"] == 1


def test_catalog_sku_import_through_the_admin(park):
    from livepark.catalog import services as catalog
    from livepark.catalog.models import SKU, Product

    catalog.category_create(actor=park.users["admin"], data={"name": "服装"})
    header = [
        "供应商信用代码",
        "类目",
        "品牌",
        "商品名称",
        "规格",
        "条码",
        "单位",
        "标价（元）",
        "成本（元）",
        "HS编码",
    ]
    good = xlsx(
        [
            header,
            [park.brand_b.uscc, "服装", "乙", "真丝衬衫", "S", "6901234567892", "件", "199.00", "80", ""],
            [
                park.brand_b.uscc,
                "服装",
                "乙",
                "真丝衬衫",
                "M",
                "6901234567885",
                "件",
                "199",
                "80.5",
                "6206100000",
            ],
        ]
    )
    bad = xlsx(
        [
            header,
            [park.brand_b.uscc, "服装", "乙", "棉衬衫", "S", "6901234567878", "件", "19.999", "8", ""],
            ["91330102000000001X", "服装", "乙", "棉衬衫", "M", "6901234567861", "件", "19", "8", ""],
            [park.brand_b.uscc, "鞋", "乙", "棉衬衫", "L", "1234567890123", "件", "19", "8", ""],
        ]
    )
    client = Client()
    assert client.login(username="admin", password=PASSWORD)
    r = client.post("/admin/catalog/sku/import-xlsx/", {"file": io.BytesIO(bad)})
    assert r.status_code == 422
    assert (Product.objects.count(), SKU.objects.count()) == (0, 0)
    text = r.content.decode()
    assert "list_price" in text and "supplier_uscc" in text and "category" in text
    r = client.post("/admin/catalog/sku/import-xlsx/", {"file": io.BytesIO(good)})
    assert r.status_code == 200 and "import-ok" in r.content.decode()
    assert Product.objects.get().name == "真丝衬衫"
    assert sorted(SKU.objects.values_list("spec", "list_price_fen", "cost_fen")) == [
        ("M", 19900, 8050),
        ("S", 19900, 8000),
    ]
