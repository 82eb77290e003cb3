"""Benchmark (not a test): import a Douyin order export and post stock movements in bulk, beside plain-ORM baselines.

    .venv/bin/python bench/fulfilment.py [--lines N] [--moves N] [--home DIR] [--no-write]

Migrates a fresh LIVEPARK_HOME (SQLite, WAL), builds a catalog through the services (a supplier, --skus SKUs, one
batch each with a passed QC lot in one warehouse), generates an export of --lines order lines (1-4 lines per order,
about 2.5) and --moves movements (receive/reserve/pick/ship, always valid), then times in one process:

- `import_orders_bulk` on the export, and a re-import of it (every order unchanged);
- the orders baseline: csv.DictReader, rows grouped into Order and OrderLine objects built one by one in Python
  (money parsed with yuan_to_fen, time with the import's parser, consignee encrypted, masked and blind-indexed so
  the same columns are written), then Order.objects.bulk_create + OrderLine.objects.bulk_create in one
  transaction; no validation, no existing-order check, no audit;
- the per-order path (`import_orders` below 5,000 rows: `order_create` per order) on a sample, for scale;
- `post_moves_bulk` on the movements;
- the movements baseline: StockMove objects built one by one and StockMove.objects.bulk_create, then one
  F() update per touched balance row by the sum of its deltas, in one transaction; no gate, no checks, no lock;
- `stock_move` one by one on a sample, for scale.

Each path starts from empty order and ledger tables. Prints a table and rewrites the "## Fulfilment" section of
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
LIVEPARK = str(Path(sys.executable).with_name("livepark"))
RESULTS = ROOT / "bench" / "RESULTS.md"
PLATFORM = "douyin"
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
]
PLACES = [
    "浙江省杭州市上城区",
    "广东省深圳市南山区",
    "江苏省南京市鼓楼区",
    "四川省成都市武侯区",
    "山东省临沂市兰山区",
]


def run(home: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"LIVEPARK_HOME": str(home)}
    return subprocess.run([LIVEPARK, *args], env=env, check=True, capture_output=True, text=True).stdout


def ean13(n: int) -> str:
    body = f"690{n:09d}"
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


def build_catalog(skus: int) -> dict:
    """A park admin, a supplier, `skus` SKUs with one batch each, and a warehouse where every batch passed QC."""
    from stdnum.cn import uscc

    from livepark.catalog import services as catalog
    from livepark.core.roles import Role
    from livepark.core.services import user_create
    from livepark.fulfillment import services as fulfillment
    from livepark.registry.services import enterprise_create

    admin = user_create(actor=None, username="bench-admin", role=Role.PARK_ADMIN, password="bench-pass-123")
    inspector = user_create(
        actor=admin, username="bench-qc", role=Role.QC_INSPECTOR, password="bench-pass-123"
    )
    body = "91330102000000001"
    supplier = enterprise_create(
        actor=admin,
        data={
            "name": "临安源头服饰有限公司",
            "uscc": body + uscc.calc_check_digit(body + "0"),
            "kinds": ["brand", "factory"],
            "region_code": "330102",
            "membership_status": "admitted",
            "contact_name": "张三",
            "contact_phone": "13812345678",
        },
    )
    apparel = catalog.category_create(actor=admin, data={"name": "服装", "aql_major": "1.0"})
    wh = fulfillment.warehouse_create(actor=admin, data={"code": "HZ01", "name": "杭州云仓"})
    rng = random.Random(1)
    items = []
    for i in range(skus):
        if i % 5 == 0:
            product = catalog.product_create(
                actor=admin,
                data={"supplier_id": supplier.pk, "category_id": apparel.pk, "name": f"真丝连衣裙 {i // 5}"},
            )
        price = rng.choice([3990, 5990, 9900, 12990, 19900, 29900, 49900])
        sku = catalog.sku_create(
            actor=admin,
            data={
                "product_id": product.pk,
                "spec": f"款 {i}",
                "barcode": ean13(i + 1),
                "list_price_fen": price,
                "cost_fen": price // 3,
            },
        )
        batch = catalog.batch_create(
            actor=admin,
            data={
                "sku_id": sku.pk,
                "batch_no": f"B{i:03d}",
                "production_date": dt.date(2026, 11, 1),
                "quantity": 10_000,
            },
        )
        lot = fulfillment.lot_open(actor=inspector, data={"batch_id": batch.pk, "warehouse_id": wh.pk})
        fulfillment.lot_record(actor=inspector, pk=lot.pk, defects={"critical": 0, "major": 0, "minor": 0})
        items.append((sku.barcode, price, batch.pk))
    return {"admin": admin, "shop": supplier, "wh": wh, "items": items}


def yuan(fen: np.ndarray) -> list[str]:
    return [f"{f // 100}.{f % 100:02d}" for f in fen.tolist()]


def make_export(lines: int, items: list, seed: int, prefix: str = "DY") -> tuple[bytes, int]:
    """A Douyin export of `lines` rows (columns as the platform names them); returns (CSV bytes, orders)."""
    from livepark.fulfillment.order_import import MAPPINGS

    rng = np.random.default_rng(seed)
    per_order = rng.integers(1, 5, size=lines // 2 + 4)
    per_order = per_order[: int(np.searchsorted(np.cumsum(per_order), lines)) + 1]
    per_order[-1] -= int(per_order.sum()) - lines
    orders = len(per_order)
    order_of = np.repeat(np.arange(orders), per_order)
    sku = rng.integers(0, len(items), size=lines)
    qty = rng.integers(1, 4, size=lines)
    prices = np.array([p for _, p, _ in items])
    goods = np.bincount(order_of, weights=qty * prices[sku], minlength=orders).astype(np.int64)
    freight = rng.choice([0, 0, 0, 1000], size=orders)
    discount = np.minimum(rng.choice([0, 0, 500, 1000, 2000], size=orders), goods)

    def draw(lo: int, hi: int) -> list[int]:
        return rng.integers(lo, hi, orders).tolist()

    phones = [f"1{a}{b:09d}" for a, b in zip(draw(3, 10), draw(0, 10**9), strict=True)]
    names = [SURNAMES[a] + GIVEN[b] for a, b in zip(draw(0, len(SURNAMES)), draw(0, len(GIVEN)), strict=True)]
    places = [f"{PLACES[a]}直播路 {b} 号" for a, b in zip(draw(0, len(PLACES)), draw(1, 999), strict=True)]
    start = int(dt.datetime(2026, 11, 11, 20, 0, tzinfo=dt.UTC).timestamp())  # printed as wall time
    paid_at = pc.strftime(
        pa.array(start + rng.integers(0, 4 * 3600, orders), pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S"
    )
    at = pa.array(order_of)
    order_cols = {
        "order_no": pa.array([f"{prefix}{4_000_000_000_000_000 + i}" for i in range(orders)]),
        "freight": pa.array(yuan(freight)),
        "discount": pa.array(yuan(discount)),
        "paid": pa.array(yuan(goods + freight - discount)),
        "name": pa.array(names),
        "phone": pa.array(phones),
        "address": pa.array(places),
        "paid_at": paid_at,
    }
    columns = {key: col.take(at) for key, col in order_cols.items()}
    columns["barcode"] = pa.array([b for b, _, _ in items]).take(pa.array(sku))
    columns["quantity"] = pa.array([str(q) for q in range(4)]).take(pa.array(qty))
    columns["price"] = pa.array(yuan(prices)).take(pa.array(sku))
    mapping = MAPPINGS[PLATFORM]
    table = pa.table({mapping[k]: columns[k] for k in mapping})
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(quoting_style="needed"))
    return buf.getvalue(), orders


def make_moves(n: int, items: list, wh: int, seed: int) -> list:
    """`n` movements that are all valid in order from empty balances: receive, reserve, pick and ship."""
    from livepark.fulfillment.bulk_moves import Move

    rng = random.Random(seed)
    state = {b: [0, 0, 0] for _, _, b in items}  # on hand, reserved, picked
    batches = list(state)
    out = []
    for i in range(n):
        b = rng.choice(batches)
        on, res, pick = state[b]
        q = rng.randint(1, 5)
        kind = rng.choice(("receive", "reserve", "reserve", "pick", "pick", "ship", "ship"))
        short = {"reserve": on - res - pick, "pick": res, "ship": pick}.get(kind, q) < q
        if short:  # not enough in the source bucket: receive instead
            kind, q = "receive", q * 4
        d = {"receive": (q, 0, 0), "reserve": (0, q, 0), "pick": (0, -q, q), "ship": (-q, 0, -q)}[kind]
        state[b] = [on + d[0], res + d[1], pick + d[2]]
        out.append(Move(kind, b, wh, q, f"bench {i}"))
    return out


def orm_orders(data: bytes, shop_id: int) -> tuple[int, int]:
    """The orders baseline (see the module docstring)."""
    from django.db import transaction

    from livepark.catalog.models import SKU
    from livepark.core import crypto
    from livepark.core.money import yuan_to_fen
    from livepark.fulfillment.models import Order, OrderLine
    from livepark.fulfillment.order_import import MAPPINGS, _parse_time

    m = MAPPINGS[PLATFORM]
    skus = dict(SKU.objects.values_list("barcode", "pk"))
    orders: dict[str, tuple] = {}
    rows = 0
    for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))):
        rows += 1
        entry = orders.get(r[m["order_no"]])
        if entry is None:
            name, phone, address = r[m["name"]], r[m["phone"]], r[m["address"]]
            clear = json.dumps({"name": name, "phone": phone, "address": address}, ensure_ascii=False)
            order = Order(
                platform=PLATFORM,
                order_no=r[m["order_no"]],
                shop_id=shop_id,
                goods_fen=0,
                freight_fen=yuan_to_fen(r[m["freight"]]),
                discount_fen=yuan_to_fen(r[m["discount"]]),
                paid_fen=yuan_to_fen(r[m["paid"]]),
                paid_at=_parse_time(r[m["paid_at"]]),
                consignee_enc=crypto.encrypt(clear),
                consignee_masked=f"{name[:1]}** {crypto.mask_phone(phone)}",
                buyer_hash=crypto.blind_index(phone),
            )
            entry = orders[r[m["order_no"]]] = (order, [])
        qty, price = int(r[m["quantity"]]), yuan_to_fen(r[m["price"]])
        entry[0].goods_fen += qty * price
        entry[1].append(
            OrderLine(order=entry[0], sku_id=skus[r[m["barcode"]]], quantity=qty, price_fen=price)
        )
    with transaction.atomic():
        Order.objects.bulk_create([o for o, _ in orders.values()], batch_size=2000)
        OrderLine.objects.bulk_create([ln for _, lines in orders.values() for ln in lines], batch_size=5000)
    return rows, len(orders)


def orm_moves(moves: list, actor) -> None:
    """The movements baseline (see the module docstring)."""
    from django.db import transaction
    from django.db.models import F

    from livepark.fulfillment.models import StockBalance, StockMove
    from livepark.fulfillment.services import MOVES

    ledger, sums = [], {}
    for m in moves:
        (d_on, d_res, d_pick), _, _ = MOVES[m.kind]
        ledger.append(
            StockMove(
                kind=m.kind,
                batch_id=m.batch_id,
                warehouse_id=m.warehouse_id,
                on_hand_delta=d_on * m.quantity,
                reserved_delta=d_res * m.quantity,
                picked_delta=d_pick * m.quantity,
                reference=m.reference,
                actor=actor,
            )
        )
        s = sums.setdefault((m.batch_id, m.warehouse_id), [0, 0, 0])
        s[0], s[1], s[2] = s[0] + d_on * m.quantity, s[1] + d_res * m.quantity, s[2] + d_pick * m.quantity
    with transaction.atomic():
        StockMove.objects.bulk_create(ledger, batch_size=5000)
        for (b, w), (d_on, d_res, d_pick) in sums.items():
            StockBalance.objects.filter(batch_id=b, warehouse_id=w).update(
                on_hand=F("on_hand") + d_on, reserved=F("reserved") + d_res, picked=F("picked") + d_pick
            )


class Databases:
    """Copies of one template database, so every measured path starts from the same state on a fresh file."""

    def __init__(self, home: Path):
        from django.db import connection

        self.home, self.current = home, None
        with connection.cursor() as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        self.template = home / "template.sqlite3"
        shutil.copyfile(connection.settings_dict["NAME"], self.template)

    def fresh(self, tag: str) -> None:
        """Point Django at a new copy of the template (and delete the previous copy)."""
        from django.db import connection

        connection.close()
        if self.current:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.current}{suffix}").unlink(missing_ok=True)
        self.current = self.home / f"{tag}.sqlite3"
        shutil.copyfile(self.template, self.current)
        connection.settings_dict["NAME"] = str(self.current)


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000, help="order lines in the export")
    ap.add_argument("--moves", type=int, default=1_000_000, help="stock movements to post")
    ap.add_argument("--skus", type=int, default=50)
    ap.add_argument("--sample", type=int, default=3_000, help="lines / movements for the one-by-one paths")
    ap.add_argument("--home", type=Path, help="LIVEPARK_HOME to use (default: a fresh temporary one)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = ap.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="livepark-bench-"))
    try:
        rows = bench(home, args)
    finally:
        if not args.home:
            shutil.rmtree(home, ignore_errors=True)
    table = "\n".join(["| measure | result |", "|---|---|", *[f"| {k} | {v} |" for k, v in rows]])
    print(table)
    if not args.no_write:
        write_results(table, args)
    return 0


def bench(home: Path, args) -> list[tuple[str, str]]:
    load = os.getloadavg()[0]
    run(home, "migrate", "--noinput", "-v0")
    os.environ.pop("DATABASE_URL", None)
    os.environ["LIVEPARK_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "livepark.config.settings"
    import django

    django.setup()
    from livepark.fulfillment import services as fulfillment
    from livepark.fulfillment.bulk_import import import_orders_bulk
    from livepark.fulfillment.bulk_moves import post_moves_bulk
    from livepark.fulfillment.order_import import import_orders

    cat = build_catalog(args.skus)
    admin, shop, wh = cat["admin"], cat["shop"], cat["wh"]
    data, orders = make_export(args.lines, cat["items"], seed=11)
    sample, _ = make_export(args.sample, cat["items"], seed=12, prefix="SP")
    moves = make_moves(args.moves, cat["items"], wh.pk, seed=13)
    dbs = Databases(home)

    def rate(n: int, seconds: float, unit: str) -> str:
        return f"{n:,} {unit} in {seconds:.1f} s = **{n / seconds:,.0f} {unit}/s**"

    dbs.fresh("orders-bulk")
    report, bulk_s = timed(import_orders_bulk, PLATFORM, data, "bench.csv", actor=admin, shop_id=shop.pk)
    assert report.ok and report.created == orders, report.as_dict() | {"errors": report.errors[:3]}
    again, again_s = timed(import_orders_bulk, PLATFORM, data, "bench.csv", actor=admin, shop_id=shop.pk)
    assert again.ok and again.unchanged == orders
    bulk_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    dbs.fresh("orders-baseline")
    (base_rows, _), base_s = timed(orm_orders, data, shop.pk)
    dbs.fresh("orders-one-by-one")
    one, one_s = timed(import_orders, PLATFORM, sample, "sample.csv", actor=admin, shop_id=shop.pk)
    assert one.ok and one.created

    kinds = {k: sum(1 for m in moves if m.kind == k) for k in ("receive", "reserve", "pick", "ship")}
    dbs.fresh("moves-bulk")
    mrep, moves_s = timed(post_moves_bulk, moves, actor=admin)
    assert mrep.ok, mrep.errors[:3]
    dbs.fresh("moves-baseline")
    _, base_m_s = timed(orm_moves, moves, admin)
    dbs.fresh("moves-one-by-one")
    t0 = time.perf_counter()
    for m in moves[: args.sample]:
        fulfillment.stock_move(
            actor=admin, kind=m.kind, batch_id=m.batch_id, warehouse_id=m.warehouse_id, quantity=m.quantity
        )
    seq_s = time.perf_counter() - t0
    dbs.fresh("done")

    mix = ", ".join(f"{k} {v / len(moves):.0%}" for k, v in kinds.items())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [
        (f"orders: `import_orders_bulk` ({orders:,} orders)", rate(args.lines, bulk_s, "lines")),
        ("orders: plain-ORM baseline (bulk_create, no validation)", rate(base_rows, base_s, "lines")),
        ("orders: ratio bulk ÷ baseline", f"{base_s / bulk_s:.1f}×"),
        ("orders: re-import of the same file (all unchanged)", rate(args.lines, again_s, "lines")),
        (
            f"orders: per-order `import_orders` (sample, {args.sample:,} lines)",
            rate(args.sample, one_s, "lines"),
        ),
        (f"moves: `post_moves_bulk` ({mix}; {args.skus} batches)", rate(args.moves, moves_s, "moves")),
        (
            "moves: plain-ORM baseline (bulk_create + F() updates, no checks)",
            rate(args.moves, base_m_s, "moves"),
        ),
        ("moves: ratio bulk ÷ baseline", f"{base_m_s / moves_s:.1f}×"),
        (
            f"moves: `stock_move` one by one (sample, {args.sample:,} moves)",
            rate(args.sample, seq_s, "moves"),
        ),
        ("peak memory (RSS) after the bulk import (generated data included)", f"{bulk_rss:,.0f} MiB"),
        ("peak memory (RSS) of the whole run", f"{rss:,.0f} MiB"),
        ("load average (1 min) at start / end", f"{load:.1f} / {os.getloadavg()[0]:.1f} (2 cores)"),
    ]


def write_results(table: str, args) -> None:
    machine = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, SQLite (WAL)"
    full = args.lines >= 1_000_000 and args.moves >= 1_000_000
    size = (
        "full size"
        if full
        else "reduced size (the full 1,000,000 / 1,000,000 run did not fit ~10 minutes here)"
    )
    section = (
        "## Fulfilment: bulk order import and stock movements\n\n"
        f"`python bench/fulfilment.py --lines {args.lines} --moves {args.moves}` ({size}) on {machine}, "
        f"{time.strftime('%Y-%m-%d')}. Baselines measured in the same run; each path starts from its own copy of the "
        "same database (migrated, catalog loaded, no orders, empty ledger); what each path does is in the script's "
        "docstring. The bulk import runs first, so the peak memory measured right after it is its own (with the "
        "generated data); the whole run's peak comes from the ORM baselines' model objects. The export is "
        f"Douyin's layout, 1-4 lines per order, {args.skus} SKUs; the movements are always valid in order.\n\n"
        + table
        + "\n"
    )
    text = (
        RESULTS.read_text()
        if RESULTS.exists()
        else "# Benchmark results\n\nFigures from `make bench`; not tests.\n\n"
    )
    pattern = re.compile(r"## Fulfilment.*?(?=\n## |\Z)", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    RESULTS.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
