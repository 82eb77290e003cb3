"""Catalog, QC inspection lots (GB/T 2828.1 through the engine), switching, and the stock gate."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections

from livepark.catalog import services as catalog
from livepark.core.models import AuditLog
from livepark.core.roles import Role
from livepark.core.services import token_create, user_create
from livepark.engines.sampling import plan
from livepark.fulfillment import services as fulfillment
from livepark.fulfillment.models import StockBalance, StockMove
from tests.conftest import Api
from tests.factories import PASSWORD, build_park

EAN = ["6901234567892", "6901234567885", "6901234567878", "6901234567861"]


def build_goods(park):
    admin = park.users["admin"]
    apparel = catalog.category_create(actor=admin, data={"name": "服装", "aql_major": "1.0"})
    jewellery = catalog.category_create(actor=admin, data={"name": "珠宝", "qc_mode": "per_unit"})
    product = catalog.product_create(
        actor=admin, data={"supplier_id": park.brand_b.pk, "category_id": apparel.pk, "name": "真丝连衣裙"}
    )
    ring = catalog.product_create(
        actor=admin, data={"supplier_id": park.brand_b.pk, "category_id": jewellery.pk, "name": "和田玉戒指"}
    )
    sku = catalog.sku_create(
        actor=admin,
        data={
            "product_id": product.pk,
            "spec": "M 红",
            "barcode": EAN[0],
            "list_price_fen": 29900,
            "cost_fen": 12000,
        },
    )
    ring_sku = catalog.sku_create(
        actor=admin,
        data={
            "product_id": ring.pk,
            "spec": "12 号",
            "barcode": EAN[1],
            "list_price_fen": 199900,
            "cost_fen": 80000,
        },
    )
    day = dt.date(2026, 11, 1)
    batch = catalog.batch_create(
        actor=admin, data={"sku_id": sku.pk, "batch_no": "B001", "production_date": day, "quantity": 500}
    )
    ring_batch = catalog.batch_create(
        actor=admin, data={"sku_id": ring_sku.pk, "batch_no": "R001", "production_date": day, "quantity": 5}
    )
    wh = fulfillment.warehouse_create(actor=admin, data={"code": "HZ01", "name": "杭州云仓"})
    inspector = user_create(actor=admin, username="qc", role=Role.QC_INSPECTOR, password=PASSWORD)
    return {
        "admin": admin,
        "product": product,
        "sku": sku,
        "batch": batch,
        "ring_batch": ring_batch,
        "wh": wh,
        "inspector": inspector,
        "qc_token": token_create(actor=admin, user=inspector)[1],
    }


@pytest.fixture
def goods(park):
    return build_goods(park)


def _state(batch, wh):
    bal = StockBalance.objects.filter(batch=batch, warehouse=wh).first()
    return (
        (bal.on_hand, bal.reserved, bal.picked) if bal else None,
        StockMove.objects.count(),
        AuditLog.objects.count(),
    )


@pytest.mark.django_db
def test_lot_plan_comes_from_the_standard(goods):
    qc = Api(goods["qc_token"])
    r = qc.post("/fulfillment/lots", {"batch_id": goods["batch"].pk, "warehouse_id": goods["wh"].pk})
    assert r.status_code == 201, r.content
    lot = r.json()
    # N = 500, level II -> code letter H; AQL 1.0 normal -> n = 50, Ac 1, Re 2 (Table 2-A).
    assert lot["plan"]["major"] | {"defects": None} == {
        "aql": "1.0",
        "code_letter": "H",
        "n": 50,
        "ac": 1,
        "re": 2,
        "defects": None,
    }
    for cls, aql in (("critical", "0.065"), ("minor", "4.0")):
        p = plan(500, "II", aql, "normal")
        assert (lot["plan"][cls]["n"], lot["plan"][cls]["ac"], lot["plan"][cls]["re"]) == (
            p.sample_size,
            p.ac,
            p.re,
        )
    assert lot["sample_size"] == max(v["n"] for v in lot["plan"].values())
    assert lot["severity"] == "normal" and lot["status"] == "pending"


@pytest.mark.django_db
def test_the_gate_refuses_uninspected_and_failed_goods_and_changes_nothing(park, goods):
    owner = Api(park.tokens["owner_b"])
    qc = Api(goods["qc_token"])
    batch, wh = goods["batch"], goods["wh"]
    move = {"batch_id": batch.pk, "warehouse_id": wh.pk, "quantity": 10}
    assert owner.post("/fulfillment/stock/receive", move | {"quantity": 100}).json()["on_hand"] == 100
    for kind in ("reserve", "pick", "ship"):
        before = _state(batch, wh)
        r = owner.post(f"/fulfillment/stock/{kind}", move)
        assert r.status_code == 409 and r.json()["code"] == "qc_gate", kind
        assert _state(batch, wh) == before
    lot = qc.post("/fulfillment/lots", {"batch_id": batch.pk, "warehouse_id": wh.pk}).json()
    failed = qc.post(
        f"/fulfillment/lots/{lot['id']}/results", {"defects": {"critical": 0, "major": 2, "minor": 0}}
    )
    assert failed.json()["status"] == "failed" and failed.json()["certificate_no"].startswith("QC")
    before = _state(batch, wh)
    assert owner.post("/fulfillment/stock/reserve", move).json()["code"] == "qc_gate"
    assert _state(batch, wh) == before
    lot2 = qc.post("/fulfillment/lots", {"batch_id": batch.pk, "warehouse_id": wh.pk}).json()
    passed = qc.post(
        f"/fulfillment/lots/{lot2['id']}/results", {"defects": {"critical": 0, "major": 1, "minor": 3}}
    )
    assert passed.json()["status"] == "passed"
    assert owner.post("/fulfillment/stock/reserve", move).json()["reserved"] == 10
    assert owner.post("/fulfillment/stock/pick", move | {"quantity": 4}).json()["picked"] == 4
    shipped = owner.post("/fulfillment/stock/ship", move | {"quantity": 4}).json()
    assert (shipped["on_hand"], shipped["reserved"], shipped["picked"], shipped["available"]) == (
        96,
        6,
        0,
        90,
    )
    assert fulfillment.ledger_totals(batch.pk, wh.pk) == (96, 6, 0)


@pytest.mark.django_db
def test_per_unit_category_releases_only_the_passed_units(park, goods):
    owner = Api(park.tokens["owner_b"])
    qc = Api(goods["qc_token"])
    batch, wh = goods["ring_batch"], goods["wh"]
    owner.post("/fulfillment/stock/receive", {"batch_id": batch.pk, "warehouse_id": wh.pk, "quantity": 5})
    lot = qc.post("/fulfillment/lots", {"batch_id": batch.pk, "warehouse_id": wh.pk}).json()
    assert lot["qc_mode"] == "per_unit" and lot["sample_size"] == 5
    bad = qc.post(
        f"/fulfillment/lots/{lot['id']}/results", {"defects": {"critical": 0, "major": 0, "minor": 0}}
    )
    assert bad.status_code == 422 and "unit_results" in bad.json()["fields"]
    r = qc.post(
        f"/fulfillment/lots/{lot['id']}/results",
        {
            "defects": {"critical": 0, "major": 2, "minor": 0},
            "unit_results": [True, True, False, True, False],
        },
    )
    assert r.json()["passed_units"] == 3 and r.json()["status"] == "passed"
    move = {"batch_id": batch.pk, "warehouse_id": wh.pk}
    before = _state(batch, wh)
    r = owner.post("/fulfillment/stock/reserve", move | {"quantity": 4})
    assert r.status_code == 409 and r.json()["code"] == "qc_gate"
    assert _state(batch, wh) == before
    assert owner.post("/fulfillment/stock/reserve", move | {"quantity": 3}).json()["reserved"] == 3
    assert owner.post("/fulfillment/stock/reserve", move | {"quantity": 1}).json()["code"] == "qc_gate"


@pytest.mark.django_db
def test_bad_input_is_refused_and_changes_nothing(park, goods):
    owner = Api(park.tokens["owner_b"])
    admin = Api(park.tokens["admin"])
    cases = [
        (
            owner,
            "/fulfillment/stock/receive",
            {"batch_id": 999999, "warehouse_id": goods["wh"].pk, "quantity": 1},
            422,
            "batch_id",
        ),
        (
            owner,
            "/fulfillment/stock/receive",
            {"batch_id": goods["batch"].pk, "warehouse_id": goods["wh"].pk, "quantity": -3},
            422,
            "quantity",
        ),
        (
            owner,
            "/fulfillment/stock/teleport",
            {"batch_id": goods["batch"].pk, "warehouse_id": goods["wh"].pk, "quantity": 1},
            422,
            "kind",
        ),
        (
            admin,
            "/catalog/skus",
            {
                "product_id": goods["product"].pk,
                "spec": "L",
                "barcode": "6901234567890",
                "list_price_fen": 100,
                "cost_fen": 50,
            },
            422,
            "barcode",
        ),
        (
            admin,
            "/catalog/skus",
            {
                "product_id": goods["product"].pk,
                "spec": "L",
                "barcode": EAN[0],
                "list_price_fen": 100,
                "cost_fen": 50,
            },
            422,
            "barcode",
        ),
        (
            admin,
            "/catalog/skus",
            {
                "product_id": goods["product"].pk,
                "spec": "L",
                "barcode": EAN[2],
                "list_price_fen": 12.5,
                "cost_fen": 50,
            },
            422,
            "list_price_fen",
        ),
        (
            admin,
            "/catalog/batches",
            {"sku_id": goods["sku"].pk, "batch_no": "B001", "production_date": "2026-01-01", "quantity": 5},
            422,
            "batch_no",
        ),
        (
            admin,
            "/catalog/batches",
            {"sku_id": goods["sku"].pk, "batch_no": "B9", "production_date": "2099-01-01", "quantity": 5},
            422,
            "production_date",
        ),
        (admin, "/catalog/categories", {"name": "食品", "aql_major": "1.1"}, 422, "aql_major"),
        (
            admin,
            "/fulfillment/lots",
            {"batch_id": goods["batch"].pk, "warehouse_id": goods["wh"].pk, "lot_size": 1},
            422,
            "lot_size",
        ),
    ]
    for client, url, body, status, field in cases:
        before = _state(goods["batch"], goods["wh"])
        r = client.post(url, body)
        assert r.status_code == status, (url, body, r.content)
        assert any(k.startswith(field) for k in r.json()["fields"]), (url, r.json())
        assert _state(goods["batch"], goods["wh"]) == before


@pytest.mark.django_db
def test_switching_to_tightened_after_two_rejections_in_five(park, goods):
    qc = Api(goods["qc_token"])
    admin = goods["admin"]
    severities, lots = [], []
    for i, major in enumerate([2, 0, 2, 0]):
        batch = catalog.batch_create(
            actor=admin,
            data={
                "sku_id": goods["sku"].pk,
                "batch_no": f"S{i}",
                "production_date": dt.date(2026, 11, 2),
                "quantity": 500,
            },
        )
        lot = qc.post("/fulfillment/lots", {"batch_id": batch.pk, "warehouse_id": goods["wh"].pk}).json()
        severities.append(lot["severity"])
        lots.append(lot)
        qc.post(
            f"/fulfillment/lots/{lot['id']}/results", {"defects": {"critical": 0, "major": major, "minor": 0}}
        )
    assert severities == ["normal", "normal", "normal", "tightened"]
    assert fulfillment.switching_state(park.brand_b.pk, goods["product"].pk).severity == "tightened"
    # The fourth lot was planned from the tightened table (Table 2-B).
    tightened = plan(500, "II", "1.0", "tightened")
    assert (lots[3]["plan"]["major"]["n"], lots[3]["plan"]["major"]["ac"]) == (
        tightened.sample_size,
        tightened.ac,
    )


@pytest.mark.django_db
def test_roles_on_goods(park, goods):
    lot = Api(goods["qc_token"]).post(
        "/fulfillment/lots", {"batch_id": goods["batch"].pk, "warehouse_id": goods["wh"].pk}
    )
    lot_id = lot.json()["id"]
    pid = goods["product"].pk
    expect = {
        # actor: (product read, product list count, lot read, record results, stock list)
        "owner_b": (200, 2, 200, 403, 200),
        "owner_a": (404, 0, 404, 403, 200),
        "anchor_a": (403, None, 403, 403, 403),
        "bank": (403, None, 403, 403, 403),
        "admin": (200, 2, 200, None, 200),
    }
    for actor, (p_read, p_count, l_read, record, stock) in expect.items():
        c = Api(park.tokens[actor])
        assert c.get(f"/catalog/products/{pid}").status_code == p_read, actor
        products = c.get("/catalog/products")
        assert (products.json()["count"] if products.status_code == 200 else None) == p_count, actor
        assert c.get(f"/fulfillment/lots/{lot_id}").status_code == l_read, actor
        if record is not None:
            before = AuditLog.objects.count()
            r = c.post(
                f"/fulfillment/lots/{lot_id}/results", {"defects": {"critical": 0, "major": 0, "minor": 0}}
            )
            assert r.status_code == record, actor
            assert AuditLog.objects.count() == before
        assert c.get("/fulfillment/stock").status_code == stock, actor
    # A supplier cannot register goods for another enterprise.
    r = Api(park.tokens["owner_a"]).post(
        "/catalog/products",
        {"supplier_id": park.brand_b.pk, "category_id": goods["product"].category_id, "name": "冒名"},
    )
    assert r.status_code == 422 and "supplier_id" in r.json()["fields"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["reserve", "pick"])
def test_twenty_concurrent_moves_of_low_stock_never_oversell(kind):
    park = build_park()
    goods = build_goods(park)
    batch, wh = goods["batch"], goods["wh"]
    owner = park.users["owner_b"]
    fulfillment.stock_move(actor=owner, kind="receive", batch_id=batch.pk, warehouse_id=wh.pk, quantity=5)
    lot = fulfillment.lot_open(actor=goods["inspector"], data={"batch_id": batch.pk, "warehouse_id": wh.pk})
    fulfillment.lot_record(
        actor=goods["inspector"], pk=lot.pk, defects={"critical": 0, "major": 0, "minor": 0}
    )
    if kind == "pick":
        fulfillment.stock_move(actor=owner, kind="reserve", batch_id=batch.pk, warehouse_id=wh.pk, quantity=5)
    barrier = threading.Barrier(20)
    codes: list[int] = []
    lock = threading.Lock()

    def go() -> None:
        client = Api(park.tokens["owner_b"])
        barrier.wait()
        try:
            r = client.post(
                f"/fulfillment/stock/{kind}", {"batch_id": batch.pk, "warehouse_id": wh.pk, "quantity": 1}
            )
            with lock:
                codes.append(r.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] * 5 + [409] * 15
    bal = StockBalance.objects.get(batch=batch, warehouse=wh)
    assert (bal.on_hand, bal.reserved, bal.picked) == ((5, 5, 0) if kind == "reserve" else (5, 0, 5))
    # Every acknowledged move is in the ledger, and the ledger adds up to the balance.
    assert StockMove.objects.filter(kind=kind).count() == 5
    assert fulfillment.ledger_totals(batch.pk, wh.pk) == (bal.on_hand, bal.reserved, bal.picked)


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode()


@pytest.mark.django_db
def test_the_gate_holds_on_every_path(park, goods):
    """API (above), the stock page's form, the admin action and the stock-move import all refuse unpassed goods."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    batch, wh = goods["batch"], goods["wh"]
    fulfillment.stock_move(
        actor=goods["admin"], kind="receive", batch_id=batch.pk, warehouse_id=wh.pk, quantity=20
    )
    bal = StockBalance.objects.get(batch=batch, warehouse=wh)
    page = Client()
    assert page.login(username="owner_b", password=PASSWORD)
    admin = Client()
    assert admin.login(username="admin", password=PASSWORD)
    owner_api = Api(park.tokens["owner_b"])

    def attempts():
        yield (
            "page",
            lambda: page.post(
                "/stock/move/",
                {"kind": "reserve", "batch_id": batch.pk, "warehouse_id": wh.pk, "quantity": 5},
            ),
        )
        yield (
            "admin",
            lambda: admin.post(
                "/admin/fulfillment/stockbalance/",
                {"action": "reserve_available", "_selected_action": [bal.pk]},
                follow=True,
            ),
        )
        for kind in ("reserve", "pick", "ship"):
            data = _csv([["类型", "条码", "批号", "仓库编码", "数量"], [kind, EAN[0], "B001", "HZ01", "1"]])
            yield (
                f"import {kind}",
                lambda data=data: owner_api.client.post(
                    "/api/v1/fulfillment/stock/import",
                    {"file": SimpleUploadedFile("m.csv", data)},
                    **owner_api.headers,
                ),
            )

    for name, attempt in attempts():
        before = _state(batch, wh)
        r = attempt()
        if name == "page":
            assert r.status_code == 409 and "未通过质检" in r.content.decode(), name
        elif name == "admin":
            assert r.status_code == 200 and "未通过质检" in r.content.decode(), name
        else:
            assert r.status_code == 422 and r.json()["errors"][0]["code"] == "qc_gate", (name, r.content)
        assert _state(batch, wh) == before, name
    # Once the batch passes, the same page form and import go through.
    lot = fulfillment.lot_open(actor=goods["inspector"], data={"batch_id": batch.pk, "warehouse_id": wh.pk})
    fulfillment.lot_record(
        actor=goods["inspector"], pk=lot.pk, defects={"critical": 0, "major": 0, "minor": 0}
    )
    assert (
        page.post(
            "/stock/move/", {"kind": "reserve", "batch_id": batch.pk, "warehouse_id": wh.pk, "quantity": 5}
        ).status_code
        == 302
    )
    data = _csv(
        [["kind", "barcode", "batch_no", "warehouse", "quantity"], ["pick", EAN[0], "B001", "hz01", "5"]]
    )
    r = owner_api.client.post(
        "/api/v1/fulfillment/stock/import", {"file": SimpleUploadedFile("m.csv", data)}, **owner_api.headers
    )
    assert r.status_code == 200 and r.json()["applied"] == 1
    bal.refresh_from_db()
    assert (bal.on_hand, bal.reserved, bal.picked) == (20, 0, 5)


