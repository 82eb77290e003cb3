"""Many stock movements at once, with every rule of `stock_move` and a fraction of its queries.

`stock_move` costs about ten queries per movement. `post_moves_bulk` takes a list of movements and:

1. checks the fields of every movement as `stock_move` does (kind, quantity, batch in the actor's scope, live
   warehouse), with one query per table;
2. groups them by (batch, warehouse), creates the missing balance rows and locks every touched balance row once,
   in primary-key order (`select_for_update`; SQLite's IMMEDIATE transaction holds the write lock anyway);
3. asks `gate_allowance` once per touched pair that has a gated movement (reserve, pick, ship), under the lock;
4. replays the movements in order in Python against the locked balances: the QC gate (per-unit lots count the
   units shipped so far, this batch's included), then the source bucket. A refused movement is reported with its
   index, code and rule — the same words as `stock_move` — and the rest are replayed without it, as the stock
   import does with savepoints;
5. writes nothing if anything was refused; otherwise one ledger row per movement (executemany, COPY on
   PostgreSQL) and one UPDATE per touched balance row by the sum of its ledger deltas, so the ledger and the
   balances agree by construction. The CHECK constraints stay the last word: a violation refuses the whole list.
6. locations: where a touched batch × warehouse has put-away stock, a movement that takes units off the
   shelves (pick, write-off, adjust-out) takes them as `stock_move` does — the unplaced units first, then the
   locations in `services.SHELF_ORDER` — with the same extra ledger lines, replayed in order.

Transfers are not single movements: `services.stock_transfer` writes them (both sides, with the QC pass they
carry), so `transfer_out`/`transfer_in` are refused here as by `stock_move`.

Like `stock_move`, no audit entry: the ledger is the record of every movement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from livepark.catalog.models import ProductBatch
from livepark.core.errors import Conflict, FieldErrors, ServiceError
from livepark.core.scoping import require_right
from livepark.fulfillment.bulk_import import insert_rows
from livepark.fulfillment.models import LocationStock, MoveKind, StockBalance, StockMove, Warehouse
from livepark.fulfillment.services import (
    MOVES,
    SHELF_ORDER,
    SINGLE_KINDS,
    gate_allowance,
    kind_rule,
    over_allowance,
    shelf_delta,
    shelf_plan,
    short_of,
)

_CHUNK = 5_000  # ids per IN list (SQLite's bound-parameter limit)
_LEDGER_COLUMNS = (
    "at",
    "kind",
    "batch",
    "warehouse",
    "on_hand_delta",
    "reserved_delta",
    "picked_delta",
    "reference",
    "actor",
    "location",
    "location_delta",
)


class Move(NamedTuple):
    """One stock movement, as `stock_move` takes it."""

    kind: str
    batch_id: int
    warehouse_id: int
    quantity: int
    reference: str = ""


@dataclass
class MovesReport:
    moves: int = 0
    applied: int = 0
    balances: int = 0  # balance rows touched
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every movement was applied."""
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly report."""
        return {
            "ok": self.ok,
            "moves": self.moves,
            "applied": self.applied,
            "balances": self.balances,
            "errors": self.errors,
        }


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ids(model, pks: set[int], **filters) -> set[int]:
    found: set[int] = set()
    pks_list = sorted(pks)
    for i in range(0, len(pks_list), _CHUNK):
        found.update(model.filter(pk__in=pks_list[i : i + _CHUNK], **filters).values_list("pk", flat=True))
    return found


def post_moves_bulk(moves: Iterable[Move | Mapping[str, Any]], *, actor) -> MovesReport:
    """Apply many stock movements in order with every rule of `stock_move`; all or nothing.

    Returns a report; when any movement is refused nothing is written and `errors` lists each refused movement
    as {"index", "code", "detail", "fields"} in the words `stock_move` would use.
    """
    require_right(actor, "stock", "change")
    todo = [m if isinstance(m, Move) else Move(**m) for m in moves]
    report = MovesReport(moves=len(todo))
    batches = _ids(
        ProductBatch.objects.restrict(actor, "change"), {m.batch_id for m in todo if _is_id(m.batch_id)}
    )
    warehouses = _ids(
        Warehouse.objects, {m.warehouse_id for m in todo if _is_id(m.warehouse_id)}, archived_at__isnull=True
    )
    with transaction.atomic():
        ok: list[bool] = []
        for i, m in enumerate(todo):
            errors = _field_errors(m, batches, warehouses)
            ok.append(not errors.fields)
            if errors.fields:
                detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.fields.items())
                report.errors.append(
                    {"index": i, "code": "invalid", "detail": detail, "fields": errors.fields}
                )
        pairs = {(m.batch_id, m.warehouse_id) for m, good in zip(todo, ok, strict=True) if good}
        locked = _lock(pairs)
        shelves = _shelves(
            {(m.batch_id, m.warehouse_id) for m, good in zip(todo, ok, strict=True) if good and _off_shelf(m)}
        )
        gates = _gates(
            {
                (m.batch_id, m.warehouse_id)
                for m, good in zip(todo, ok, strict=True)
                if good and MOVES[m.kind][2]
            }
        )
        ledger, received, shelf_updates = _replay(todo, ok, locked, gates, shelves, report, actor)
        report.errors.sort(key=lambda e: e["index"])
        if report.errors:
            transaction.set_rollback(True)
            return report
        _write(ledger, locked, received, shelf_updates)
        report.applied = sum(1 for row in ledger if row[9] is None)
        report.balances = sum(1 for v in locked.values() if v[4])
    return report


def _field_errors(m: Move, batches: set[int], warehouses: set[int]) -> FieldErrors:
    """stock_move's field rules, in its order and words."""
    errors = FieldErrors()
    if not isinstance(m.kind, str) or m.kind not in SINGLE_KINDS:
        errors.add("kind", kind_rule())
    q = m.quantity
    if isinstance(q, bool) or not isinstance(q, int) or q <= 0:
        errors.add("quantity", "数量应为正整数 / must be a positive integer")
    if m.batch_id not in batches:
        errors.add("batch_id", "生产批次不存在 / unknown batch")
    if m.warehouse_id not in warehouses:
        errors.add("warehouse_id", "云仓不存在 / unknown warehouse")
    return errors


