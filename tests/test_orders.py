"""Orders end to end: creation, import of platform exports, allocation through the QC gate, shipping, returns."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from livepark.core.money import MoneyFormatError, fen_to_yuan, yuan_to_fen
from livepark.fulfillment import orders as order_services
from livepark.fulfillment import services as fulfillment
from livepark.fulfillment.models import Order, StockBalance, StockMove
from livepark.fulfillment.order_import import MAPPINGS
from tests.conftest import Api
from tests.test_qc_stock import EAN, build_goods

pytestmark = pytest.mark.django_db
PAID_AT = "2026-11-20T20:15:00+08:00"


@pytest.fixture
def goods(park):
    return build_goods(park)


def order_body(goods, no="DY1001", qty=2, price=29900, **over):
    body = {
        "platform": "douyin",
        "order_no": no,
        "lines": [{"sku_id": goods["sku"].pk, "quantity": qty, "price_fen": price}],
        "freight_fen": 0,
        "discount_fen": 1000,
        "paid_fen": qty * price - 1000,
        "paid_at": PAID_AT,
        "consignee": {"name": "张小花", "phone": "13912345678", "address": "浙江省杭州市上城区望江路 1 号"},
    }
    return body | over


def passed_stock(goods, qty=10):
    owner = goods["admin"]
    fulfillment.stock_move(
        actor=owner, kind="receive", batch_id=goods["batch"].pk, warehouse_id=goods["wh"].pk, quantity=qty
    )
    lot = fulfillment.lot_open(
        actor=goods["inspector"], data={"batch_id": goods["batch"].pk, "warehouse_id": goods["wh"].pk}
    )
    fulfillment.lot_record(
        actor=goods["inspector"], pk=lot.pk, defects={"critical": 0, "major": 0, "minor": 0}
    )


def test_money_format():
    assert yuan_to_fen("129.9") == 12990 and yuan_to_fen("¥1,299.00") == 129900 and yuan_to_fen(3) == 300
    assert fen_to_yuan(12990) == "129.90" and fen_to_yuan(-5) == "-0.05"
    for bad in ("12.345", "1e3", "", "abc", 12.5):
        with pytest.raises(MoneyFormatError):
            yuan_to_fen(bad)


def test_order_create_is_idempotent_and_masks_the_consignee(park, goods):
    owner = Api(park.tokens["owner_b"])
    r = owner.post("/fulfillment/orders", order_body(goods))
    assert r.status_code == 201, r.content
    body = r.json()
    assert (
        body["shop_id"] == park.brand_b.pk
        and body["paid_fen"] == 58800
        and body["consignee"] == "张** 139****5678"
    )
    assert "13912345678" not in r.content.decode()
    assert (
        owner.post("/fulfillment/orders", order_body(goods)).status_code == 200
    )  # the same order again: no-op
    assert Order.objects.count() == 1
    r = owner.post("/fulfillment/orders", order_body(goods, qty=3))
    assert r.status_code == 409 and r.json()["code"] == "order_conflict"
    assert order_services.consignee(Order.objects.get())["phone"] == "13912345678"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"paid_fen": 1}, "paid_fen"),
        ({"lines": [{"sku_id": 999999, "quantity": 1, "price_fen": 1}]}, "lines[0].sku_id"),
        ({"lines": [{"sku_id": None, "quantity": 1, "price_fen": 1}]}, "lines.0.sku_id"),
        ({"platform": "myspace"}, "platform"),
        ({"consignee": {"name": "张", "phone": "123", "address": "x"}}, "consignee.phone"),
        ({"paid_at": "2026-11-20T20:15:00"}, "paid_at"),
    ],
)
def test_order_bad_input(park, goods, over, field):
    r = Api(park.tokens["owner_b"]).post("/fulfillment/orders", order_body(goods) | over)
    assert r.status_code == 422 and field in r.json()["fields"], r.json()
    assert Order.objects.count() == 0


def test_allocation_goes_through_the_gate_then_ships_and_returns(park, goods):
    owner = Api(park.tokens["owner_b"])
    order = owner.post("/fulfillment/orders", order_body(goods, qty=3, price=10000)).json()
    fulfillment.stock_move(
        actor=goods["admin"],
        kind="receive",
        batch_id=goods["batch"].pk,
        warehouse_id=goods["wh"].pk,
        quantity=10,
    )
    moves = StockMove.objects.count()
    r = owner.post(f"/fulfillment/orders/{order['id']}/allocate", {"warehouse_id": goods["wh"].pk})
    assert (r.status_code == 409 and "QC" in r.json()["detail"]) or r.json()["code"] == "insufficient_stock"
    assert StockMove.objects.count() == moves and Order.objects.get().status == "paid"
    lot = fulfillment.lot_open(
        actor=goods["inspector"], data={"batch_id": goods["batch"].pk, "warehouse_id": goods["wh"].pk}
    )
    fulfillment.lot_record(
        actor=goods["inspector"], pk=lot.pk, defects={"critical": 0, "major": 0, "minor": 0}
    )
    assert (
        owner.post(f"/fulfillment/orders/{order['id']}/allocate", {"warehouse_id": goods["wh"].pk}).json()[
            "status"
        ]
        == "allocated"
    )
    assert owner.post(f"/fulfillment/orders/{order['id']}/pick").json()["status"] == "picked"
    ship = owner.post(
        f"/fulfillment/orders/{order['id']}/ship", {"carrier": "SF", "waybill_no": "SF1234567890"}
    )
    assert ship.status_code == 201
    bal = StockBalance.objects.get(batch=goods["batch"], warehouse=goods["wh"])
    assert (bal.on_hand, bal.reserved, bal.picked) == (7, 0, 0)
    # The same waybill number of the same carrier cannot be used twice.
    other = owner.post("/fulfillment/orders", order_body(goods, no="DY1002", qty=1, price=10000)).json()
    owner.post(f"/fulfillment/orders/{other['id']}/allocate", {"warehouse_id": goods["wh"].pk})
    owner.post(f"/fulfillment/orders/{other['id']}/pick")
    reused = owner.post(
        f"/fulfillment/orders/{other['id']}/ship", {"carrier": "SF", "waybill_no": "SF1234567890"}
    )
    assert reused.status_code == 422 and "waybill_no" in reused.json()["fields"]
    assert Order.objects.get(pk=other["id"]).status == "picked"
    assert (
        owner.post(
            f"/fulfillment/orders/{other['id']}/ship", {"carrier": "JD", "waybill_no": "SF1234567890"}
        ).status_code
        == 201
    )
    tr = owner.post(
        f"/fulfillment/shipments/{ship.json()['id']}/tracking",
        {"at": "2026-11-21T10:00:00+08:00", "status": "delivered"},
    )
    assert tr.status_code == 200 and Order.objects.get(pk=order["id"]).status == "delivered"
    # A return of 2: one good (back to stock), one damaged (written off), refund recorded.
    line_id = order["lines"][0]["id"]
    ret = owner.post(
        "/fulfillment/returns",
        {"line_id": line_id, "quantity": 2, "good_quantity": 1, "reason": "quality", "refund_fen": 20000},
    )
    assert ret.status_code == 201, ret.content
    bal.refresh_from_db()
    assert (bal.on_hand, bal.available) == (7 - 1 + 1, 7)
    assert Order.objects.get(pk=order["id"]).refunded_fen == 20000
    too_many = owner.post(
        "/fulfillment/returns",
        {"line_id": line_id, "quantity": 2, "good_quantity": 0, "reason": "quality", "refund_fen": 0},
    )
    assert too_many.status_code == 422 and "quantity" in too_many.json()["fields"]
    fb = owner.get("/fulfillment/feedback").json()
    row = next(f for f in fb if f["product_id"] == goods["product"].pk)
    assert row["units_sold"] == 4 and row["available"] == 7 and row["return_reasons"] == {"quality": 1}
    assert fulfillment.ledger_totals(goods["batch"].pk, goods["wh"].pk) == (
        bal.on_hand,
        bal.reserved,
        bal.picked,
    )


def _export(platform: str, rows: list[dict]) -> bytes:
    headers = list(MAPPINGS[platform].values())
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=headers)
    w.writeheader()
    for r in rows:
        w.writerow({MAPPINGS[platform][k]: v for k, v in r.items()})
    return buf.getvalue().encode("utf-8-sig")


def _row(no, barcode=EAN[0], qty="1", price="299.00", paid="299.00", **over):
    row = {
        "order_no": no,
        "barcode": barcode,
        "quantity": qty,
        "price": price,
        "freight": "0",
        "discount": "0",
        "paid": paid,
        "name": "李四",
        "phone": "13800001111",
        "address": "广东省深圳市南山区 1 号",
        "paid_at": "2026-11-20 21:00:00",
    }
    return row | over


@pytest.mark.parametrize("platform", ["douyin", "kuaishou", "taobao"])
def test_platform_export_import_is_idempotent(park, goods, platform):
    owner = Api(park.tokens["owner_b"])
    data = _export(
        platform,
        [
            _row("A1", qty="2", paid="598.00"),
            _row("A2", paid="2298.00"),
            _row("A2", barcode=EAN[1], price="1999.00", paid="2298.00"),
        ],
    )
    r = (
        owner.client.post(
            "/api/v1/fulfillment/orders/import?platform=" + platform,
            {"file": io.BytesIO(data)},
            **owner.headers,
        )
        if False
        else None
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = lambda: SimpleUploadedFile(f"{platform}.csv", data, content_type="text/csv")  # noqa: E731
    r = owner.client.post(
        f"/api/v1/fulfillment/orders/import?platform={platform}", {"file": upload()}, **owner.headers
    )
    assert r.status_code == 200, r.content
    assert (r.json()["orders"], r.json()["created"]) == (2, 2)
    a2 = Order.objects.get(order_no="A2")
    assert (
        a2.paid_fen == 229800
        and a2.lines.count() == 2
        and a2.paid_at == dt.datetime.fromisoformat("2026-11-20T21:00:00+08:00")
    )
    again = owner.client.post(
        f"/api/v1/fulfillment/orders/import?platform={platform}", {"file": upload()}, **owner.headers
    )
    assert again.json()["created"] == 0 and again.json()["unchanged"] == 2 and Order.objects.count() == 2


def test_import_with_bad_rows_imports_nothing(park, goods):
    from django.core.files.uploadedfile import SimpleUploadedFile

    owner = Api(park.tokens["owner_b"])
    data = _export(
        "douyin",
        [
            _row("B1"),
            _row("B2", price="12.345", paid="12.35"),
            _row("B3", barcode="0000000000000"),
            _row("B4", qty="-1"),
            _row("B5", paid="100.00"),
        ],
    )
    r = owner.client.post(
        "/api/v1/fulfillment/orders/import?platform=douyin",
        {"file": SimpleUploadedFile("d.csv", data)},
        **owner.headers,
    )
    assert r.status_code == 422
    errors = {e["order_no"]: e for e in r.json()["errors"]}
    assert sorted(errors) == ["B2", "B3", "B4", "B5"]
    assert "商品单价" in errors["B2"]["fields"] and "商家编码" in errors["B3"]["fields"]
    assert "商品数量" in errors["B4"]["fields"] and "paid_fen" in errors["B5"]["fields"]
    assert Order.objects.count() == 0
    bad = owner.client.post(
        "/api/v1/fulfillment/orders/import?platform=douyin",
        {"file": SimpleUploadedFile("d.xlsx", b"not a workbook")},
        **owner.headers,
    )
    assert bad.status_code == 422 and bad.json()["file_error"]


def test_orders_are_scoped(park, goods):
    Api(park.tokens["owner_b"]).post("/fulfillment/orders", order_body(goods))
    order = Order.objects.get()
    assert Api(park.tokens["owner_a"]).get(f"/fulfillment/orders/{order.pk}").status_code == 404
    assert Api(park.tokens["owner_a"]).get("/fulfillment/orders").json()["count"] == 0
    assert Api(park.tokens["bank"]).get("/fulfillment/orders").status_code == 403
    assert Api(park.tokens["admin"]).get("/fulfillment/orders").json()["count"] == 1
    r = Api(park.tokens["owner_a"]).post(
        f"/fulfillment/orders/{order.pk}/allocate", {"warehouse_id": goods["wh"].pk}
    )
    assert r.status_code == 404 and Order.objects.get().status == "paid"
    assert (
        json.loads(Api(park.tokens["owner_b"]).get(f"/fulfillment/orders/{order.pk}").content)["status"]
        == "paid"
    )