@pytest.mark.django_db
def test_qc_workbench_records_a_verdict_and_prints_a_certificate(park, goods):
    from django.test import Client

    lot = fulfillment.lot_open(
        actor=goods["inspector"], data={"batch_id": goods["batch"].pk, "warehouse_id": goods["wh"].pk}
    )
    qc = Client()
    assert qc.login(username="qc", password=PASSWORD)
    page = qc.get("/qc/")
    assert (
        page.status_code == 200
        and "B001" in page.content.decode()
        and 'name="major"' in page.content.decode()
    )
    bad = qc.post(f"/qc/lots/{lot.pk}/", {"critical": "0", "major": "x", "minor": "0"})
    assert bad.status_code == 422
    r = qc.post(f"/qc/lots/{lot.pk}/", {"critical": "0", "major": "1", "minor": "2"})
    assert r.status_code == 302
    lot.refresh_from_db()
    assert lot.status == "passed" and lot.plan["major"]["defects"] == 1
    cert = qc.get(f"/qc/lots/{lot.pk}/certificate/").content.decode()
    assert lot.certificate_no in cert and "GB/T 2828.1-2012" in cert and "合格" in cert
    owner_a = Client()
    assert owner_a.login(username="owner_a", password=PASSWORD)
    assert owner_a.get(f"/qc/lots/{lot.pk}/certificate/").status_code == 404
    owner_b = Client()
    assert owner_b.login(username="owner_b", password=PASSWORD)
    assert owner_b.get(f"/qc/lots/{lot.pk}/certificate/").status_code == 200
    assert owner_b.post(f"/qc/lots/{lot.pk}/", {"critical": "0", "major": "0", "minor": "0"}).status_code in (
        200,
        403,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "expect"),
    [
        ("/qc/", {"admin": 200, "qc": 200, "owner_b": 200, "owner_a": 200, "anchor_a": 403, "bank": 403}),
        ("/stock/", {"admin": 200, "qc": 200, "owner_b": 200, "owner_a": 200, "anchor_a": 403, "bank": 403}),
        ("/orders/", {"admin": 200, "qc": 403, "owner_b": 200, "owner_a": 200, "anchor_a": 200, "bank": 403}),
        (
            "/shipments/",
            {"admin": 200, "qc": 403, "owner_b": 200, "owner_a": 200, "anchor_a": 200, "bank": 403},
        ),
        (
            "/supplier/",
            {"admin": 200, "qc": 200, "owner_b": 200, "owner_a": 200, "anchor_a": 403, "bank": 403},
        ),
    ],
)
def test_goods_pages_by_role(park, goods, path, expect):
    from django.test import Client

    fulfillment.stock_move(
        actor=goods["admin"],
        kind="receive",
        batch_id=goods["batch"].pk,
        warehouse_id=goods["wh"].pk,
        quantity=3,
    )
    anon = Client().get(path)
    assert anon.status_code == 302 and anon["Location"].startswith("/login/")
    for user, status in expect.items():
        c = Client()
        assert c.login(username=user, password=PASSWORD)
        r = c.get(path)
        assert r.status_code == status, (path, user)
        if path == "/stock/" and status == 200:
            assert ("B001" in r.content.decode()) == (user in ("admin", "qc", "owner_b")), user