def _lock(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], list]:
    """Create the missing balance rows, then lock every touched one; pair -> [pk, on_hand, reserved, picked,
    moved?]."""
    if not pairs:
        return {}
    batch_ids = sorted({b for b, _ in pairs})
    wh_ids = sorted({w for _, w in pairs})

    def existing() -> dict[tuple[int, int], int]:
        out = {}
        for i in range(0, len(batch_ids), _CHUNK):
            rows = StockBalance.objects.filter(
                batch_id__in=batch_ids[i : i + _CHUNK], warehouse_id__in=wh_ids
            ).values_list("batch_id", "warehouse_id", "pk")
            out.update({(b, w): pk for b, w, pk in rows if (b, w) in pairs})
        return out

    pks = existing()
    missing = pairs - pks.keys()
    if missing:
        StockBalance.objects.bulk_create(
            [StockBalance(batch_id=b, warehouse_id=w) for b, w in sorted(missing)], ignore_conflicts=True
        )
        pks = existing()
    by_pk = {pk: pair for pair, pk in pks.items()}
    locked: dict[tuple[int, int], list] = {}
    ordered = sorted(by_pk)  # one lock order for every writer: no deadlocks between bulk posts
    for i in range(0, len(ordered), _CHUNK):
        rows = (
            StockBalance.objects.select_for_update()
            .filter(pk__in=ordered[i : i + _CHUNK])
            .order_by("pk")
            .values_list("pk", "on_hand", "reserved", "picked")
        )
        for pk, on_hand, reserved, picked in rows:
            locked[by_pk[pk]] = [pk, on_hand, reserved, picked, False]
    return locked


def _gates(gated: set[tuple[int, int]]) -> dict[tuple[int, int], Any]:
    """pair -> None (no limit), the per-unit allowance, or the Conflict `gate_allowance` raised; asked under the
    balance lock, as stock_move asks it."""
    out: dict[tuple[int, int], Any] = {}
    batch_objs = ProductBatch.objects.in_bulk(sorted({b for b, _ in gated}))
    wh_objs = Warehouse.objects.in_bulk(sorted({w for _, w in gated}))
    for b, w in sorted(gated):
        try:
            out[(b, w)] = gate_allowance(batch_objs[b], wh_objs[w])
        except Conflict as exc:
            out[(b, w)] = exc
    return out


def _off_shelf(m: Move) -> bool:
    return shelf_delta(m.kind, m.quantity) < 0


def _shelves(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], list[list[int]]]:
    """pair -> [[LocationStock pk, location id, quantity], ...] in SHELF_ORDER, for the pairs with located
    stock (read under the balance locks, which every location writer holds)."""
    out: dict[tuple[int, int], list] = {}
    if not pairs:
        return out
    batch_ids = sorted({b for b, _ in pairs})
    wh_ids = sorted({w for _, w in pairs})
    rows = []
    for i in range(0, len(batch_ids), _CHUNK):
        rows += LocationStock.objects.filter(
            batch_id__in=batch_ids[i : i + _CHUNK], location__warehouse_id__in=wh_ids, quantity__gt=0
        ).values_list(
            "batch_id",
            "location__warehouse_id",
            "pk",
            "location_id",
            "location__kind",
            "location__code",
            "quantity",
        )
    for b, w, pk, loc, _kind, _code, q in sorted(rows, key=lambda r: (SHELF_ORDER.get(r[4], 9), r[5])):
        if (b, w) in pairs:
            out.setdefault((b, w), []).append([pk, loc, q])
    return out


def _refusal(index: int, exc: ServiceError) -> dict[str, Any]:
    return {"index": index, "code": exc.code, "detail": exc.detail, "fields": exc.fields}


