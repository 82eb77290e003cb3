"""Declaration sets built from the base's paid orders and from platform order exports: content, all or
nothing with a report, re-import changes nothing, and who may build for which seller."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.test import Client
from openpyxl import Workbook

from livepark.core.models import AuditLog
from livepark.crossborder import services
from livepark.crossborder.models import CustomsParty, DeclarationSet
from livepark.engines.customs import parse, schema_errors
from livepark.engines.customs.tests.matching_support import CARRIER, COSMETICS, MILK, PAYER, PLATFORM, SELLER
from tests import test_crossborder, test_orders
from tests.factories import make_ric
from tests.test_crossborder import XSD
from tests.test_orders import order_body, passed_stock
from tests.test_qc_stock import EAN

pytestmark = pytest.mark.django_db
cb = test_crossborder.cb  # fixtures: registered parties and goods; the dress and ring of brand B
goods = test_orders.goods
D = Decimal
BUYER = make_ric(11)
SELLER_B = "3301960020"


def state() -> list:
    return [
        ("sets", DeclarationSet.objects.count(), DeclarationSet.objects.aggregate(x=Max("updated_at"))["x"]),
        ("audit", AuditLog.objects.count()),
    ]


def upload(token: str | None, data: bytes, name: str = "export.csv"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().post(
        "/api/v1/crossborder/sources/export", {"file": SimpleUploadedFile(name, data)}, **headers
    )


HEADER = [
    "订单编号",
    "电商平台代码",
    "电商企业代码",
    "下单时间",
    "订购人姓名",
    "订购人证件号码",
    "订购人电话",
    "收货人",
    "收货人电话",
    "收货地址",
    "商品货号",
    "商品名称",
    "数量",
    "单价",
    "运费",
    "优惠",
    "实付金额",
    "支付企业代码",
    "支付流水号",
    "支付时间",
    "物流企业代码",
    "运单号",
]


def row(no="E-1", item="SKU-1", qty="2", price="100", paid="345.50", **over) -> dict[str, str]:
    base = {
        "订单编号": no,
        "电商平台代码": PLATFORM,
        "电商企业代码": SELLER,
        "下单时间": "2026-11-20 10:30:00",
        "订购人姓名": "王小明",
        "订购人证件号码": BUYER,
        "订购人电话": "13900001111",
        "收货人": "王小明",
        "收货人电话": "13900001111",
        "收货地址": "浙江省杭州市上城区望江路 1 号",
        "商品货号": item,
        "商品名称": "面霜" if item == "SKU-1" else "奶粉",
        "数量": qty,
        "单价": price,
        "运费": "10",
        "优惠": "5",
        "实付金额": paid,
        "支付企业代码": PAYER,
        "支付流水号": f"PAY-{no}",
        "支付时间": "2026-11-20 10:31:00",
        "物流企业代码": CARRIER,
        "运单号": f"WB-{no}",
    }
    return base | over


def csv_of(rows: list[dict[str, str]]) -> bytes:
    lines = [",".join(HEADER)] + [",".join(r.get(h, "") for h in HEADER) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def good_rows() -> list[dict[str, str]]:
    # E-1: 2 × 100 + 1 × 150.50 + 10 freight − 5 discount = 355.50, with payment and waybill; E-2: goods only.
    return [
        row("E-1", "SKU-1", "2", "100", paid="355.50"),
        row("E-1", "SKU-2", "1", "150.50", paid="355.50"),
        row(
            "E-2",
            "SKU-2",
            "1",
            "150.50",
            paid="155.50",
            **{"支付企业代码": "", "支付流水号": "", "物流企业代码": "", "运单号": ""},
        ),
    ]


def test_platform_export_builds_sets_and_reimport_changes_nothing(api, park, cb):
    r = upload(park.tokens["owner_a"], csv_of(good_rows()))
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["ok"], body["rows"], body["created"], body["unchanged"]) == (True, 3, 2, 0)
    e1 = DeclarationSet.objects.get(order_no="E-1")
    e2 = DeclarationSet.objects.get(order_no="E-2")
    assert sorted(body["items"]) == sorted([e1.pk, e2.pk])
    listed = api("owner_a").get(f"/crossborder/declarations/{e1.pk}").json()
    assert listed["documents"] == ["CEB311", "CEB411", "CEB511"] and listed["state"] == "received"
    assert api("owner_a").get(f"/crossborder/declarations/{e2.pk}").json()["documents"] == ["CEB311"]
    assert (e1.seller, e1.ebp_code, e1.logistics_no, e1.buyer_masked) == (
        cb["seller"],
        PLATFORM,
        "WB-E-1",
        BUYER[:4] + "*" * 10 + BUYER[-4:],
    )
    assert e1.order_total == D("355.50")
    order = parse(e1.document_xml("CEB311")).Order[0]
    assert (order.OrderHead.goodsValue, order.OrderHead.acturalPaid, order.OrderHead.buyerIdNumber) == (
        D("350.50"),
        D("355.50"),
        BUYER,
    )
    assert [(x.gnum, x.itemNo, x.qty, x.price, x.totalPrice) for x in order.OrderList] == [
        (1, "SKU-1", D(2), D(100), D(200)),
        (2, "SKU-2", D(1), D("150.50"), D("150.50")),
    ]
    for code in ("CEB311", "CEB411", "CEB511"):
        assert schema_errors(e1.document_xml(code), XSD) == [], code
    # The check runs: order, payment and waybill agree; only the inventory (declared later) is missing.
    found = api("owner_a").post(f"/crossborder/declarations/{e1.pk}/check").json()["discrepancies"]
    assert {(d["document"], d["rule"]) for d in found} == {("CEB621", "keys")}
    # The same file again: nothing changes.
    before = state()
    r = upload(park.tokens["owner_a"], csv_of(good_rows()))
    assert r.status_code == 200 and (r.json()["created"], r.json()["unchanged"]) == (0, 2)
    assert state() == before
    # The same order with other content is reported, never overwritten.
    changed = good_rows()
    changed[2] = changed[2] | {"单价": "160", "实付金额": "165.00"}
    r = upload(park.tokens["owner_a"], csv_of(changed))
    assert r.status_code == 422 and r.json()["errors"] == [
        {
            "row": 4,
            "fields": {"order_no": ["订单已有在途申报且内容不同 / already declared with different content"]},
        }
    ]
    assert state() == before


def test_platform_export_xlsx(api, park, cb):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in good_rows():
        ws.append([r[h] for h in HEADER])
    buf = io.BytesIO()
    wb.save(buf)
    r = upload(park.tokens["owner_a"], buf.getvalue(), "export.xlsx")
    assert r.status_code == 201 and r.json()["created"] == 2


def test_platform_export_bad_rows_change_nothing(api, park, cb):
    bad_id = BUYER[:-1] + ("0" if BUYER[-1] != "0" else "1")
    rows = [
        row("X-1", "SKU-9", paid="205.00"),  # goods not registered
        row("X-1", "SKU-2", qty="-1", paid="205.00", **{"收货人": "别人"}),  # bad qty; consignee differs
        row("X-2", **{"订购人证件号码": bad_id, "下单时间": "20/11/2026"}),
        row("X-3", **{"电商平台代码": "9999999999", "数量": ""}),
        row("X-4", paid="205.00"),  # good, but the file is refused as a whole
    ]
    before = state()
    r = upload(park.tokens["owner_a"], csv_of(rows))
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "import_rejected" and body["created"] == 0
    assert body["errors"] == [
        {"row": 2, "fields": {"item_no": ["商品未备案 / goods not registered for this seller"]}},
        {
            "row": 3,
            "fields": {
                "consignee": ["与本订单第 2 行不一致 / differs from row 2 of this order"],
                "qty": ["应为正数 / must be a positive number"],
            },
        },
        {
            "row": 4,
            "fields": {
                "app_time": [
                    "时间格式应为 YYYY-MM-DD HH:MM:SS / must be YYYY-MM-DD HH:MM:SS (Asia/Shanghai)"
                ],
                "buyer_id": ["校验位不正确 / check digit does not match"],
            },
        },
        {
            "row": 5,
            "fields": {
                "qty": ["必填 / required"],
                "ebp_code": ["电商平台 9999999999 未登记 / platform not registered"],
            },
        },
    ]
    assert state() == before
    r = upload(park.tokens["owner_a"], b"\xe8\xae\xa2\xe5\x8d\x95\xe7\xbc\x96\xe5\x8f\xb7\nX\n")
    assert r.status_code == 422 and r.json()["file_error"].startswith(
        "缺少列 / missing columns: 电商平台代码"
    )
    assert state() == before


def test_platform_export_roles(api, park, cb):
    data = csv_of(good_rows())
    for actor, want in (("bank", 403), ("anchor_a", 403), ("inspector", 403), (None, 401)):
        before = state()
        assert upload(park.tokens.get(actor) if actor else None, data).status_code == want, actor
        assert state() == before
    # Owner B may not declare for A's seller: every order is named.
    before = state()
    r = upload(park.tokens["owner_b"], data)
    assert r.status_code == 422
    assert [(e["row"], list(e["fields"])) for e in r.json()["errors"]] == [(2, ["ebcCode"]), (4, ["ebcCode"])]
    assert state() == before
    assert upload(park.tokens["admin"], data).status_code == 201
    # The seller sees the sets; owner B does not.
    assert {x["order_no"] for x in api("owner_a").get("/crossborder/declarations").json()["items"]} == {
        "E-1",
        "E-2",
    }
    assert api("owner_b").get("/crossborder/declarations").json()["count"] == 0


# ---- from the base's orders -----------------------------------------------------------------------------


@pytest.fixture
def shop(park, cb, goods):
    """Brand B sells cross-border: a seller party with its dress (EAN[0]) registered; three paid orders — DY1
    shipped under SF, DY2 paid, DY3 of the unregistered ring."""
    admin = park.users["admin"]
    seller = services.party_register(
        actor=admin,
        data={"code": SELLER_B, "name": "乙跨境", "role": "seller", "enterprise_id": park.brand_b.pk},
    )
    services.goods_register(
        actor=admin,
        data={"seller_id": seller.pk, "item_no": EAN[0], "gname": "真丝连衣裙", "gcode": "6204430090"},
    )
    owner = api_client(park, "owner_b")
    passed_stock(goods, qty=10)
    dy1 = owner.post("/fulfillment/orders", order_body(goods, "DY1")).json()
    assert (
        owner.post(f"/fulfillment/orders/{dy1['id']}/allocate", {"warehouse_id": goods["wh"].pk}).status_code
        == 200
    )
    assert owner.post(f"/fulfillment/orders/{dy1['id']}/pick").status_code == 200
    assert (
        owner.post(
            f"/fulfillment/orders/{dy1['id']}/ship", {"carrier": "SF", "waybill_no": "SF1000000001"}
        ).status_code
        == 201
    )
    dy2 = owner.post("/fulfillment/orders", order_body(goods, "DY2", qty=1)).json()
    ring = order_body(goods, "DY3", qty=1, price=199900) | {
        "lines": [{"sku_id": goods["ring_batch"].sku_id, "quantity": 1, "price_fen": 199900}]
    }
    dy3 = owner.post("/fulfillment/orders", ring).json()
    assert "id" in dy3, dy3
    return {"seller": seller, "dy1": dy1["id"], "dy2": dy2["id"], "dy3": dy3["id"]}


def api_client(park, name):
    from tests.conftest import Api

    return Api(park.tokens[name])


def test_from_orders(api, park, cb, shop):
    owner = api("owner_b")
    r = owner.get("/crossborder/sources/orders", seller_id=shop["seller"].pk)
    assert r.status_code == 200
    assert [(o["order_no"], o["waybill_no"]) for o in r.json()] == [("DY1", "SF1000000001"), ("DY2", None)]
    body = {
        "seller_id": shop["seller"].pk,
        "platform_id": cb["platform"].pk,
        "carrier_id": cb["carrier"].pk,
        "orders": [
            {"order_id": shop["dy1"], "buyer_name": "张小花", "buyer_id_number": BUYER},
            {
                "order_id": shop["dy2"],
                "buyer_name": "张小花",
                "buyer_id_number": BUYER,
                "buyer_phone": "13700001111",
            },
        ],
    }
    # Bad input names the order and the field, and builds nothing.
    bad_id = BUYER[:-1] + ("0" if BUYER[-1] != "0" else "1")
    before = state()
    r = owner.post(
        "/crossborder/sources/orders",
        body
        | {
            "orders": [
                body["orders"][0] | {"buyer_id_number": bad_id},
                {"order_id": shop["dy3"], "buyer_name": "x", "buyer_id_number": BUYER},
            ]
        },
    )
    assert r.status_code == 422 and r.json()["fields"] == {
        "orders[0].buyer_id_number": ["校验位不正确 / check digit does not match"],
        "orders[1].order_id": [
            "不是该电商企业已付款且商品均已备案的订单 / not a paid order of this seller with registered goods"
        ],
    }
    r = owner.post("/crossborder/sources/orders", body | {"platform_id": cb["carrier"].pk})
    assert r.status_code == 422 and list(r.json()["fields"]) == ["platform_id"]
    assert state() == before
    # Other tenants and roles.
    assert (
        api("owner_a").post("/crossborder/sources/orders", body).status_code == 422
    )  # B's seller: not visible
    assert api("bank").post("/crossborder/sources/orders", body).status_code == 403
    assert api("broker").get("/crossborder/sources/orders", seller_id=shop["seller"].pk).status_code == 403
    assert api("owner_a").get("/crossborder/sources/orders", seller_id=shop["seller"].pk).status_code == 422
    assert state() == before

    r = owner.post("/crossborder/sources/orders", body)
    assert r.status_code == 201, r.json()
    assert (r.json()["created"], r.json()["unchanged"]) == (2, 0)
    dy1 = DeclarationSet.objects.get(order_no="DY1")
    dy2 = DeclarationSet.objects.get(order_no="DY2")
    assert (dy1.state, dy1.seller, dy1.ebp_code, dy1.logistics_code, dy1.logistics_no) == (
        "received",
        shop["seller"],
        PLATFORM,
        CARRIER,
        "SF1000000001",
    )
    assert [c for c, f in DeclarationSet.DOCUMENT_FIELDS.items() if getattr(dy1, f)] == ["CEB311", "CEB511"]
    assert [c for c, f in DeclarationSet.DOCUMENT_FIELDS.items() if getattr(dy2, f)] == ["CEB311"]
    head = parse(dy1.document_xml("CEB311")).Order[0].OrderHead
    # 2 × 299.00 − 10.00 discount, paid 588.00; consignee from the order, buyer as given.
    assert (head.goodsValue, head.discount, head.acturalPaid, head.consignee, head.consigneeTelephone) == (
        D("598.00"),
        D("10.00"),
        D("588.00"),
        "张小花",
        "13912345678",
    )
    assert (head.buyerIdNumber, head.buyerTelephone, head.ebcCode) == (BUYER, "13912345678", SELLER_B)
    assert parse(dy2.document_xml("CEB311")).Order[0].OrderHead.buyerTelephone == "13700001111"
    line = parse(dy1.document_xml("CEB311")).Order[0].OrderList[0]
    assert (line.itemNo, line.itemName, line.qty, line.price, line.barCode) == (
        EAN[0],
        "真丝连衣裙",
        D(2),
        D("299.00"),
        EAN[0],
    )
    waybill = parse(dy1.document_xml("CEB511")).Logistics[0].LogisticsHead
    assert (waybill.logisticsNo, waybill.consignee, waybill.orderNo) == ("SF1000000001", "张小花", "DY1")
    for code in ("CEB311", "CEB511"):
        assert schema_errors(dy1.document_xml(code), XSD) == []
    found = owner.post(f"/crossborder/declarations/{dy1.pk}/check").json()["discrepancies"]
    assert {(d["document"], d["rule"]) for d in found} == {("CEB411", "keys"), ("CEB621", "keys")}
    # Again: nothing changes.
    before = state()
    r = owner.post("/crossborder/sources/orders", body)
    assert r.status_code == 200 and (r.json()["created"], r.json()["unchanged"]) == (0, 2)
    assert state() == before
    assert CustomsParty.objects.filter(code=SELLER_B).count() == 1
    _ = (COSMETICS, MILK)


def test_sources_page(park, cb, shop):
    client = Client()
    client.force_login(park.users["owner_b"])
    html = client.get(f"/crossborder/sources/?seller={shop['seller'].pk}").content.decode()
    assert "DY1" in html and "DY2" in html and "DY3" not in html
    r = client.post(
        "/crossborder/sources/orders/",
        {
            "seller_id": shop["seller"].pk,
            "platform_id": cb["platform"].pk,
            "order_id": [shop["dy2"]],
            f"buyer_name_{shop['dy2']}": "张小花",
            f"buyer_id_{shop['dy2']}": BUYER,
        },
    )
    assert r.status_code == 302 and DeclarationSet.objects.get().order_no == "DY2"
    for actor, want in (("bank", 403), ("anchor_a", 403), ("broker", 200), ("owner_a", 200)):
        client.force_login(park.users[actor])
        assert client.get("/crossborder/sources/").status_code == want, actor
