"""The positive list loaded from a file, and 1210 bonded account books: stock in, the check, stock out on release,
returns back into the zone, the ledger, and who may see and move what."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from livepark.core.models import AuditLog
from livepark.crossborder import bonded, taxation
from livepark.crossborder.models import (
    BondedAccount,
    BondedItem,
    BondedMove,
    DeclarationSet,
    GoodsRegistration,
    PositiveListEntry,
    PositiveListVersion,
)
from livepark.crossborder.models_tax import InventoryRequest
from livepark.engines.customs.tests.matching_support import AGENT, COSMETICS, MILK, SELLER, xml_files
from tests import test_crossborder as base
from tests.test_crossborder import AGENT_C, SELLER_C, _import, docs_1210

pytestmark = pytest.mark.django_db
cb = base.cb  # fixtures: the registered parties and goods, the test gateway
test_gateway = base.test_gateway
D = Decimal
OTHER = "0901210000"  # coffee: on no list here


def upload_file(api_token: str | None, url: str, name: str, data: bytes, **form):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token}"} if api_token else {}
    from django.core.files.uploadedfile import SimpleUploadedFile

    return Client().post(f"/api/v1{url}", {"file": SimpleUploadedFile(name, data), **form}, **headers)


def csv_bytes(rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(r) for r in rows) + "\n").encode()


LIST_HEADER = ["税则号列", "商品名称", "监管要求", "备注"]


def bonded_state() -> list:
    """What a refused call must leave untouched."""
    return [
        (m.__name__, m.objects.count())
        for m in (PositiveListVersion, PositiveListEntry, BondedAccount, BondedItem, BondedMove, AuditLog)
    ] + [
        ("balances", list(BondedItem.objects.order_by("pk").values_list("balance", flat=True))),
        ("declarations", DeclarationSet.objects.aggregate(x=Max("updated_at"))["x"]),
    ]


# ---- positive list --------------------------------------------------------------------------------------


def test_positive_list_load_and_the_check(api, park, cb):
    # COSMETICS is on the list for direct mail only; MILK is not on it at all.
    data = csv_bytes(
        [LIST_HEADER, [COSMETICS, "化妆品", "", "仅限直购进口商品"], ["0402100000", "奶粉", "1210", ""]]
    )
    r = upload_file(park.tokens["admin"], "/crossborder/positive-list/load", "list.csv", data)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["ok"], body["rows"], body["created"], body["replaced"]) == (True, 2, 2, False)
    assert body["effective_from"] == timezone.localdate().isoformat()
    entries = api("owner_a").get("/crossborder/positive-list/entries").json()
    assert entries["items"] == [
        {"gcode": "0402100000", "name": "奶粉", "note": "1210", "remark": ""},
        {"gcode": COSMETICS, "name": "化妆品", "note": "9610", "remark": "仅限直购进口商品"},
    ]
    pk = _import(park, docs_1210("PL-1"))["id"]
    found = api("owner_a").post(f"/crossborder/declarations/{pk}/check").json()["discrepancies"]
    listed = [(d["document"], d["field"], d["rule"], d["gnum"], d["values"]) for d in found]
    assert listed == [
        ("CEB621", "tradeMode", "positive_list", 1, ["1210", "9610"]),
        ("CEB621", "InventoryList.gcode", "positive_list", 2, [MILK, None]),
    ]
    # A version loaded to take effect tomorrow does not count today.
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    both = csv_bytes([LIST_HEADER, [COSMETICS, "化妆品", "", ""], [MILK, "奶粉", "", ""]])
    r = upload_file(
        park.tokens["admin"], "/crossborder/positive-list/load", "l2.csv", both, effective_from=str(tomorrow)
    )
    assert r.status_code == 201
    found = api("owner_a").post(f"/crossborder/declarations/{pk}/check").json()["discrepancies"]
    assert len(found) == 2
    # Replacing today's version (same effective date) takes effect at once.
    before = bonded_state()
    r = upload_file(park.tokens["admin"], "/crossborder/positive-list/load", "l3.csv", both)
    assert r.status_code == 422 and list(r.json()["fields"]) == ["effective_from"]
    assert bonded_state() == before
    r = upload_file(park.tokens["admin"], "/crossborder/positive-list/load", "l3.csv", both, replace="true")
    assert r.status_code == 201 and r.json()["replaced"] is True
    assert PositiveListVersion.objects.count() == 2
    assert api("owner_a").post(f"/crossborder/declarations/{pk}/check").json()["discrepancies"] == []


def test_positive_list_xlsx(api, park):
    wb = Workbook()
    ws = wb.active
    ws.append(LIST_HEADER)
    ws.append([COSMETICS, "化妆品", "仅限网购保税", None])
    ws.append([MILK, "奶粉", None, None])
    buf = io.BytesIO()
    wb.save(buf)
    r = upload_file(park.tokens["admin"], "/crossborder/positive-list/load", "list.xlsx", buf.getvalue())
    assert r.status_code == 201 and r.json()["created"] == 2
    assert dict(PositiveListEntry.objects.values_list("gcode", "note")) == {COSMETICS: "1210", MILK: ""}
    r = api("owner_a").get("/crossborder/positive-list/entries", note="1210")
    assert [e["gcode"] for e in r.json()["items"]] == [COSMETICS]


def test_positive_list_bad_file_changes_nothing(api, park):
    data = csv_bytes(
        [
            LIST_HEADER,
            [COSMETICS, "化妆品", "", ""],
            ["330499009", "短税号", "", ""],
            [COSMETICS, "重复", "", ""],
            [MILK, "", "", ""],
            ["8517130000", "手机", "1210", "仅限直购"],
        ]
    )
    before = bonded_state()
    r = upload_file(park.tokens["admin"], "/crossborder/positive-list/load", "bad.csv", data)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "import_rejected" and body["ok"] is False and body["created"] == 0
    assert body["errors"] == [
        {"row": 3, "fields": {"gcode": ["税则号列应为 10 位数字 / must be exactly 10 digits"]}},
        {"row": 4, "fields": {"gcode": ["与第 2 行重复 / repeats row 2"]}},
        {"row": 5, "fields": {"name": ["必填 / required"]}},
        {"row": 6, "fields": {"note": ["不能同时限定 1210 和 9610 / cannot restrict to both 1210 and 9610"]}},
    ]
    assert bonded_state() == before
    r = upload_file(park.tokens["admin"], "/crossborder/positive-list/load", "x.csv", b"gcode\n3304990099\n")
    assert r.status_code == 422 and r.json()["file_error"] == "缺少列 / missing columns: 商品名称"
    r = upload_file(park.tokens["admin"], "/crossborder/positive-list/load", "x.csv", b"\xff\xfe\x00bad")
    assert (
        r.status_code == 422
        and r.json()["file_error"] == "CSV 应为 UTF-8 或 GB18030 编码 / CSV must be UTF-8 or GB18030"
    )
    assert bonded_state() == before


def test_positive_list_rights(api, park):
    data = csv_bytes([LIST_HEADER, [COSMETICS, "化妆品", "", ""]])
    for actor, want in (("owner_a", 403), ("broker", 403), ("bank", 403), (None, 401)):
        before = bonded_state()
        r = upload_file(
            park.tokens.get(actor) if actor else None, "/crossborder/positive-list/load", "l.csv", data
        )
        assert r.status_code == want, actor
        assert bonded_state() == before
    for actor, want in (
        ("owner_a", 200),
        ("broker", 200),
        ("staff_a", 200),
        ("bank", 403),
        ("anchor_a", 403),
    ):
        assert api(actor).get("/crossborder/positive-list/versions").status_code == want, actor
    assert api().get("/crossborder/positive-list/entries").status_code == 401
    assert api("owner_a").get("/crossborder/positive-list/entries", version_id=999).status_code == 404


# ---- bonded accounts ------------------------------------------------------------------------------------


@pytest.fixture
def books(park, cb):
    """Account E1234 of seller A (agent: the broker's), E9999 of seller C (agent without broker); both with
    the item records REC-SKU-1 (面霜) and REC-SKU-2 (奶粉) of the 1210 sets of `docs_1210`."""
    admin = park.users["admin"]
    out = {}
    for ems, seller, agent in (
        ("E1234", cb["seller"], cb["agent"]),
        ("E9999", cb["seller_c"], cb["agent_c"]),
    ):
        account = bonded.account_open(
            actor=admin,
            data={
                "ems_no": ems,
                "seller_id": seller.pk,
                "agent_id": agent.pk,
                "area_code": "3301960099",
                "area_name": "综保区仓储公司",
                "warehouse": "下沙保税仓 A1",
                "customs_code": "2901",
            },
        )
        for item_no in ("SKU-1", "SKU-2"):
            goods = GoodsRegistration.objects.get(seller=seller, item_no=item_no)
            bonded.item_add(
                actor=admin,
                account_id=account.pk,
                data={"item_record_no": f"REC-{item_no}", "goods_id": goods.pk},
            )
        out[ems] = account
    return out


def balances(account) -> dict[str, Decimal]:
    return dict(account.items.values_list("item_record_no", "balance"))


def enter(api, account, entry_no, **qty):
    return api("admin").post(
        f"/crossborder/bonded/accounts/{account.pk}/entries",
        {
            "entry_no": entry_no,
            "lines": [{"item_record_no": k.replace("_", "-"), "qty": v} for k, v in qty.items()],
        },
    )


def test_stock_entry_rules(api, park, books):
    a = books["E1234"]
    r = enter(api, a, "290120260000001234", REC_SKU_1="10", REC_SKU_2="3.5")
    assert r.status_code == 201
    assert [(m["item_record_no"], m["kind"], m["quantity"], m["balance_after"]) for m in r.json()] == [
        ("REC-SKU-1", "entry", "10.00000", "10.00000"),
        ("REC-SKU-2", "entry", "3.50000", "3.50000"),
    ]
    assert balances(a) == {"REC-SKU-1": D(10), "REC-SKU-2": D("3.5")}
    before = bonded_state()
    r = enter(api, a, "290120260000001234", REC_SKU_1="1")
    assert r.status_code == 422 and r.json()["fields"] == {
        "entry_no": ["该报关单已入账 / this entry is already on the ledger"]
    }
    r = enter(api, a, "x", REC_SKU_1="-1", REC_SKU_9="1")
    assert r.status_code == 422
    assert r.json()["fields"] == {
        "entry_no": ["报关单号应为 6–30 位数字或大写字母 / must be 6–30 digits or capital letters"],
        "lines[0].qty": ["应为正数 / must be a positive number"],
        "lines[1].item_record_no": ["'REC-SKU-9' 不在账册中 / not in this account book"],
    }
    r = enter(api, a, "290120260000009999", REC_SKU_1="0.000001")
    assert r.status_code == 422 and r.json()["fields"] == {
        "lines[0].qty": ["最多 5 位小数 / at most 5 decimal places"]
    }
    assert bonded_state() == before


def test_balance_never_negative_in_the_database(books):
    item = books["E1234"].items.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        BondedItem.objects.filter(pk=item.pk).update(balance=D("-0.00001"))


def _tax_rates(park):
    taxation.rate_table_load(
        actor=park.users["admin"],
        data=f"gcode,tariff,vat,consumption\n{COSMETICS},0.05,0.13,0.15\n{MILK},0.15,0.13,0\n".encode(),
        file_name="rates.csv",
        name="测试税率",
        effective_from=dt.date(2020, 1, 1),
    )


def declare(api, park, test_gateway, no: str, who="owner_a", **kw) -> int:
    """Import, check, tax and send a consistent 1210 set; returns its pk."""
    docs = docs_1210(no, **kw)
    pk = _import(park, docs, who)["id"]
    found = api(who).post(f"/crossborder/declarations/{pk}/check").json()["discrepancies"]
    assert found == [], found
    assert api(who).post(f"/crossborder/declarations/{pk}/tax").status_code == 200
    files = xml_files([docs])
    for code in ("CEB311", "CEB411", "CEB511"):
        test_gateway.file(files[code])
    r = api(who).post(f"/crossborder/declarations/{pk}/send")
    assert r.status_code == 200, r.json()
    return pk


def poll(api, times: int) -> None:
    for _ in range(times):
        assert api("admin").post("/crossborder/declarations/receipts/poll").status_code == 200


def test_check_reports_short_bonded_stock_and_release_takes_it_out(api, park, books, test_gateway):
    a = books["E1234"]
    _tax_rates(park)
    enter(api, a, "290120260000000001", REC_SKU_1="3", REC_SKU_2="1")
    # The set declares 2 × REC-SKU-1 and 1 × REC-SKU-2: a first set fits.
    first = declare(api, park, test_gateway, "B-1")
    # A second one must not count on what the first one holds while it is on its way.
    pk = _import(park, docs_1210("B-2"))["id"]
    found = api("owner_a").post(f"/crossborder/declarations/{pk}/check").json()["discrepancies"]
    assert [(d["field"], d["rule"], d["gnum"], d["values"]) for d in found] == [
        ("InventoryList.qty", "bonded_stock", 1, ["2", "1"]),
        ("InventoryList.qty", "bonded_stock", 2, ["1", "0"]),
    ]
    assert found[0]["message"] == "bonded stock of REC-SKU-1 in E1234: 1 available, 2 declared"
    poll(api, 3)  # 2 declaring, 120 accepted, 800 released
    assert DeclarationSet.objects.get(pk=first).state == "released"
    assert balances(a) == {"REC-SKU-1": D(1), "REC-SKU-2": D(0)}
    moves = list(
        BondedMove.objects.filter(declaration_id=first)
        .order_by("gnum")
        .values_list("kind", "gnum", "quantity")
    )
    assert moves == [("release", 1, D(-2)), ("release", 2, D(-1))]
    poll(api, 1)
    assert BondedMove.objects.filter(kind="release").count() == 2  # once
    for item in a.items.all():
        assert bonded.ledger_balance(item) == item.balance
    # More stock comes in; the second set now passes.
    enter(api, a, "290120260000000002", REC_SKU_1="5", REC_SKU_2="5")
    assert api("owner_a").post(f"/crossborder/declarations/{pk}/check").json()["discrepancies"] == []
    # The account page shows the balances and the ledger.
    client = Client()
    client.force_login(park.users["owner_a"])
    html = client.get(f"/crossborder/bonded/{a.pk}/").content.decode()
    assert '<td class="num" data-record="REC-SKU-1">6</td>' in html
    assert "放行出区" in html and "290120260000000002" in html


def test_unknown_item_record_and_foreign_account(api, park, books):
    enter(api, books["E1234"], "290120260000000001", REC_SKU_1="9", REC_SKU_2="9")
    docs = docs_1210("B-3")
    lines = tuple(
        x.__class__(**{**{f: getattr(x, f) for f in x.__slots__}, "itemRecordNo": "REC-404"})
        if x.gnum == 2
        else x
        for x in docs.inventory.lines
    )
    inv = docs.inventory.__class__(
        **{**{f: getattr(docs.inventory, f) for f in docs.inventory.__slots__}, "lines": lines}
    )
    pk = _import(park, docs._replace(inventory=inv))["id"]
    found = api("owner_a").post(f"/crossborder/declarations/{pk}/check").json()["discrepancies"]
    assert ("CEB621", "InventoryList.itemRecordNo", "bonded_stock", 2, ["REC-404", None]) in [
        (d["document"], d["field"], d["rule"], d["gnum"], d["values"]) for d in found
    ]
    # Seller A declaring against seller C's account book.
    pk = _import(park, docs_1210("B-4", ems_no="E9999"))["id"]
    found = api("owner_a").post(f"/crossborder/declarations/{pk}/check").json()["discrepancies"]
    assert [(d["field"], d["rule"], d["values"]) for d in found if d["rule"] == "bonded_stock"] == [
        ("emsNo", "bonded_stock", ["E9999", None])
    ]


def test_release_shortfall_never_blocks_the_receipt_then_retry(api, park, books, test_gateway):
    a = books["E1234"]
    _tax_rates(park)
    enter(api, a, "290120260000000001", REC_SKU_1="2", REC_SKU_2="1")
    pk = declare(api, park, test_gateway, "B-5")
    # Another movement empties the book while the declaration is on its way (a stock count correction).
    BondedItem.objects.filter(account=a, item_record_no="REC-SKU-2").update(balance=0)
    poll(api, 3)
    obj = DeclarationSet.objects.get(pk=pk)
    assert obj.state == "released" and obj.return_status == "800"
    assert BondedMove.objects.filter(kind="release").count() == 0
    assert bonded.released_without_stock_out(a) == [obj]
    before = bonded_state()
    r = api("owner_a").post(f"/crossborder/bonded/release/{pk}")
    assert r.status_code == 409 and r.json()["code"] == "insufficient_bonded_stock"
    assert bonded_state() == before
    enter(api, a, "290120260000000002", REC_SKU_2="1")
    r = api("broker").post(f"/crossborder/bonded/release/{pk}")
    assert r.status_code == 200 and [m["quantity"] for m in r.json()] == ["-2.00000", "-1.00000"]
    assert balances(a) == {"REC-SKU-1": D(0), "REC-SKU-2": D(0)}
    again = api("owner_a").post(f"/crossborder/bonded/release/{pk}")
    assert again.status_code == 200 and [m["id"] for m in again.json()] == [m["id"] for m in r.json()]
    assert bonded.released_without_stock_out(a) == []


def test_bonded_return_restores_stock(api, park, books, test_gateway):
    a = books["E1234"]
    _tax_rates(park)
    enter(api, a, "290120260000000001", REC_SKU_1="2", REC_SKU_2="1")
    pk = declare(api, park, test_gateway, "B-6")
    url = f"/crossborder/bonded/returns/{pk}"
    before = bonded_state()
    r = api("owner_a").post(url, {"reference": "R-1"})
    assert r.status_code == 409 and r.json()["code"] == "not_released_from_bonded_stock"
    assert bonded_state() == before
    poll(api, 3)
    assert balances(a) == {"REC-SKU-1": D(0), "REC-SKU-2": D(0)}
    before = bonded_state()
    r = api("owner_a").post(
        url, {"reference": "R-1", "lines": [{"gnum": 1, "qty": "3"}, {"gnum": 7, "qty": "1"}]}
    )
    assert r.status_code == 422 and r.json()["fields"] == {
        "lines[0].qty": ["最多可退 2 / at most 2"],
        "lines[1].gnum": ["清单没有放行的第 7 项 / no released line 7"],
    }
    assert bonded_state() == before
    r = api("owner_a").post(url, {"reference": "R-1", "lines": [{"gnum": 1, "qty": "1"}]})
    assert r.status_code == 200 and balances(a) == {"REC-SKU-1": D(1), "REC-SKU-2": D(0)}
    # The same return document again changes nothing.
    before = bonded_state()
    assert (
        api("owner_a").post(url, {"reference": "R-1", "lines": [{"gnum": 1, "qty": "1"}]}).status_code == 200
    )
    assert bonded_state() == before
    # A second return document: the rest (1 of line 1, all of line 2) and no more.
    moves = bonded.bonded_return(
        actor=park.users["admin"],
        declaration_id=pk,
        reference="R-2",
        lines=[{"gnum": 1, "qty": "1"}, {"gnum": 2, "qty": "1"}],
    )
    assert [m.quantity for m in moves] == [D(1), D(1)]
    assert balances(a) == {"REC-SKU-1": D(2), "REC-SKU-2": D(1)}
    r = api("owner_a").post(url, {"reference": "R-3"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"lines[0].qty", "lines[1].qty"}
    assert BondedMove.objects.aggregate(s=Sum("quantity"))["s"] == D(3)
    assert api("owner_b").post(url, {"reference": "R-9"}).status_code == 404


def test_customs_return_puts_the_parcel_back_into_the_account(api, park, books, test_gateway):
    a = books["E1234"]
    _tax_rates(park)
    enter(api, a, "290120260000000001", REC_SKU_1="2", REC_SKU_2="1")
    pk = declare(api, park, test_gateway, "B-7")
    poll(api, 3)
    assert balances(a) == {"REC-SKU-1": D(0), "REC-SKU-2": D(0)}
    r = api("owner_a").post(f"/crossborder/declarations/{pk}/return", {"reason": "七天无理由"})
    assert r.status_code == 201, r.json()
    guid = InventoryRequest.objects.get(declaration_id=pk).guid
    poll(api, 3)  # the CEB626 receipts: declaring, accepted, concluded
    assert DeclarationSet.objects.get(pk=pk).state == "returned"
    assert balances(a) == {"REC-SKU-1": D(2), "REC-SKU-2": D(1)}
    moves = BondedMove.objects.filter(declaration_id=pk, kind="return").order_by("gnum")
    assert list(moves.values_list("gnum", "quantity", "reference")) == [(1, D(2), guid), (2, D(1), guid)]
    poll(api, 1)  # a late receipt brings nothing back twice
    assert BondedMove.objects.filter(kind="return").count() == 2
    for item in a.items.all():
        assert bonded.ledger_balance(item) == item.balance


# ---- roles ----------------------------------------------------------------------------------------------


def test_account_open_rules_and_roles(api, park, cb):
    body = {
        "ems_no": "E5555",
        "seller_id": cb["seller"].pk,
        "area_code": "3301960099",
        "area_name": "综保区仓储公司",
        "warehouse": "A1",
    }
    before = bonded_state()
    assert api("broker").post("/crossborder/bonded/accounts", body).status_code == 403
    assert api("staff_a").post("/crossborder/bonded/accounts", body).status_code == 403
    r = api("owner_b").post("/crossborder/bonded/accounts", body)
    assert r.status_code == 422 and list(r.json()["fields"]) == ["seller_id"]
    r = api("owner_a").post("/crossborder/bonded/accounts", {**body, "area_code": "12", "customs_code": "29"})
    assert r.status_code == 422 and list(r.json()["fields"]) == ["area_code", "customs_code"]
    assert bonded_state() == before
    r = api("owner_a").post("/crossborder/bonded/accounts", body)
    assert r.status_code == 201 and r.json()["items"] == []
    r = api("owner_a").post("/crossborder/bonded/accounts", body)
    assert r.status_code == 422 and r.json()["fields"] == {
        "ems_no": ["该账册已登记 / this account book is already on record"]
    }
    pk = BondedAccount.objects.get(ems_no="E5555").pk
    goods_c = GoodsRegistration.objects.get(seller=cb["seller_c"], item_no="SKU-1")
    r = api("owner_a").post(
        f"/crossborder/bonded/accounts/{pk}/items", {"item_record_no": "R1", "goods_id": goods_c.pk}
    )
    assert r.status_code == 422 and list(r.json()["fields"]) == ["goods_id"]
    assert (
        api("owner_c")
        .post(f"/crossborder/bonded/accounts/{pk}/items", {"item_record_no": "R1", "goods_id": goods_c.pk})
        .status_code
        == 404
    )


def test_account_matrix(api, park, books):
    a, c = books["E1234"], books["E9999"]
    seen = {
        "admin": {a.pk, c.pk},
        "owner_a": {a.pk},
        "staff_a": {a.pk},
        "owner_b": set(),
        "owner_c": {c.pk},
        "broker": {a.pk},  # the agent it acts for
    }
    for actor in (
        "admin",
        "owner_a",
        "staff_a",
        "owner_b",
        "owner_c",
        "broker",
        "bank",
        "anchor_a",
        "inspector",
        None,
    ):
        r = api(actor).get("/crossborder/bonded/accounts")
        if actor is None:
            assert r.status_code == 401
        elif actor in seen:
            assert {x["id"] for x in r.json()["items"]} == seen[actor], actor
        else:
            assert r.status_code == 403, actor
    for actor, want in (("owner_a", 200), ("broker", 200), ("owner_b", 404), ("owner_c", 404), ("bank", 403)):
        assert api(actor).get(f"/crossborder/bonded/accounts/{a.pk}").status_code == want, actor
        assert api(actor).get(f"/crossborder/bonded/accounts/{a.pk}/moves").status_code == want, actor
    assert api("broker").get(f"/crossborder/bonded/accounts/{c.pk}").status_code == 404
    for actor, want in (
        ("owner_b", 404),
        ("broker", 404),
        ("owner_a", 404),
        ("bank", 403),
        ("inspector", 403),
    ):
        before = bonded_state()
        r = api(actor).post(
            f"/crossborder/bonded/accounts/{c.pk}/entries",
            {"entry_no": "290120260000000777", "lines": [{"item_record_no": "REC-SKU-1", "qty": "1"}]},
        )
        assert r.status_code == want, actor
        assert bonded_state() == before
    r = api("broker").post(
        f"/crossborder/bonded/accounts/{a.pk}/entries",
        {"entry_no": "290120260000000777", "lines": [{"item_record_no": "REC-SKU-1", "qty": "1"}]},
    )
    assert r.status_code == 201
    # Pages: the account list and one account, scoped the same way.
    pages = {
        ("owner_a", f"/crossborder/bonded/{a.pk}/"): 200,
        ("broker", f"/crossborder/bonded/{a.pk}/"): 200,
        ("owner_b", f"/crossborder/bonded/{a.pk}/"): 404,
        ("broker", f"/crossborder/bonded/{c.pk}/"): 404,
        ("bank", "/crossborder/bonded/"): 403,
        ("owner_c", "/crossborder/bonded/"): 200,
        ("admin", "/crossborder/positive-list/"): 200,
        ("owner_a", "/crossborder/positive-list/"): 200,
        ("bank", "/crossborder/positive-list/"): 403,
    }
    for (actor, url), want in pages.items():
        client = Client()
        client.force_login(park.users[actor])
        assert client.get(url).status_code == want, (actor, url)
    client = Client()
    client.force_login(park.users["owner_c"])
    html = client.get("/crossborder/bonded/").content.decode()
    assert "E9999" in html and "E1234" not in html
    before = bonded_state()
    r = client.post(
        f"/crossborder/bonded/{a.pk}/entry/",
        {"entry_no": "290120260000000888", "item_record_no": "REC-SKU-1", "qty": "1"},
    )
    assert r.status_code == 404 and bonded_state() == before
    _ = (AGENT, SELLER, AGENT_C, SELLER_C)


def test_positive_list_admin_load(park):
    client = Client()
    client.force_login(park.users["admin"])
    url = "/admin/crossborder/positivelistversion/load/"
    assert client.get(url).status_code == 200
    assert "载入正面清单" in client.get("/admin/crossborder/positivelistversion/").content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = csv_bytes([LIST_HEADER, ["12", "短", "", ""]])
    before = bonded_state()
    html = client.post(url, {"file": SimpleUploadedFile("l.csv", bad)}).content.decode()
    assert 'id="import-failed"' in html and bonded_state() == before
    good = csv_bytes([LIST_HEADER, [COSMETICS, "化妆品", "", ""]])
    html = client.post(
        url, {"file": SimpleUploadedFile("l.csv", good), "effective_from": "2026-01-01"}
    ).content.decode()
    assert 'id="import-ok"' in html
    assert list(PositiveListVersion.objects.values_list("effective_from", "entry_count")) == [
        (dt.date(2026, 1, 1), 1)
    ]
    client.force_login(park.users["owner_a"])
    before = bonded_state()
    assert client.post(url, {"file": SimpleUploadedFile("l.csv", good)}).status_code == 302
    assert bonded_state() == before


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_stock_outs_never_go_negative(park, cb, books):
    """Ten released sets (2 × REC-SKU-1 and 1 × REC-SKU-2 each) race for 6 and 10 units: exactly three get out."""
    import threading
    import uuid

    from django.db import connections

    from livepark.crossborder import services
    from tests.conftest import Api

    a = books["E1234"]
    bonded.stock_entry(
        actor=park.users["admin"],
        account_id=a.pk,
        entry_no="290120260000000001",
        lines=[{"item_record_no": "REC-SKU-1", "qty": "6"}, {"item_record_no": "REC-SKU-2", "qty": "10"}],
    )
    pks = []
    for n in range(10):
        obj = services.declarations_import_xml(
            actor=park.users["admin"], files=list(xml_files([docs_1210(f"C-{n}")]).values())
        )[0]
        # Released by customs (the receipt hook is not what this test races): set the state directly.
        DeclarationSet.objects.filter(pk=obj.pk).update(state="released", sent_guid=str(uuid.uuid4()).upper())
        pks.append(obj.pk)
    barrier = threading.Barrier(10)
    codes: list[int] = []
    lock = threading.Lock()

    def go(pk: int) -> None:
        client = Api(park.tokens["broker"])
        barrier.wait()
        try:
            r = client.post(f"/crossborder/bonded/release/{pk}")
            with lock:
                codes.append(r.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(pk,)) for pk in pks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] * 3 + [409] * 7
    assert balances(a) == {"REC-SKU-1": D(0), "REC-SKU-2": D(7)}
    assert BondedMove.objects.filter(kind="release").count() == 6
    for item in a.items.all():
        assert bonded.ledger_balance(item) == item.balance


def test_pages_load_the_list_open_an_account_and_enter_stock(park, cb):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = csv_bytes([LIST_HEADER, [COSMETICS, "化妆品", "", "仅限网购保税"]])
    client = Client()
    client.force_login(park.users["owner_a"])
    before = bonded_state()
    assert (
        client.post("/crossborder/positive-list/", {"file": SimpleUploadedFile("l.csv", data)}).status_code
        == 403
    )
    assert bonded_state() == before
    client.force_login(park.users["admin"])
    r = client.post("/crossborder/positive-list/", {"file": SimpleUploadedFile("l.csv", data)})
    assert r.status_code == 302 and PositiveListEntry.objects.get().note == "1210"
    html = client.get("/crossborder/positive-list/").content.decode()
    assert f"<td>{COSMETICS}</td><td>化妆品</td><td>仅限网购保税 1210</td>" in html

    client.force_login(park.users["owner_a"])
    form = {
        "ems_no": "E7777",
        "seller_id": cb["seller"].pk,
        "area_code": "3301960099",
        "area_name": "综保区仓储公司",
        "warehouse": "A1",
    }
    r = client.post("/crossborder/bonded/", form)
    account = BondedAccount.objects.get(ems_no="E7777")
    assert r.status_code == 302 and r.url == f"/crossborder/bonded/{account.pk}/"
    goods = GoodsRegistration.objects.get(seller=cb["seller"], item_no="SKU-1")
    r = client.post(
        f"/crossborder/bonded/{account.pk}/item/", {"item_record_no": "R-1", "goods_id": goods.pk}
    )
    assert r.status_code == 302 and account.items.get().goods == goods
    r = client.post(
        f"/crossborder/bonded/{account.pk}/entry/",
        {"entry_no": "290120260000000001", "item_record_no": "R-1", "qty": "4"},
    )
    assert r.status_code == 302 and balances(account) == {"R-1": D(4)}
    # A refused entry shows the rule and changes nothing.
    before = bonded_state()
    r = client.post(
        f"/crossborder/bonded/{account.pk}/entry/",
        {"entry_no": "290120260000000001", "item_record_no": "R-1", "qty": "4"},
        follow=True,
    )
    assert "该报关单已入账" in r.content.decode() and bonded_state() == before
    html = client.get(f"/crossborder/bonded/{account.pk}/").content.decode()
    assert '<td class="num" data-record="R-1">4</td>' in html and "+4" in html