def _replay(
    todo, ok, locked, gates, shelves, report, actor
) -> tuple[list[tuple], set[tuple[int, int]], dict[int, int]]:
    """Apply the movements in order to the locked balances; returns the ledger rows, the pairs received and the
    change of each LocationStock row."""
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    shipped: dict[tuple[int, int], int] = {}  # units shipped in this list, per pair (per-unit lots)
    received: set[tuple[int, int]] = set()
    ledger: list[tuple] = []
    shelf_updates: dict[int, int] = {}
    for i, m in enumerate(todo):
        if not ok[i]:
            continue
        pair = (m.batch_id, m.warehouse_id)
        bal = locked[pair]
        q = m.quantity
        (d_on, d_res, d_pick), source, gated = MOVES[m.kind]
        if gated:
            allowance = gates[pair]
            if isinstance(allowance, Conflict):
                report.errors.append(_refusal(i, allowance))
                continue
            if allowance is not None:
                allowance -= shipped.get(pair, 0)
                # Per-unit lots: what is reserved or picked already counts against the units that passed.
                committed = bal[2] + bal[3] if m.kind == MoveKind.RESERVE else 0
                if q + committed > allowance:
                    report.errors.append(_refusal(i, over_allowance(allowance, committed)))
                    continue
        if source is not None:
            have = {"available": bal[1] - bal[2] - bal[3], "reserved": bal[2], "picked": bal[3]}[source]
            if q > have:
                report.errors.append(_refusal(i, short_of(source, have)))
                continue
        # Units not on any location, before this movement (for the shelf rule below).
        unplaced = bal[1] - bal[3] - sum(s[2] for s in shelves.get(pair, ()))
        bal[1] += d_on * q
        bal[2] += d_res * q
        bal[3] += d_pick * q
        bal[4] = True
        if m.kind == MoveKind.SHIP:
            shipped[pair] = shipped.get(pair, 0) + q
        elif m.kind == MoveKind.RECEIVE:
            received.add(pair)
        ledger.append(
            (
                at,
                m.kind,
                m.batch_id,
                m.warehouse_id,
                d_on * q,
                d_res * q,
                d_pick * q,
                m.reference[:64],
                actor_id,
                None,
                0,
            )
        )
        if pair in shelves and shelf_delta(m.kind, q) < 0:
            for pk, loc, n in shelf_plan(
                [tuple(s) for s in shelves[pair]], unplaced, -shelf_delta(m.kind, q)
            ):
                for s in shelves[pair]:
                    if s[0] == pk:
                        s[2] -= n
                shelf_updates[pk] = shelf_updates.get(pk, 0) - n
                ledger.append(
                    (at, m.kind, m.batch_id, m.warehouse_id, 0, 0, 0, m.reference[:64], actor_id, loc, -n)
                )
    return ledger, received, shelf_updates


def _write(
    ledger: list[tuple],
    locked: dict[tuple[int, int], list],
    received: set[tuple[int, int]],
    shelf_updates: dict[int, int],
) -> None:
    """The ledger rows, then each touched balance (and location row) moved by the sum of its ledger deltas."""
    columns = [StockMove._meta.get_field(f).column for f in _LEDGER_COLUMNS]
    insert_rows(StockMove._meta.db_table, columns, ledger)
    sums: dict[tuple[int, int], list[int]] = {}
    for _, _, b, w, d_on, d_res, d_pick, *_ in ledger:
        s = sums.setdefault((b, w), [0, 0, 0])
        s[0] += d_on
        s[1] += d_res
        s[2] += d_pick
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    q = connection.ops.quote_name
    table = q(StockBalance._meta.db_table)
    on, res, pick, rec = (
        q(StockBalance._meta.get_field(f).column) for f in ("on_hand", "reserved", "picked", "received_at")
    )
    sql = (
        f"UPDATE {table} SET {on} = {on} + %s, {res} = {res} + %s, {pick} = {pick} + %s,"
        f" {rec} = COALESCE({rec}, %s) WHERE {q(StockBalance._meta.pk.column)} = %s"
    )
    params = [
        (d_on, d_res, d_pick, now if pair in received else None, locked[pair][0])
        for pair, (d_on, d_res, d_pick) in sorted(sums.items(), key=lambda kv: locked[kv[0]][0])
    ]
    ls_table = q(LocationStock._meta.db_table)
    ls_qty = q(LocationStock._meta.get_field("quantity").column)
    ls_sql = f"UPDATE {ls_table} SET {ls_qty} = {ls_qty} + %s WHERE {q(LocationStock._meta.pk.column)} = %s"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, params)
            if shelf_updates:
                cursor.executemany(ls_sql, [(d, pk) for pk, d in sorted(shelf_updates.items())])
    except IntegrityError:
        # The CHECK constraints are the last word: nothing may go negative, whatever raced.
        raise Conflict("库存不足 / not enough stock", code="insufficient_stock") from None
