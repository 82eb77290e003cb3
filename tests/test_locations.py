"""Warehouse locations, put-away, transfers between warehouses (the QC pass travels with the goods), stock value
at cost and stock age."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django.test import Client

from livepark.core.models import AuditLog
from livepark.fulfillment import services as fulfillment
from livepark.fulfillment.models import (
    Location,
    LocationStock,
    StockBalance,
    StockMove,
    StockTransfer,
)
from tests.conftest import Api
from tests.factories import PASSWORD, build_park
from tests.test_orders import order_body
from tests.test_qc_stock import build_goods

ZERO = {"critical": 0, "major": 0, "minor": 0}


@pytest.fixture
def goods(park):
    g = build_goods(park)
    g["wh2"] = fulfillment.warehouse_create(actor=g["admin"], data={"code": "YW01", "name": "义乌云仓"})
    return g


def _receive(goods, qty, batch="batch", wh="wh"):
    fulfillment.stock_move(
        actor=goods["admin"],
        kind="receive",
        batch_id=goods[batch].pk,
        warehouse_id=goods[wh].pk,
        quantity=qty,
    )


def _pass(goods, batch="batch", wh="wh", units=None):
    lot = fulfillment.lot_open(
        actor=goods["inspector"], data={"batch_id": goods[batch].pk, "warehouse_id": goods[wh].pk}
    )
    return fulfillment.lot_record(actor=goods["inspector"], pk=lot.pk, defects=ZERO, unit_results=units)


def _fail(goods, batch="batch", wh="wh"):
    lot = fulfillment.lot_open(
        actor=goods["inspector"], data={"batch_id": goods[batch].pk, "warehouse_id": goods[wh].pk}
    )
    return fulfillment.lot_record(
        actor=goods["inspector"], pk=lot.pk, defects={"critical": 0, "major": 9, "minor": 0}
    )


def _loc(goods, code, wh="wh", kind="storage"):
    return fulfillment.location_create(
        actor=goods["admin"], data={"warehouse_id": goods[wh].pk, "code": code, "kind": kind}
    )


def state() -> tuple:
    """Everything a stock write touches."""
    return (
        sorted(StockBalance.objects.values_list("batch_id", "warehouse_id", "on_hand", "reserved", "picked")),
        sorted(LocationStock.objects.values_list("location_id", "batch_id", "quantity")),
        StockMove.objects.count(),
        StockTransfer.objects.count(),
        Location.objects.count(),
        AuditLog.objects.count(),
    )


def bal(goods, wh="wh", batch="batch") -> tuple[int, int, int]:
    b = StockBalance.objects.get(batch=goods[batch], warehouse=goods[wh])
    return b.on_hand, b.reserved, b.picked


def shelves(goods, batch="batch") -> dict[str, int]:
    return {
        s.location.code: s.quantity
        for s in LocationStock.objects.filter(batch=goods[batch], quantity__gt=0).select_related("location")
    }


def assert_ledger_matches():
    """Balances and per-location quantities equal the sums of the ledger, row for row."""
    for b in StockBalance.objects.all():
        assert fulfillment.ledger_totals(b.batch_id, b.warehouse_id) == (b.on_hand, b.reserved, b.picked)
        located = sum(
            s.quantity
            for s in LocationStock.objects.filter(batch_id=b.batch_id, location__warehouse_id=b.warehouse_id)
        )
        assert 0 <= located <= b.on_hand - b.picked
    for s in LocationStock.objects.all():
        assert fulfillment.location_totals(s.location_id, s.batch_id) == s.quantity


# --- locations ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_locations_api_rules_and_roles(park, goods):
    admin = Api(park.tokens["admin"])
    body = {"warehouse_id": goods["wh"].pk, "code": "a-01-02", "kind": "storage"}
    r = admin.post("/fulfillment/locations", body)
    assert r.status_code == 201, r.content
    assert (r.json()["code"], r.json()["kind"], r.json()["active"]) == ("A-01-02", "storage", True)
    # The same code in another warehouse is fine; twice in one is not.
    assert admin.post("/fulfillment/locations", body | {"warehouse_id": goods["wh2"].pk}).status_code == 201
    for bad, field in [
        (body, "code"),
        (body | {"code": "A 01"}, "code"),
        (body | {"code": ""}, "code"),
        (body | {"code": "B-1", "kind": "attic"}, "kind"),
        (body | {"code": "B-1", "warehouse_id": 999999}, "warehouse_id"),
    ]:
        before = state()
        r = admin.post("/fulfillment/locations", bad)
        assert r.status_code == 422 and field in r.json()["fields"], (bad, r.content)
        assert state() == before
    new = body | {"code": "C-9"}
    for actor, status in [("owner_b", 403), ("staff_a", 403), ("inspector", 403), ("anchor_a", 403)]:
        before = state()
        assert Api(park.tokens[actor]).post("/fulfillment/locations", new).status_code == status, actor
        assert state() == before
    assert Api(None).post("/fulfillment/locations", new).status_code == 401
    for actor, status in [
        ("admin", 200),
        ("owner_b", 200),
        ("owner_a", 200),
        ("inspector", 200),
        ("bank", 403),
    ]:
        r = Api(park.tokens[actor]).get("/fulfillment/locations", warehouse_id=goods["wh"].pk)
        assert r.status_code == status, actor
        if status == 200:
            assert [x["code"] for x in r.json()["items"]] == ["A-01-02"]


@pytest.mark.django_db
def test_a_location_holding_stock_cannot_be_switched_off(park, goods):
    admin = Api(park.tokens["admin"])
    loc = _loc(goods, "A-01")
    _receive(goods, 5)
    fulfillment.stock_put_away(
        actor=goods["admin"], batch_id=goods["batch"].pk, location_id=loc.pk, quantity=2
    )
    before = state()
    r = admin.patch(f"/fulfillment/locations/{loc.pk}", {"active": False})
    assert r.status_code == 409 and r.json()["code"] == "location_not_empty"
    assert state() == before
    assert (
        Api(park.tokens["owner_b"]).patch(f"/fulfillment/locations/{loc.pk}", {"active": False}).status_code
        == 403
    )
    assert (
        admin.patch(f"/fulfillment/locations/{loc.pk}", {"kind": "quarantine"}).json()["kind"] == "quarantine"
    )
    empty = _loc(goods, "A-02")
    assert admin.patch(f"/fulfillment/locations/{empty.pk}", {"active": False}).json()["active"] is False
    # An inactive location takes nothing.
    r = Api(park.tokens["owner_b"]).post(
        "/fulfillment/stock/put-away", {"batch_id": goods["batch"].pk, "location_id": empty.pk, "quantity": 1}
    )
    assert r.status_code == 422 and "location_id" in r.json()["fields"]


# --- put-away ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_put_away_moves_received_units_onto_locations_through_the_ledger(park, goods):
    owner = Api(park.tokens["owner_b"])
    a, b = _loc(goods, "A-01-01"), _loc(goods, "A-01-02")
    other = _loc(goods, "Z-01", wh="wh2")
    _receive(goods, 10)
    batch = goods["batch"].pk
    r = owner.post("/fulfillment/stock/put-away", {"batch_id": batch, "location_id": a.pk, "quantity": 6})
    assert r.status_code == 200, r.content
    assert r.json() == {
        "location_id": a.pk,
        "location_code": "A-01-01",
        "warehouse_id": goods["wh"].pk,
        "batch_id": batch,
        "quantity": 6,
    }
    moved = owner.post(
        "/fulfillment/stock/put-away",
        {"batch_id": batch, "location_id": b.pk, "from_location_id": a.pk, "quantity": 2},
    )
    assert moved.json()["quantity"] == 2
    assert shelves(goods) == {"A-01-01": 4, "A-01-02": 2} and bal(goods) == (10, 0, 0)
    assert list(
        StockMove.objects.filter(kind="put_away").values_list("location__code", "location_delta")
    ) == [
        ("A-01-01", 6),
        ("A-01-01", -2),
        ("A-01-02", 2),
    ]
    stock = owner.get("/fulfillment/stock", warehouse_id=goods["wh"].pk).json()["items"][0]
    assert (stock["located"], stock["unplaced"]) == (6, 4)
    refusals = [
        ({"location_id": a.pk, "quantity": 5}, 409, "quantity"),  # 4 unplaced
        ({"location_id": b.pk, "from_location_id": a.pk, "quantity": 5}, 409, "quantity"),  # 4 on A-01-01
        ({"location_id": a.pk, "quantity": 0}, 422, "quantity"),
        ({"location_id": a.pk, "quantity": -1}, 422, "quantity"),
        ({"location_id": 999999, "quantity": 1}, 422, "location_id"),
        ({"location_id": a.pk, "from_location_id": other.pk, "quantity": 1}, 422, "from_location_id"),
        ({"location_id": a.pk, "from_location_id": a.pk, "quantity": 1}, 422, "from_location_id"),
        ({"location_id": other.pk, "quantity": 1}, 409, "quantity"),  # nothing of it in YW01
    ]
    for body, status, field in refusals:
        before = state()
        r = owner.post("/fulfillment/stock/put-away", {"batch_id": batch} | body)
        assert r.status_code == status and field in r.json()["fields"], (body, r.content)
        assert state() == before
    assert_ledger_matches()
    # Another tenant's goods are not in its scope; an inspector or anchor may not move stock.
    body = {"batch_id": batch, "location_id": a.pk, "quantity": 1}
    for actor, status in [("owner_a", 422), ("inspector", 403), ("anchor_a", 403), ("bank", 403)]:
        before = state()
        assert Api(park.tokens[actor]).post("/fulfillment/stock/put-away", body).status_code == status, actor
        assert state() == before
    assert Api(None).post("/fulfillment/stock/put-away", body).status_code == 401
    # Per-location stock: a supplier sees its own goods' only.
    assert len(owner.get("/fulfillment/stock/locations").json()["items"]) == 2
    assert Api(park.tokens["owner_a"]).get("/fulfillment/stock/locations").json()["items"] == []
    assert Api(park.tokens["anchor_a"]).get("/fulfillment/stock/locations").status_code == 403


@pytest.mark.django_db
def test_moves_off_the_shelves_take_unplaced_units_first_then_locations_in_order(park, goods):
    admin = goods["admin"]
    batch, wh = goods["batch"].pk, goods["wh"].pk
    storage, dock = _loc(goods, "B-01"), _loc(goods, "R-01", kind="receiving")
    quarantine, storage2 = _loc(goods, "Q-01", kind="quarantine"), _loc(goods, "A-09")
    _receive(goods, 20)
    _pass(goods)
    for loc, n in ((storage, 4), (dock, 3), (quarantine, 5), (storage2, 2)):
        fulfillment.stock_put_away(actor=admin, batch_id=batch, location_id=loc.pk, quantity=n)
    assert shelves(goods) == {"B-01": 4, "R-01": 3, "Q-01": 5, "A-09": 2}  # 6 unplaced

    def move(kind, q):
        fulfillment.stock_move(actor=admin, kind=kind, batch_id=batch, warehouse_id=wh, quantity=q)

    move("reserve", 9)
    assert shelves(goods) == {"B-01": 4, "R-01": 3, "Q-01": 5, "A-09": 2}  # reserved units stay on the shelf
    move("pick", 9)  # 6 unplaced, then storage by code: A-09 (2), B-01 (1)
    assert shelves(goods) == {"B-01": 3, "R-01": 3, "Q-01": 5}
    move("ship", 9)  # picked units are off the shelves already
    assert shelves(goods) == {"B-01": 3, "R-01": 3, "Q-01": 5} and bal(goods) == (11, 0, 0)
    move("write_off", 5)  # storage B-01 (3), then receiving R-01 (2)
    assert shelves(goods) == {"R-01": 1, "Q-01": 5}
    move("return", 2)  # back unplaced
    move("adjust_out", 3)  # 2 unplaced, then R-01 (1); quarantine last
    assert shelves(goods) == {"Q-01": 5} and bal(goods) == (5, 0, 0)
    assert list(
        StockMove.objects.exclude(kind="put_away")
        .exclude(location=None)
        .values_list("kind", "location__code", "location_delta", "on_hand_delta")
    ) == [
        ("pick", "A-09", -2, 0),
        ("pick", "B-01", -1, 0),
        ("write_off", "B-01", -3, 0),
        ("write_off", "R-01", -2, 0),
        ("adjust_out", "R-01", -1, 0),
    ]
    assert_ledger_matches()


# --- transfers ---------------------------------------------------------------------------------------------


def _transfer_body(goods, qty, **over):
    return {
        "batch_id": goods["batch"].pk,
        "from_warehouse_id": goods["wh"].pk,
        "to_warehouse_id": goods["wh2"].pk,
        "quantity": qty,
    } | over


@pytest.mark.django_db
def test_a_transfer_carries_the_pass_and_the_age_and_ships_from_the_new_warehouse(park, goods):
    owner = Api(park.tokens["owner_b"])
    _receive(goods, 10)
    StockBalance.objects.filter(batch=goods["batch"], warehouse=goods["wh"]).update(
        received_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    )
    _pass(goods)
    dock = _loc(goods, "R-01", wh="wh2", kind="receiving")
    r = owner.post(
        "/fulfillment/stock/transfers", _transfer_body(goods, 6, to_location_id=dock.pk, reference="DB-7")
    )
    assert r.status_code == 201, r.content
    t = r.json()
    assert (t["quantity"], t["certified"], t["reference"]) == (6, 6, "DB-7")
    assert bal(goods) == (4, 0, 0) and bal(goods, "wh2") == (6, 0, 0)
    assert shelves(goods) == {"R-01": 6}
    refs = list(
        StockMove.objects.filter(reference__startswith=f"TRF{t['id']}").values_list("kind", "on_hand_delta")
    )
    assert refs == [("transfer_out", -6), ("transfer_in", 6), ("put_away", 0)]
    received = StockBalance.objects.get(batch=goods["batch"], warehouse=goods["wh2"]).received_at
    assert received == dt.datetime(2026, 9, 1, tzinfo=dt.UTC)  # the goods keep their age
    # The pass travelled with the 6 units: they may be reserved in YW01, and no more than they.
    move = {"batch_id": goods["batch"].pk, "warehouse_id": goods["wh2"].pk}
    assert owner.post("/fulfillment/stock/reserve", move | {"quantity": 6}).json()["reserved"] == 6
    owner.post("/fulfillment/stock/release", move | {"quantity": 6})
    # An order allocates and ships from the receiving warehouse.
    order = owner.post("/fulfillment/orders", order_body(goods, qty=5, price=10000)).json()
    r = owner.post(f"/fulfillment/orders/{order['id']}/allocate", {"warehouse_id": goods["wh2"].pk})
    assert r.json()["status"] == "allocated", r.content
    owner.post(f"/fulfillment/orders/{order['id']}/pick")
    assert (
        owner.post(
            f"/fulfillment/orders/{order['id']}/ship", {"carrier": "SF", "waybill_no": "SF1"}
        ).status_code
        == 201
    )
    assert bal(goods, "wh2") == (1, 0, 0) and shelves(goods) == {"R-01": 1}
    # The list: both sides see it, another tenant does not.
    assert [x["id"] for x in owner.get("/fulfillment/stock/transfers").json()["items"]] == [t["id"]]
    assert Api(park.tokens["owner_a"]).get("/fulfillment/stock/transfers").json()["items"] == []
    assert Api(park.tokens["inspector"]).get("/fulfillment/stock/transfers").json()["count"] == 1
    assert Api(park.tokens["anchor_a"]).get("/fulfillment/stock/transfers").status_code == 403
    assert_ledger_matches()


@pytest.mark.django_db
def test_a_transfer_cannot_bypass_the_gate(park, goods):
    owner = Api(park.tokens["owner_b"])
    move2 = {"batch_id": goods["batch"].pk, "warehouse_id": goods["wh2"].pk, "quantity": 1}
    # 1. Uninspected goods travel without a pass: still refused at the gate in the receiving warehouse.
    _receive(goods, 10)
    r = owner.post("/fulfillment/stock/transfers", _transfer_body(goods, 4))
    assert r.status_code == 201 and r.json()["certified"] == 0
    before = state()
    assert owner.post("/fulfillment/stock/reserve", move2).json()["code"] == "qc_gate"
    assert state() == before
    # 2. Failed goods likewise.
    _fail(goods)
    assert owner.post("/fulfillment/stock/transfers", _transfer_body(goods, 2)).json()["certified"] == 0
    assert owner.post("/fulfillment/stock/reserve", move2).json()["code"] == "qc_gate"
    # 3. Where the batch passed a per-lot inspection, unpassed goods may not join it ("no limit" would pass them).
    _pass(goods, wh="wh2")
    before = state()
    r = owner.post("/fulfillment/stock/transfers", _transfer_body(goods, 1))
    assert r.status_code == 409 and r.json()["code"] == "qc_gate" and "quantity" in r.json()["fields"]
    assert state() == before
    # ... and they may not be laundered back either: YW01's passed goods carry their pass to HZ01, but that pass
    # covers the units carried, not the failed ones in HZ01.
    r = owner.post(
        "/fulfillment/stock/transfers",
        _transfer_body(goods, 3, from_warehouse_id=goods["wh2"].pk, to_warehouse_id=goods["wh"].pk),
    )
    assert r.json()["certified"] == 3
    move1 = {"batch_id": goods["batch"].pk, "warehouse_id": goods["wh"].pk}
    assert bal(goods) == (7, 0, 0)
    before = state()
    r = owner.post("/fulfillment/stock/reserve", move1 | {"quantity": 4})
    assert r.status_code == 409 and r.json()["code"] == "qc_gate"
    assert state() == before
    assert owner.post("/fulfillment/stock/reserve", move1 | {"quantity": 3}).json()["reserved"] == 3
    assert owner.post("/fulfillment/stock/reserve", move1 | {"quantity": 1}).json()["code"] == "qc_gate"
    assert_ledger_matches()


@pytest.mark.django_db
def test_allocation_takes_only_the_passes_a_transfer_brought(park, goods):
    owner = Api(park.tokens["owner_b"])
    _receive(goods, 10)
    _pass(goods)
    assert owner.post("/fulfillment/stock/transfers", _transfer_body(goods, 3)).json()["certified"] == 3
    _receive(goods, 4, wh="wh2")  # uninspected units beside them in YW01
    order = owner.post("/fulfillment/orders", order_body(goods, qty=4, price=10000)).json()
    before = state()
    r = owner.post(f"/fulfillment/orders/{order['id']}/allocate", {"warehouse_id": goods["wh2"].pk})
    assert r.status_code == 409 and r.json()["code"] == "insufficient_stock"
    assert r.json()["fields"] == {"lines": [f"sku {goods['sku'].pk}: 1 short"]}
    assert state() == before
    small = owner.post("/fulfillment/orders", order_body(goods, no="DY1002", qty=3, price=10000)).json()
    r = owner.post(f"/fulfillment/orders/{small['id']}/allocate", {"warehouse_id": goods["wh2"].pk})
    assert r.json()["status"] == "allocated" and bal(goods, "wh2") == (7, 3, 0)


@pytest.mark.django_db
def test_per_unit_passes_are_conserved_by_transfers(park, goods):
    owner = Api(park.tokens["owner_b"])
    ring = goods["ring_batch"].pk
    _receive(goods, 5, batch="ring_batch")
    _pass(goods, batch="ring_batch", units=[True, True, False, True, False])  # 3 passed
    body = _transfer_body(goods, 4, batch_id=ring)
    owner.post(
        "/fulfillment/stock/reserve", {"batch_id": ring, "warehouse_id": goods["wh"].pk, "quantity": 1}
    )
    # 1 of the 3 is reserved in HZ01: 2 passes are free to travel with 4 units.
    r = owner.post("/fulfillment/stock/transfers", body)
    assert (r.status_code, r.json()["certified"]) == (201, 2)
    assert fulfillment.gate_allowance(goods["ring_batch"], goods["wh"]) == 1
    assert fulfillment.gate_allowance(goods["ring_batch"], goods["wh2"]) == 2
    m2 = {"batch_id": ring, "warehouse_id": goods["wh2"].pk}
    assert owner.post("/fulfillment/stock/reserve", m2 | {"quantity": 3}).json()["code"] == "qc_gate"
    assert owner.post("/fulfillment/stock/reserve", m2 | {"quantity": 2}).json()["reserved"] == 2
    # Sent back while YW01's two passes are reserved there: the units travel without a pass.
    back = _transfer_body(
        goods, 2, batch_id=ring, from_warehouse_id=goods["wh2"].pk, to_warehouse_id=goods["wh"].pk
    )
    assert owner.post("/fulfillment/stock/transfers", back).json()["certified"] == 0
    assert fulfillment.gate_allowance(goods["ring_batch"], goods["wh"]) == 1
    owner.post("/fulfillment/stock/release", m2 | {"quantity": 2})
    assert owner.post("/fulfillment/stock/transfers", back | {"quantity": 1}).json()["certified"] == 1
    assert fulfillment.gate_allowance(goods["ring_batch"], goods["wh"]) == 2
    assert bal(goods, "wh", "ring_batch") == (4, 1, 0) and bal(goods, "wh2", "ring_batch") == (1, 0, 0)
    total = sum(fulfillment.gate_allowance(goods["ring_batch"], w) for w in (goods["wh"], goods["wh2"]))
    assert total == 3  # never more passes than units that passed
    assert_ledger_matches()


@pytest.mark.django_db
def test_refused_transfers_change_nothing(park, goods):
    owner = Api(park.tokens["owner_b"])
    _receive(goods, 10)
    _pass(goods)
    fulfillment.stock_move(
        actor=goods["admin"],
        kind="reserve",
        batch_id=goods["batch"].pk,
        warehouse_id=goods["wh"].pk,
        quantity=3,
    )
    closed = fulfillment.warehouse_create(actor=goods["admin"], data={"code": "OLD", "name": "旧仓"})
    closed.archived_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    closed.save()
    elsewhere = _loc(goods, "A-01")  # a location of HZ01, not of the receiving YW01
    cases = [
        (_transfer_body(goods, -2), 422, "quantity"),
        (_transfer_body(goods, 0), 422, "quantity"),
        (_transfer_body(goods, 2, to_warehouse_id=goods["wh"].pk), 422, "to_warehouse_id"),
        (_transfer_body(goods, 2, to_warehouse_id=999999), 422, "to_warehouse_id"),
        (_transfer_body(goods, 2, from_warehouse_id=999999), 422, "from_warehouse_id"),
        (_transfer_body(goods, 2, to_warehouse_id=closed.pk), 422, "to_warehouse_id"),
        (_transfer_body(goods, 2, batch_id=999999), 422, "batch_id"),
        (_transfer_body(goods, 8), 409, "quantity"),  # 7 available: 3 are reserved
        (_transfer_body(goods, 2, to_location_id=elsewhere.pk), 422, "to_location_id"),
    ]
    for body, status, field in cases:
        before = state()
        r = owner.post("/fulfillment/stock/transfers", body)
        assert r.status_code == status and field in r.json()["fields"], (body, r.content)
        assert state() == before
    # A lone transfer-in or transfer-out is not a move of its own, on any path.
    for kind in ("transfer_in", "transfer_out"):
        before = state()
        r = owner.post(
            f"/fulfillment/stock/{kind}",
            {"batch_id": goods["batch"].pk, "warehouse_id": goods["wh"].pk, "quantity": 1},
        )
        assert r.status_code == 422
        with pytest.raises(Exception) as exc:
            fulfillment.stock_move(
                actor=goods["admin"],
                kind=kind,
                batch_id=goods["batch"].pk,
                warehouse_id=goods["wh"].pk,
                quantity=1,
            )
        assert "kind" in exc.value.fields
        assert state() == before
    assert owner.post("/fulfillment/stock/transfers", _transfer_body(goods, 7)).status_code == 201


@pytest.mark.django_db
def test_transfer_roles(park, goods):
    _receive(goods, 10)
    body = _transfer_body(goods, 1)
    for actor, status in [
        ("inspector", 403),
        ("anchor_a", 403),
        ("bank", 403),
        ("broker", 403),
        ("owner_a", 422),  # another tenant's batch is outside its scope: "unknown batch"
        ("staff_a", 422),
    ]:
        before = state()
        r = Api(park.tokens[actor]).post("/fulfillment/stock/transfers", body)
        assert r.status_code == status, (actor, r.content)
        if status == 422:
            assert set(r.json()["fields"]) == {"batch_id"}
        assert state() == before
    assert Api(None).post("/fulfillment/stock/transfers", body).status_code == 401
    assert Api(park.tokens["admin"]).post("/fulfillment/stock/transfers", body).status_code == 201
    assert Api(park.tokens["owner_b"]).post("/fulfillment/stock/transfers", body).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_transfers_and_reserves_never_oversell():
    park = build_park()
    goods = build_goods(park)
    goods["wh2"] = fulfillment.warehouse_create(
        actor=goods["admin"], data={"code": "YW01", "name": "义乌云仓"}
    )
    _receive(goods, 6)
    _pass(goods)
    barrier = threading.Barrier(16)
    codes: dict[str, list[int]] = {"t": [], "r": []}
    lock = threading.Lock()

    def go(i: int) -> None:
        client = Api(park.tokens["owner_b"])
        barrier.wait()
        try:
            if i % 2:
                r = client.post("/fulfillment/stock/transfers", _transfer_body(goods, 1))
                key, ok = "t", 201
            else:
                r = client.post(
                    "/fulfillment/stock/reserve",
                    {"batch_id": goods["batch"].pk, "warehouse_id": goods["wh"].pk, "quantity": 1},
                )
                key, ok = "r", 200
            with lock:
                codes[key].append(r.status_code == ok)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    transferred, reserved = sum(codes["t"]), sum(codes["r"])
    assert transferred + reserved == 6 and len(codes["t"]) == len(codes["r"]) == 8
    assert bal(goods) == (6 - transferred, reserved, 0)
    assert bal(goods, "wh2") == (transferred, 0, 0)
    assert StockTransfer.objects.count() == transferred
    assert_ledger_matches()


# --- value at cost and age, the stock page ------------------------------------------------------------------


@pytest.mark.django_db
def test_value_at_cost_and_age(park, goods):
    _receive(goods, 10)
    _receive(goods, 2, batch="ring_batch", wh="wh2")
    now = dt.datetime.now(dt.UTC)
    StockBalance.objects.filter(warehouse=goods["wh"]).update(received_at=now - dt.timedelta(days=40))
    owner = Api(park.tokens["owner_b"])
    rows = owner.get("/fulfillment/stock/valuation").json()
    assert rows == [
        {
            "warehouse_id": goods["wh"].pk,
            "warehouse": "HZ01 杭州云仓",
            "on_hand": 10,
            "value_fen": 10 * 12000,
            "age": {"0-30": 0, "31-90": 10, "91-180": 0, "181+": 0, "unknown": 0},
        },
        {
            "warehouse_id": goods["wh2"].pk,
            "warehouse": "YW01 义乌云仓",
            "on_hand": 2,
            "value_fen": 2 * 80000,
            "age": {"0-30": 2, "31-90": 0, "91-180": 0, "181+": 0, "unknown": 0},
        },
    ]
    item = owner.get("/fulfillment/stock", warehouse_id=goods["wh"].pk).json()["items"][0]
    assert (item["value_fen"], item["age_days"]) == (120000, 40)
    assert Api(park.tokens["owner_a"]).get("/fulfillment/stock/valuation").json() == []
    assert Api(park.tokens["anchor_a"]).get("/fulfillment/stock/valuation").status_code == 403


@pytest.mark.django_db
def test_stock_page_shows_locations_and_its_forms_use_the_same_services(park, goods):
    loc = _loc(goods, "A-01-02")
    _receive(goods, 10)
    page = Client()
    assert page.login(username="owner_b", password=PASSWORD)
    r = page.post("/stock/put-away/", {"batch_id": goods["batch"].pk, "location_id": loc.pk, "quantity": 4})
    assert r.status_code == 302
    html = page.get("/stock/").content.decode()
    assert 'data-testid="located"' in html and "A-01-02" in html and 'data-testid="valuation"' in html
    assert 'data-testid="transfer"' in html and 'data-testid="new-location"' not in html  # not a park admin
    # The transfer form: unpassed goods into a passed per-lot warehouse are refused, and nothing changes.
    _receive(goods, 1, wh="wh2")
    _pass(goods, wh="wh2")
    before = state()
    r = page.post("/stock/transfer/", _transfer_body(goods, 2))
    assert r.status_code == 409 and "质检" in r.content.decode()
    assert state() == before
    r = page.post("/stock/transfer/", _transfer_body(goods, "x"))
    assert r.status_code == 422 and state() == before
    _pass(goods)
    assert page.post("/stock/transfer/", _transfer_body(goods, 2)).status_code == 302
    assert bal(goods, "wh2") == (3, 0, 0)
    # Locations are added by the park admin only.
    assert page.post("/stock/locations/", {"warehouse_id": goods["wh"].pk, "code": "B-1"}).status_code == 403
    admin = Client()
    assert admin.login(username="admin", password=PASSWORD)
    assert 'data-testid="new-location"' in admin.get("/stock/").content.decode()
    r = admin.post("/stock/locations/", {"warehouse_id": goods["wh"].pk, "code": "b-1", "kind": "quarantine"})
    assert r.status_code == 302 and Location.objects.get(code="B-1").kind == "quarantine"
    assert admin.post("/stock/locations/", {"warehouse_id": goods["wh"].pk, "code": "B-1"}).status_code == 422
    for user, status in [("qc", 403), ("anchor_a", 403)]:
        c = Client()
        assert c.login(username=user, password=PASSWORD)
        before = state()
        assert (
            c.post(
                "/stock/put-away/", {"batch_id": goods["batch"].pk, "location_id": loc.pk, "quantity": 1}
            ).status_code
            == status
        )
        assert c.post("/stock/transfer/", _transfer_body(goods, 1)).status_code == status
        assert state() == before
    anon = Client().post("/stock/transfer/", _transfer_body(goods, 1))
    assert anon.status_code == 302 and anon["Location"].startswith("/login/")
    assert_ledger_matches()


@pytest.mark.django_db
def test_location_admin_creates_through_the_service(park, goods):
    admin = Client()
    assert admin.login(username="admin", password=PASSWORD)
    r = admin.post(
        "/admin/fulfillment/location/add/",
        {"warehouse": goods["wh"].pk, "code": "c-01", "kind": "storage", "active": "on"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    loc = Location.objects.get(code="C-01")
    assert AuditLog.objects.filter(object_type="fulfillment.location", object_id=str(loc.pk)).count() == 1
    dup = admin.post(
        "/admin/fulfillment/location/add/",
        {"warehouse": goods["wh"].pk, "code": "C-01", "kind": "storage", "active": "on"},
    )
    assert dup.status_code == 200 and Location.objects.count() == 1