@pytest.mark.django_db
def test_supplier_pass_rates(park, goods):
    for i, major in enumerate([0, 2, 0]):
        batch = catalog.batch_create(
            actor=goods["admin"],
            data={
                "sku_id": goods["sku"].pk,
                "batch_no": f"P{i}",
                "production_date": dt.date(2026, 11, 2),
                "quantity": 500,
            },
        )
        lot = fulfillment.lot_open(
            actor=goods["inspector"], data={"batch_id": batch.pk, "warehouse_id": goods["wh"].pk}
        )
        fulfillment.lot_record(
            actor=goods["inspector"], pk=lot.pk, defects={"critical": 0, "major": major, "minor": 0}
        )
    rows = Api(park.tokens["owner_b"]).get("/fulfillment/qc/pass-rates").json()
    assert [(r["supplier_id"], r["lots"], r["passed"], r["pass_rate"]) for r in rows] == [
        (park.brand_b.pk, 3, 2, 0.6667)
    ]
    assert Api(park.tokens["owner_a"]).get("/fulfillment/qc/pass-rates").json() == []


@pytest.mark.django_db
def test_inspector_records_results_but_cannot_edit_products(park, goods):
    qc = Api(goods["qc_token"])
    pid = goods["product"].pk
    before = AuditLog.objects.count()
    assert qc.patch(f"/catalog/products/{pid}", {"name": "改名"}).status_code == 403
    assert (
        qc.post("/catalog/products", {"category_id": goods["product"].category_id, "name": "x"}).status_code
        == 403
    )
    assert (
        qc.post(
            "/fulfillment/stock/receive",
            {"batch_id": goods["batch"].pk, "warehouse_id": goods["wh"].pk, "quantity": 1},
        ).status_code
        == 403
    )
    assert AuditLog.objects.count() == before
    assert qc.get(f"/catalog/products/{pid}").status_code == 200
