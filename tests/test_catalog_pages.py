"""The catalog's pages: product list (search, filters, HTMX paging) and product detail, by role and tenant."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from livepark.catalog import services as catalog
from livepark.fulfillment import services as fulfillment
from tests.factories import PASSWORD
from tests.test_qc_stock import EAN, build_goods

pytestmark = pytest.mark.django_db


@pytest.fixture
def goods(park):
    g = build_goods(park)
    admin = g["admin"]
    # A product of another tenant (MCN C is also a brand), discontinued, in its own category.
    food = catalog.category_create(actor=admin, data={"name": "食品"})
    g["other"] = catalog.product_create(
        actor=admin,
        data={
            "supplier_id": park.mcn_c.pk,
            "category_id": food.pk,
            "name": "金华火腿",
            "brand": "丙记",
            "status": "discontinued",
        },
    )
    catalog.sku_create(
        actor=admin,
        data={
            "product_id": g["other"].pk,
            "spec": "1 kg",
            "barcode": EAN[2],
            "list_price_fen": 19900,
            "cost_fen": 9000,
        },
    )
    g["food"] = food
    return g


def login(user: str) -> Client:
    c = Client()
    assert c.login(username=user, password=PASSWORD)
    return c


def names(response) -> list[str]:
    html = response.content.decode()
    return [n for n in ("真丝连衣裙", "和田玉戒指", "金华火腿") if f">{n}</a>" in html]


def test_product_list_by_role(park, goods):
    expect = {
        "admin": (200, ["真丝连衣裙", "和田玉戒指", "金华火腿"]),
        "qc": (200, ["真丝连衣裙", "和田玉戒指", "金华火腿"]),
        "owner_b": (200, ["真丝连衣裙", "和田玉戒指"]),
        "owner_c": (200, ["金华火腿"]),
        "owner_a": (200, []),
        "anchor_a": (403, None),
        "bank": (403, None),
        "broker": (403, None),
    }
    for user, (status, shown) in expect.items():
        r = login(user).get("/products/")
        assert r.status_code == status, user
        if shown is not None:
            assert names(r) == shown, user
    anon = Client().get("/products/")
    assert anon.status_code == 302 and anon["Location"].startswith("/login/")
    # The navigation shows the entry to those who may open the page.
    assert 'href="/products/"' in login("qc").get("/stock/").content.decode()
    assert 'href="/products/"' not in login("anchor_a").get("/orders/").content.decode()


def test_product_search_filters_and_htmx_paging(park, goods):
    admin = login("admin")
    assert names(admin.get("/products/", {"q": "真丝"})) == ["真丝连衣裙"]
    assert names(admin.get("/products/", {"q": "丙记"})) == ["金华火腿"]  # brand
    # The start of a barcode: 69012345 begins every test barcode, 6901234567885 only the ring's.
    assert names(admin.get("/products/", {"q": EAN[1][:8]})) == ["真丝连衣裙", "和田玉戒指", "金华火腿"]
    assert names(admin.get("/products/", {"q": EAN[1]})) == ["和田玉戒指"]  # a whole barcode
    assert names(admin.get("/products/", {"category": goods["food"].pk})) == ["金华火腿"]
    assert names(admin.get("/products/", {"supplier": park.brand_b.pk})) == ["真丝连衣裙", "和田玉戒指"]
    assert names(admin.get("/products/", {"status": "discontinued"})) == ["金华火腿"]
    assert names(admin.get("/products/", {"status": "active", "q": "火腿"})) == []
    # A supplier filtering on another supplier sees nothing of it.
    assert names(login("owner_b").get("/products/", {"supplier": park.mcn_c.pk})) == []
    # HTMX: only the table; 30 more products page at 25.
    for i in range(30):
        catalog.product_create(
            actor=goods["admin"],
            data={"supplier_id": park.brand_b.pk, "category_id": goods["food"].pk, "name": f"酥饼{i:02d}"},
        )
    full = admin.get("/products/")
    assert "<html" in full.content.decode() and "第 1 / 2 页" in full.content.decode()
    part = admin.get("/products/", {"page": 2}, HTTP_HX_REQUEST="true")
    html = part.content.decode()
    assert "<html" not in html and 'data-testid="products"' in html and "第 2 / 2 页" in html
    assert html.count('<a href="/products/') == 33 - 25  # newest first: page 2 holds the 8 oldest
    assert names(part) == ["真丝连衣裙", "和田玉戒指", "金华火腿"]


def test_product_detail_shows_the_goods_story(park, goods):
    admin = goods["admin"]
    batch, wh = goods["batch"], goods["wh"]
    fulfillment.stock_move(actor=admin, kind="receive", batch_id=batch.pk, warehouse_id=wh.pk, quantity=40)
    lot = fulfillment.lot_open(actor=goods["inspector"], data={"batch_id": batch.pk, "warehouse_id": wh.pk})
    lot = fulfillment.lot_record(
        actor=goods["inspector"], pk=lot.pk, defects={"critical": 0, "major": 0, "minor": 0}
    )
    fulfillment.stock_move(actor=admin, kind="reserve", batch_id=batch.pk, warehouse_id=wh.pk, quantity=5)
    second = catalog.batch_create(
        actor=admin,
        data={
            "sku_id": goods["sku"].pk,
            "batch_no": "B002",
            "production_date": dt.date(2026, 11, 3),
            "quantity": 9,
        },
    )
    failed = fulfillment.lot_open(
        actor=goods["inspector"], data={"batch_id": second.pk, "warehouse_id": wh.pk}
    )
    failed = fulfillment.lot_record(
        actor=goods["inspector"], pk=failed.pk, defects={"critical": 1, "major": 0, "minor": 0}
    )
    pid = goods["product"].pk
    for user in ("admin", "owner_b", "qc"):
        r = login(user).get(f"/products/{pid}/")
        assert r.status_code == 200, user
        html = r.content.decode()
        assert EAN[0] in html and "M 红" in html  # the SKU
        assert "B001" in html and "B002" in html  # batches
        assert lot.certificate_no in html and failed.certificate_no in html
        assert "合格" in html and "不合格" in html
        assert "HZ01 杭州云仓" in html and "¥4,800.00" in html  # 40 on hand × ¥120.00 cost
        assert 'data-testid="feedback"' in html
        assert ('data-testid="read-only"' in html) == (user == "qc")
    # Another tenant's product: 404; roles without the product right: 403.
    for user, status in [
        ("owner_a", 404),
        ("owner_c", 404),
        ("staff_a", 404),
        ("anchor_a", 403),
        ("bank", 403),
    ]:
        assert login(user).get(f"/products/{pid}/").status_code == status, user
    assert login("owner_c").get(f"/products/{goods['other'].pk}/").status_code == 200
    assert login("admin").get("/products/999999/").status_code == 404
    anon = Client().get(f"/products/{pid}/")
    assert anon.status_code == 302 and anon["Location"].startswith("/login/")
