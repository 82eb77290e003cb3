"""The bulk paths give exactly what the per-order paths give: order import (report and stored rows) and stock moves
(refusals, balances and ledger)."""

from __future__ import annotations

import csv
import functools
import io
import json
import random

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from openpyxl import Workbook

from livepark.core import crypto
from livepark.core.errors import Forbidden, ServiceError
from livepark.core.models import AuditLog
from livepark.fulfillment import bulk_import, order_import
from livepark.fulfillment import services as fulfillment
from livepark.fulfillment.bulk_import import import_orders_bulk
from livepark.fulfillment.bulk_moves import Move, post_moves_bulk
from livepark.fulfillment.models import LocationStock, Order, StockBalance, StockMove, Warehouse
from livepark.fulfillment.order_import import MAPPINGS, import_orders
from tests.test_orders import _export, _row, passed_stock
from tests.test_qc_stock import EAN, build_goods

pytestmark = pytest.mark.django_db


@pytest.fixture
def goods(park):
    return build_goods(park)


def _state() -> list[tuple]:
    """Every order with its lines, field by field, in id order (ids and timestamps aside, secrets decrypted)."""
    skip = {"id", "created_at", "updated_at", "consignee_enc"}
    out = []
    for o in Order.objects.order_by("id").prefetch_related("lines"):
        fields = {
            f.attname: getattr(o, f.attname) for f in Order._meta.concrete_fields if f.attname not in skip
        }
        lines = [(ln.sku_id, ln.quantity, ln.price_fen, ln.returned) for ln in o.lines.order_by("id")]
        out.append((fields, crypto.decrypt(o.consignee_enc), lines))
    return out


def _both(platform: str, data: bytes, filename: str, actor, shop_id=None) -> tuple[tuple, tuple]:
    """(report, stored orders) from the per-order path and from the bulk path, each from the same start."""
    assert not bulk_import.wants_bulk(data, filename)  # small files: import_orders takes them one by one
    results = []
    # chunk_rows=3: existing-order queries and inserts in many chunks.
    for run in (import_orders, functools.partial(import_orders_bulk, chunk_rows=3)):
        with transaction.atomic():
            report = run(platform, data, filename, actor=actor, shop_id=shop_id).as_dict()
            results.append((report, _state()))
            transaction.set_rollback(True)
    return results[0], results[1]


def _same(platform: str, data: bytes, filename: str, actor, shop_id=None) -> dict:
    per_order, bulk = _both(platform, data, filename, actor, shop_id)
    assert bulk == per_order
    return per_order[0]


def _xlsx(platform: str, rows: list[dict]) -> bytes:
    wb = Workbook()
    ws = wb.active
    headers = list(MAPPINGS[platform].values())
    ws.append(headers)
    for r in rows:
        ws.append([{MAPPINGS[platform][k]: v for k, v in r.items()}.get(h, "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _json(platform: str, rows: list[dict]) -> bytes:
    return json.dumps(
        [{MAPPINGS[platform][k]: v for k, v in r.items()} for r in rows], ensure_ascii=False
    ).encode()


VARIED = [
    _row("A1", qty="2", paid="598.00"),
    _row("A2", paid="2298.00"),
    _row("A3", price="1,299.00", paid="¥1299"),  # odd money formats: the per-order code's job
    _row("A2", barcode=EAN[1], price="1999.00", paid="9999.99"),  # order columns come from the first row
    _row("A4", phone="138 0000 1111", paid_at="2026/11/20 21:00:00", freight="", discount=""),
    _row("A5", paid_at="2026-11-20T21:00:00+08:00", address='广东省深圳市南山区 "1" 号, 3 栋'),
    _row("A6", paid_at="1988-04-17 02:30:00"),  # a clock time skipped by DST in 1988
    _row("A7", qty="10", price="0.5", freight="12.00", discount="2.50", paid="14.50"),
    _row("A8", name="欧阳" * 20, address="地" * 200, phone="0571-87654321"),
]

BAD = [
    _row("B1", paid="1196.00"),
    _row("B2", price="12.345", paid="12.35"),
    _row("B3", barcode="0000000000000"),
    _row("B4", qty="-1"),
    _row("B5", paid="100.00"),
    _row("B6", qty="0"),
    _row("B7", qty="1.5"),
    _row("B8", paid_at="2026-02-30 10:00:00"),
    _row("B9", phone="123"),
    _row("B10", name=""),
    _row("B11", name="名" * 41),
    _row("B12", price="-5.00", paid="-5.00"),
    _row("B13", qty="²"),  # isdigit() but not int(): the per-order path reports a "row" error
    _row("B14", freight="abc", paid="299.00"),
    _row("B1", qty="3"),  # a second line of B1, far from its first
    _row("X" * 41),
    _row(""),
    _row("B15", paid=""),
    _row("B16", qty="１", paid="299.00"),  # full-width digit: valid for the per-order code
]


@pytest.mark.parametrize("platform", ["douyin", "kuaishou", "taobao"])
def test_valid_file_same_orders_and_report(park, goods, platform):
    report = _same(platform, _export(platform, VARIED), "orders.csv", park.users["owner_b"])
    assert report["ok"] and report["created"] == 8 and report["rows"] == 9


def _spy_clean_order(monkeypatch) -> list[str]:
    """Order numbers bulk_import sends through clean_order (the rest took the column-wise path)."""
    seen: list[str] = []
    real = bulk_import.clean_order

    def spy(actor, data):
        seen.append(data["order_no"])
        return real(actor, data)

    monkeypatch.setattr(bulk_import, "clean_order", spy)
    return seen


def test_valid_file_bulk_path_writes_the_orders(park, goods, monkeypatch):
    data = _export("douyin", VARIED)
    per_order = _spy_clean_order(monkeypatch)
    report = import_orders_bulk("douyin", data, "orders.csv", actor=park.users["owner_b"])
    # A1 checks the shop rule (and the fast path); A3-A6 hold formats only the per-order code takes.
    assert per_order == ["A1", "A3", "A4", "A5", "A6"]
    assert report.ok and (report.created, report.unchanged, report.orders) == (8, 0, 8)
    a2 = Order.objects.get(order_no="A2")
    assert (a2.paid_fen, a2.shop_id, a2.consignee_masked) == (229800, park.brand_b.pk, "李** 138****1111")
    assert [(ln.price_fen, ln.quantity) for ln in a2.lines.order_by("id")] == [(29900, 1), (199900, 1)]
    audit = AuditLog.objects.filter(channel="import", object_type="fulfillment.order")
    assert audit.count() == 1 and audit.get().changes["created"] == [None, 8]
    assert "13800001111" not in json.dumps(audit.get().changes)


def test_bad_rows_same_report_and_nothing_written(park, goods):
    report = _same("douyin", _export("douyin", BAD), "bad.csv", park.users["owner_b"])
    assert not report["ok"] and report["created"] == 0
    by_no = {e["order_no"]: e for e in report["errors"]}
    assert "B1" not in by_no and "B16" not in by_no and len(report["errors"]) == 16
    assert (
        by_no["B2"]["fields"] == {"商品单价": [by_no["B2"]["fields"]["商品单价"][0]]}
        and by_no["B2"]["row"] == 3
    )
    assert "商家编码" in by_no["B3"]["fields"] and "paid_fen" in by_no["B5"]["fields"]
    assert "row" in by_no["B13"]["fields"] and "lines[0].price_fen" in by_no["B12"]["fields"]
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("missing.csv", "主订单编号,商家编码,商品数量\nA1,6901234567892,1\n".encode()),
        ("broken.xlsx", b"not a workbook"),
        ("empty.csv", b""),
        ("header-only.csv", ",".join(MAPPINGS["douyin"].values()).encode()),
        ("list.json", b'{"a": 1}'),
    ],
)
def test_unreadable_or_incomplete_files_same_file_error(park, goods, filename, data):
    report = _same("douyin", data, filename, park.users["owner_b"])
    assert report["file_error"] and report["rows"] == 0


def test_xlsx_json_and_gb18030_same_as_per_order(park, goods):
    owner = park.users["owner_b"]
    assert _same("douyin", _xlsx("douyin", VARIED + BAD[:3]), "o.xlsx", owner)["errors"]
    assert _same("kuaishou", _xlsx("kuaishou", VARIED), "o.xlsx", owner)["created"] == 8
    gb = _export("taobao", VARIED).decode("utf-8-sig").encode("gb18030")
    assert _same("taobao", gb, "gb.csv", owner)["created"] == 8
    # JSON cells keep their spaces: " J1" and "J1" are two groups stored as one order (unchanged or conflict).
    twins = [
        _row("J1"),
        _row(" J1 "),
        _row("J2"),
        _row(" J2", qty="2", paid="598.00"),
        _row("J3", qty=3, paid=897),
    ]
    report = _same("douyin", _json("douyin", twins), "o.json", owner)
    assert [e["order_no"] for e in report["errors"]] == [" J2"]
    assert _same("douyin", _json("douyin", twins[:3]), "o.json", owner)["unchanged"] == 1


def test_csv_quoting_and_layout_same_as_per_order(park, goods):
    headers = list(MAPPINGS["douyin"].values())
    rows = [{**_row("Q1"), "address": "多行\n地址, 1 号"}, {**_row("Q2"), "name": ' "小" 王 '}]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([f" {h} " for h in headers])  # headers with spaces, CRLF line ends, a blank line
    for r in rows:
        w.writerow([{MAPPINGS["douyin"][k]: v for k, v in r.items()}[h] for h in headers])
        buf.write("\r\n")
    assert _same("douyin", buf.getvalue().encode(), "q.csv", park.users["owner_b"])["created"] == 2
    ragged = (",".join(headers) + "\n" + ",".join(_row("R1").values()) + ",extra\n").encode()
    assert _same("douyin", ragged, "r.csv", park.users["owner_b"])["created"] == 1


def test_reimport_changes_nothing_and_conflicts_are_reported(park, goods):
    owner = park.users["owner_b"]
    rows = [r for r in VARIED if r["order_no"] != "A6"]
    data = _export("douyin", rows)
    assert import_orders("douyin", data, "o.csv", actor=owner).created == 7
    before = _state()
    report = _same("douyin", data, "o.csv", owner)
    assert (report["created"], report["unchanged"]) == (0, 7) and _state() == before
    changed = [rows[0], _row("A2", qty="2", paid="2597.00"), *rows[2:]]
    report = _same("douyin", _export("douyin", changed), "o.csv", owner)
    assert [(e["order_no"], e["fields"]) for e in report["errors"]] == [
        ("A2", {"order_no": ["already recorded with different content"]})
    ]
    audits = AuditLog.objects.count()
    assert import_orders_bulk("douyin", data, "o.csv", actor=owner).unchanged == 7
    assert AuditLog.objects.count() == audits and _state() == before  # a no-op import writes nothing


def test_reimport_of_a_time_in_a_dst_gap_is_unchanged(park, goods):
    """A time that a DST change skipped (China, 1986-1991): `==` across zones is False for it (PEP 495), so
    both paths compare instants and a re-import is unchanged on either."""
    owner = park.users["owner_b"]
    data = _export("douyin", [_row("A6", paid_at="1988-04-17 02:30:00")])
    assert import_orders_bulk("douyin", data, "o.csv", actor=owner).created == 1
    again = import_orders("douyin", data, "o.csv", actor=owner)
    assert (again.errors, again.unchanged, again.created) == ([], 1, 0)
    assert import_orders_bulk("douyin", data, "o.csv", actor=owner).unchanged == 1
    assert Order.objects.count() == 1
    # Created by the per-order path, then re-imported by both.
    Order.objects.all().delete()
    assert import_orders("douyin", data, "o.csv", actor=owner).created == 1
    assert _same("douyin", data, "o.csv", owner)["unchanged"] == 1


def test_permission_and_shop_rules_same_as_per_order(park, goods):
    data = _export("douyin", VARIED[:3] + BAD[:2])
    admin = park.users["admin"]
    assert _same("douyin", data, "o.csv", admin)["errors"][0]["fields"].keys() == {"shop_id"}  # no shop given
    assert _same("douyin", _export("douyin", VARIED), "o.csv", admin, shop_id=park.brand_b.pk)["created"] == 8
    assert _same("douyin", data, "o.csv", admin, shop_id=999999)["errors"]
    assert _same("douyin", data, "o.csv", park.users["owner_b"], shop_id=park.mcn_a.pk)["errors"]
    assert _same("douyin", data, "o.csv", park.users["bank"])["errors"][0]["fields"] == {
        "row": ["没有权限执行此操作 / permission denied"]
    }


def test_import_orders_hands_large_files_to_the_bulk_path(park, goods, monkeypatch):
    per_order = _spy_clean_order(monkeypatch)
    rows = [_row(f"L{i}", qty=str(1 + i % 3), paid=f"{299 * (1 + i % 3)}.00") for i in range(5001)]
    data = _export("douyin", rows)
    assert bulk_import.wants_bulk(data, "big.csv")
    report = import_orders("douyin", data, "big.csv", actor=park.users["owner_b"])
    assert report.ok and report.created == 5001 and Order.objects.count() == 5001 and per_order == ["L0"]
    assert AuditLog.objects.filter(channel="import", object_type="fulfillment.order").count() == 1
    again = import_orders_bulk("douyin", data, "big.csv", actor=park.users["owner_b"], chunk_rows=700)
    assert (again.created, again.unchanged) == (0, 5001)


def test_cli_orders_import(park, goods, tmp_path, capsys):
    path = tmp_path / "douyin.csv"
    path.write_bytes(_export("douyin", VARIED))
    uscc = park.brand_b.uscc
    call_command("orders", "import", "douyin", str(path), "--shop", uscc, "--json")  # as the first park admin
    report = json.loads(capsys.readouterr().out)
    assert report["created"] == 8 and Order.objects.filter(shop=park.brand_b).count() == 8
    call_command("orders", "import", "douyin", str(path), "--as", "owner_b")
    assert "8 unchanged" in capsys.readouterr().out
    path.write_bytes(_export("douyin", BAD))
    with pytest.raises(SystemExit):
        call_command("orders", "import", "douyin", str(path), "--as", "owner_b")
    assert "nothing imported (16 bad orders of 18)" in capsys.readouterr().err
    with pytest.raises(CommandError):
        call_command("orders", "import", "douyin", str(path), "--shop", "91330000000000000X")


# --- stock moves ------------------------------------------------------------------------------------------


def _balances() -> dict:
    out: dict = {
        (b.batch_id, b.warehouse_id): (b.on_hand, b.reserved, b.picked) for b in StockBalance.objects.all()
    }
    out |= {("loc", s.location_id, s.batch_id): s.quantity for s in LocationStock.objects.all()}
    return out


def _ledger() -> list[tuple]:
    return list(
        StockMove.objects.order_by("id").values_list(
            "kind",
            "batch_id",
            "warehouse_id",
            "on_hand_delta",
            "reserved_delta",
            "picked_delta",
            "reference",
            "location_id",
            "location_delta",
        )
    )


def _sequential(actor, moves: list[Move]) -> list[dict]:
    """stock_move one by one, each refusal rolled back alone (as the stock import does)."""
    errors = []
    for i, m in enumerate(moves):
        try:
            with transaction.atomic():
                fulfillment.stock_move(
                    actor=actor,
                    kind=m.kind,
                    batch_id=m.batch_id,
                    warehouse_id=m.warehouse_id,
                    quantity=m.quantity,
                    reference=m.reference,
                )
        except ServiceError as exc:
            errors.append({"index": i, "code": exc.code, "detail": exc.detail, "fields": exc.fields})
    return errors


def _compare(actor, moves: list[Move]) -> dict:
    """Bulk and sequential on the same start; returns the bulk report after asserting they agree."""
    with transaction.atomic():
        seq_errors = _sequential(actor, moves)
        seq = (_balances(), _ledger())
        transaction.set_rollback(True)
    start = (_balances(), _ledger())
    report = post_moves_bulk(moves, actor=actor)
    assert report.errors == seq_errors
    assert (_balances(), _ledger()) == (seq if report.ok else start)
    return report.as_dict()


def test_bulk_moves_keep_the_gate(park, goods):
    admin, b, wh = goods["admin"], goods["batch"].pk, goods["wh"].pk
    moves = [Move("receive", b, wh, 10), Move("reserve", b, wh, 2), Move("release", b, wh, 1)]
    report = _compare(admin, moves)
    assert post_moves_bulk([m._asdict() for m in moves], actor=admin).errors == report["errors"]  # dicts too
    assert not report["ok"] and [(e["index"], e["code"]) for e in report["errors"]] == [
        (1, "qc_gate"),
        (2, "insufficient_stock"),
    ]
    assert StockMove.objects.count() == 0 and not StockBalance.objects.exists()  # all or nothing


def test_bulk_moves_refuse_insufficient_stock_and_bad_fields(park, goods):
    passed_stock(goods, 10)
    admin, b, wh = goods["admin"], goods["batch"].pk, goods["wh"].pk
    closed = fulfillment.warehouse_create(actor=admin, data={"code": "OLD", "name": "旧仓"})
    Warehouse.objects.filter(pk=closed.pk).update(archived_at="2026-01-01T00:00:00Z")
    moves = [
        Move("reserve", b, wh, 8),
        Move("reserve", b, wh, 3),
        Move("pick", b, wh, 9),
        Move("teleport", b, wh, 1),
        Move("receive", b, wh, 0),
        Move("receive", 999999, closed.pk, 1),
        Move("ship", b, wh, 1),
        Move("pick", b, wh, 8),
        Move("ship", b, wh, 8),
    ]
    report = _compare(admin, moves)
    assert [(e["index"], e["code"]) for e in report["errors"]] == [
        (1, "insufficient_stock"),
        (2, "insufficient_stock"),
        (3, "invalid"),
        (4, "invalid"),
        (5, "invalid"),
        (6, "insufficient_stock"),
    ]
    assert report["errors"][4]["fields"].keys() == {"batch_id", "warehouse_id"}


def test_bulk_moves_per_unit_allowance(park, goods):
    admin, ring, wh = goods["admin"], goods["ring_batch"].pk, goods["wh"].pk
    fulfillment.stock_move(actor=admin, kind="receive", batch_id=ring, warehouse_id=wh, quantity=5)
    lot = fulfillment.lot_open(actor=goods["inspector"], data={"batch_id": ring, "warehouse_id": wh})
    fulfillment.lot_record(
        actor=goods["inspector"],
        pk=lot.pk,
        defects={"critical": 0, "major": 0, "minor": 0},
        unit_results=[True, True, True, False, False],
    )
    moves = [Move(k, ring, wh, q) for k, q in [("reserve", 2), ("pick", 2), ("ship", 2), ("reserve", 2)]]
    assert _compare(admin, moves)["errors"][0]["index"] == 3  # 3 units passed: 2 shipped, 1 left
    assert _compare(admin, [*moves[:3], Move("reserve", ring, wh, 1)])["ok"]
    assert _balances()[(ring, wh)] == (3, 1, 0)


def test_bulk_moves_equal_sequential_moves_and_the_ledger(park, goods):
    passed_stock(goods, 1)
    admin, b, wh = goods["admin"], goods["batch"].pk, goods["wh"].pk
    rng = random.Random(7)
    kinds = ["receive", "reserve", "release", "pick", "ship", "write_off", "return"]
    moves = [Move(rng.choice(kinds), b, wh, rng.randint(1, 6), f"r{i}") for i in range(300)]
    report = _compare(admin, moves)  # some refused: the same indices, rules and words as stock_move
    assert report["errors"] and not report["ok"]
    # Drop the refused ones: what is left is valid in order, and bulk equals sequential row for row.
    refused = {e["index"] for e in report["errors"]}
    valid = [m for i, m in enumerate(moves) if i not in refused]
    assert _compare(admin, valid)["applied"] == len(valid)
    bal = StockBalance.objects.get(batch_id=b, warehouse_id=wh)
    assert fulfillment.ledger_totals(b, wh) == (bal.on_hand, bal.reserved, bal.picked)
    assert bal.received_at is not None


def test_bulk_moves_need_the_right(park, goods):
    with pytest.raises(Forbidden):
        post_moves_bulk([Move("receive", goods["batch"].pk, goods["wh"].pk, 1)], actor=park.users["bank"])


def test_bulk_moves_take_put_away_units_off_their_locations_as_stock_move_does(park, goods):
    passed_stock(goods, 30)
    admin, b, wh = goods["admin"], goods["batch"].pk, goods["wh"].pk
    locs = [
        fulfillment.location_create(actor=admin, data={"warehouse_id": wh, "code": code, "kind": kind})
        for code, kind in (
            ("A-02", "storage"),
            ("A-01", "storage"),
            ("R-01", "receiving"),
            ("Q-01", "quarantine"),
        )
    ]
    for loc, n in zip(locs, (5, 6, 4, 15), strict=True):
        fulfillment.stock_put_away(actor=admin, batch_id=b, location_id=loc.pk, quantity=n)  # all 30 placed
    rng = random.Random(11)
    kinds = ["receive", "reserve", "release", "pick", "ship", "write_off", "adjust_out", "return"]
    first = [("write_off", 3), ("reserve", 6), ("pick", 4), ("receive", 2), ("adjust_out", 5), ("ship", 4)]
    moves = [Move(k, b, wh, q, "F") for k, q in first]
    moves += [Move(rng.choice(kinds), b, wh, rng.randint(1, 5), f"L{i}") for i in range(200)]
    report = _compare(admin, moves)
    refused = {e["index"] for e in report["errors"]}
    valid = [m for i, m in enumerate(moves) if i not in refused]
    assert _compare(admin, valid)["applied"] == len(valid)
    taken = StockMove.objects.filter(location__isnull=False).exclude(kind="put_away").order_by("id")
    # Storage by code first, then receiving, quarantine last; units not yet put away go first.
    assert list(taken.values_list("kind", "location__code", "location_delta")[:4]) == [
        ("write_off", "A-01", -3),
        ("pick", "A-01", -3),
        ("pick", "A-02", -1),
        ("adjust_out", "A-02", -3),  # after the 2 units received unplaced
    ]
    bal = StockBalance.objects.get(batch_id=b, warehouse_id=wh)
    assert fulfillment.ledger_totals(b, wh) == (bal.on_hand, bal.reserved, bal.picked)
    located = 0
    for s in LocationStock.objects.filter(batch_id=b):
        assert fulfillment.location_totals(s.location_id, b) == s.quantity >= 0
        located += s.quantity
    assert located <= bal.on_hand - bal.picked


def test_bulk_moves_refuse_a_lone_transfer(park, goods):
    passed_stock(goods, 5)
    admin, b, wh = goods["admin"], goods["batch"].pk, goods["wh"].pk
    report = _compare(admin, [Move("transfer_out", b, wh, 1), Move("transfer_in", b, wh, 1)])
    assert [(e["index"], e["code"], list(e["fields"])) for e in report["errors"]] == [
        (0, "invalid", ["kind"]),
        (1, "invalid", ["kind"]),
    ]


# --- NUL bytes, the web upload cap ------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["name", "order_no", "barcode", "address"])
def test_a_nul_byte_is_a_bad_cell_on_both_paths(park, goods, where):
    value = {"order_no": "N\x001", "barcode": "6901\x00234567892"}.get(where, "张\x00三")
    rows = [_row("N0"), _row("N1") | {where: value}]
    report = _same("douyin", _export("douyin", rows), "n.csv", park.users["owner_b"])
    rule = "row 3: 含 NUL (0x00) 字符 / contains a NUL (0x00) character"
    fields = {MAPPINGS["douyin"][where]: [rule]}
    if where == "barcode":  # and no SKU has that barcode
        fields[MAPPINGS["douyin"]["barcode"]].append(f"第 3 行 / row 3: 未知 SKU 条码 {value!r}")
    assert report["errors"] == [{"row": 3, "order_no": rows[1]["order_no"], "fields": fields}]
    assert Order.objects.count() == 0


def test_nul_bytes_through_the_api_give_a_report_not_a_500(park, goods, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import Api

    owner = Api(park.tokens["owner_b"])
    data = _export("douyin", [_row("N0"), _row("N\x001")])
    for bulk_rows in (5_000, 1):  # the per-order path, then the bulk path
        monkeypatch.setattr(bulk_import, "BULK_ROWS", bulk_rows)
        r = owner.client.post(
            "/api/v1/fulfillment/orders/import?platform=douyin",
            {"file": SimpleUploadedFile("n.csv", data)},
            **owner.headers,
        )
        assert r.status_code == 422, r.content
        assert [(e["row"], list(e["fields"])) for e in r.json()["errors"]] == [(3, ["主订单编号"])]
        assert Order.objects.count() == 0
    moves = "类型,条码,批号,仓库编码,数量\nreceive,6901234567892,B\x00001,HZ01,1\n".encode()
    r = owner.client.post(
        "/api/v1/fulfillment/stock/import", {"file": SimpleUploadedFile("m.csv", moves)}, **owner.headers
    )
    assert r.status_code == 422 and r.json()["errors"] == [
        {"row": 2, "fields": {"batch_no": ["row 2: 含 NUL (0x00) 字符 / contains a NUL (0x00) character"]}}
    ]
    assert StockMove.objects.count() == 0


def test_web_uploads_are_capped_and_the_cli_is_not(park, goods, settings, monkeypatch, tmp_path, capsys):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import Api

    settings.LIVEPARK_WEB_IMPORT_MAX_ROWS = 3
    owner = Api(park.tokens["owner_b"])
    rows = [_row(f"C{i}") for i in range(4)]
    data = _export("douyin", rows)
    for bulk_rows, stored in ((5_000, 0), (1, 3)):  # the per-order path, then the bulk path
        monkeypatch.setattr(bulk_import, "BULK_ROWS", bulk_rows)
        r = owner.client.post(
            "/api/v1/fulfillment/orders/import?platform=douyin",
            {"file": SimpleUploadedFile("c.csv", data)},
            **owner.headers,
        )
        assert r.status_code == 422
        assert r.json()["file_error"].startswith("超过 3 行 / more than 3 rows")
        assert "LIVEPARK_WEB_IMPORT_MAX_ROWS" in r.json()["file_error"] and Order.objects.count() == stored
        ok = owner.client.post(
            "/api/v1/fulfillment/orders/import?platform=douyin",
            {"file": SimpleUploadedFile("c.csv", _export("douyin", rows[:3]))},
            **owner.headers,
        )
        assert ok.status_code == 200 and ok.json()["created"] + ok.json()["unchanged"] == 3
    # The CLI (and the services called without a cap) take the whole file.
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    call_command("orders", "import", "douyin", str(path), "--as", "owner_b", "--json")
    assert json.loads(capsys.readouterr().out)["created"] == 1 and Order.objects.count() == 4
    # The environment variable when no setting is made; nonsense falls back to the default.
    del settings.LIVEPARK_WEB_IMPORT_MAX_ROWS
    monkeypatch.setenv("LIVEPARK_WEB_IMPORT_MAX_ROWS", "7")
    assert order_import.web_max_rows() == 7
    monkeypatch.setenv("LIVEPARK_WEB_IMPORT_MAX_ROWS", "lots")
    assert order_import.web_max_rows() == order_import.WEB_MAX_ROWS == 200_000
