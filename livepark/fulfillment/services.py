"""QC inspection lots, the switching rules, and the stock ledger with its gate.

The gate: stock of a batch can be reserved, picked or shipped only when the batch has a passing inspection lot
in that warehouse (for per-unit categories such as jewellery, only as many units as passed). Every path — API,
pages, admin, imports — moves stock through `stock_move`, which checks the gate under the balance row's lock.

Locations split a balance's shelf stock (`stock_put_away`; moves off the shelves take located units as needed),
and `stock_transfer` moves units between warehouses with the QC pass they carry — never more (docs/fulfilment.md).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from livepark.catalog.models import ProductBatch, QcMode
from livepark.core import audit, counting
from livepark.core.errors import Conflict, FieldErrors, Invalid
from livepark.core.models import AuditLog
from livepark.core.scoping import require_right
from livepark.core.servicekit import apply, choice, required_text, save_audited, scoped_for_update
from livepark.engines.sampling import LotResult, SwitchingState, next_state, plan
from livepark.fulfillment.models import (
    InspectionLot,
    Location,
    LocationKind,
    LocationStock,
    LotStatus,
    MoveKind,
    StockBalance,
    StockMove,
    StockTransfer,
    SwitchingRecord,
    Warehouse,
)

GROUP = "fulfillment"
DEFECT_CLASSES = ("critical", "major", "minor")
#: The class whose result drives the normal/tightened/reduced switching of a supplier × product.
SWITCHING_CLASS = "major"


@transaction.atomic
def warehouse_create(*, actor, data: dict[str, Any]) -> Warehouse:
    """Add a cloud warehouse (park admin)."""
    require_right(actor, "warehouse", "create")
    errors = FieldErrors()
    code = required_text(errors, "code", data.get("code"), 16).upper()
    if code and Warehouse.objects.filter(code=code).exists():
        errors.add("code", "仓库编码已存在 / warehouse code already exists")
    wh = Warehouse(
        code=code,
        name=required_text(errors, "name", data.get("name"), 64),
        address=(data.get("address") or "").strip()[:200],
        operator_id=data.get("operator_id"),
    )
    errors.raise_if_any()
    save_audited(actor=actor, obj=wh, before=None, group=GROUP)
    return wh


def switching_state(supplier_id: int, product_id: int) -> SwitchingState:
    """The current switching state of a supplier × product (normal when never inspected)."""
    rec = SwitchingRecord.objects.filter(supplier_id=supplier_id, product_id=product_id).first()
    if rec is None or not rec.state:
        return SwitchingState()
    state = dict(rec.state)
    state["normal_results"] = tuple(state.get("normal_results", ()))
    return SwitchingState(**state)


@transaction.atomic
def lot_open(*, actor, data: dict[str, Any]) -> InspectionLot:
    """Open an inspection lot for a batch arriving in a warehouse; the engine gives each class's plan."""
    require_right(actor, "lot", "create")
    errors = FieldErrors()
    batch = (
        ProductBatch.objects.select_related("sku__product__category").filter(pk=data.get("batch_id")).first()
    )
    if batch is None:
        errors.add("batch_id", "生产批次不存在 / unknown batch")
    warehouse = Warehouse.objects.filter(pk=data.get("warehouse_id"), archived_at__isnull=True).first()
    if warehouse is None:
        errors.add("warehouse_id", "云仓不存在 / unknown warehouse")
    errors.raise_if_any()
    if InspectionLot.objects.filter(batch=batch, warehouse=warehouse, status=LotStatus.PENDING).exists():
        raise Conflict(
            "该批次在此仓已有待检的质检批 / a pending lot exists for this batch here", code="lot_pending"
        )
    category = batch.sku.product.category
    lot_size = data.get("lot_size") or batch.quantity
    if isinstance(lot_size, bool) or not isinstance(lot_size, int) or lot_size < 2:
        raise Invalid.field("lot_size", "批量应为不小于 2 的整数 / must be an integer of at least 2", "range")
    level = data.get("level") or category.inspection_level
    product = batch.sku.product
    state = switching_state(product.supplier_id, product.pk)
    if state.discontinued:
        raise Conflict(
            "该供应商此商品已暂停检验（转移规则）/ inspection is discontinued for this supplier and product",
            code="inspection_discontinued",
        )
    per_unit = category.qc_mode == QcMode.PER_UNIT
    plans: dict[str, dict] = {}
    for cls in DEFECT_CLASSES:
        aql = data.get(f"aql_{cls}") or getattr(category, f"aql_{cls}")
        try:
            p = plan(lot_size, level, str(aql), state.severity)
        except (ValueError, TypeError) as exc:
            raise Invalid.field(
                f"aql_{cls}" if "AQL" in str(exc) else "level", str(exc), "sampling"
            ) from None
        plans[cls] = {
            "aql": str(p.aql),
            "code_letter": p.code_letter,
            "n": lot_size if per_unit else p.sample_size,
            "ac": p.ac,
            "re": p.re,
            "defects": None,
        }
    lot = InspectionLot(
        batch=batch,
        warehouse=warehouse,
        lot_size=lot_size,
        level=level,
        severity=state.severity,
        qc_mode=category.qc_mode,
        plan=plans,
        # Per-unit categories inspect every piece; otherwise one sample of the largest class's size.
        sample_size=lot_size if per_unit else max(p["n"] for p in plans.values()),
        inspector=actor if actor.pk else None,
    )
    save_audited(actor=actor, obj=lot, before=None, group=GROUP)
    return lot


@transaction.atomic
def lot_record(
    *, actor, pk: int, defects: dict[str, int], unit_results: list[bool] | None = None, notes: str = ""
) -> InspectionLot:
    """Record defects found per class (and per unit for per-unit categories); the verdict follows the plan."""
    lot = scoped_for_update(InspectionLot, actor, pk)
    if lot.status != LotStatus.PENDING:
        raise Conflict("该质检批已判定 / this lot has been decided already", code="lot_decided")
    errors = FieldErrors()
    for cls in DEFECT_CLASSES:
        d = defects.get(cls)
        if isinstance(d, bool) or not isinstance(d, int) or d < 0:
            errors.add(f"defects.{cls}", "缺陷数应为非负整数 / must be a non-negative integer")
    per_unit = lot.qc_mode == QcMode.PER_UNIT
    if per_unit:
        if not isinstance(unit_results, list) or len(unit_results) != lot.lot_size:
            errors.add(
                "unit_results",
                f"逐件检验须给出 {lot.lot_size} 件的结果 / one result per unit ({lot.lot_size})",
            )
        elif not all(isinstance(u, bool) for u in unit_results):
            errors.add("unit_results", "每件结果应为 true/false / each result must be true or false")
    errors.raise_if_any()
    before = audit.snapshot(lot)
    accepted = True
    for cls in DEFECT_CLASSES:
        entry = lot.plan[cls]
        entry["defects"] = defects[cls]
        entry["verdict"] = "accept" if defects[cls] <= entry["ac"] else "reject"
        accepted &= entry["verdict"] == "accept"
    if per_unit:
        lot.passed_units = sum(unit_results)
        lot.status = LotStatus.PASSED if lot.passed_units else LotStatus.FAILED
    else:
        lot.status = LotStatus.PASSED if accepted else LotStatus.FAILED
    lot.decided_at = timezone.now()
    lot.notes = notes[:2000]
    lot.inspector = actor if actor.pk else lot.inspector
    lot.save()
    lot.certificate_no = f"QC{timezone.localdate():%Y%m%d}{lot.pk:06d}"
    lot.save(update_fields=["certificate_no", "plan"])
    changes = audit.diff(before, audit.snapshot(lot))
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=lot, changes=changes)
    if not per_unit:
        _advance_switching(lot, defects[SWITCHING_CLASS])
    return lot


def _advance_switching(lot: InspectionLot, defects: int) -> None:
    product = lot.batch.sku.product
    state = switching_state(product.supplier_id, product.pk)
    entry = lot.plan[SWITCHING_CLASS]
    engine_plan = plan(lot.lot_size, lot.level, entry["aql"], lot.severity)
    new = next_state(state, LotResult(engine_plan, defects))
    data = dataclasses.asdict(new)
    data["normal_results"] = list(data["normal_results"])
    SwitchingRecord.objects.update_or_create(
        supplier_id=product.supplier_id, product_id=product.pk, defaults={"state": data}
    )


# --- stock -------------------------------------------------------------------------------------------------

#: kind -> (Δ on_hand, Δ reserved, Δ picked) per unit, the bucket the units come from, and whether the QC gate
#: applies. reserve: available → reserved; pick: reserved → picked; ship: picked → out of the warehouse.
MOVES: dict[str, tuple[tuple[int, int, int], str | None, bool]] = {
    MoveKind.RECEIVE: ((+1, 0, 0), None, False),
    MoveKind.RETURN: ((+1, 0, 0), None, False),
    MoveKind.ADJUST_IN: ((+1, 0, 0), None, False),
    MoveKind.TRANSFER_IN: ((+1, 0, 0), None, False),
    MoveKind.RESERVE: ((0, +1, 0), "available", True),
    MoveKind.RELEASE: ((0, -1, 0), "reserved", False),
    MoveKind.PICK: ((0, -1, +1), "reserved", True),
    MoveKind.SHIP: ((-1, 0, -1), "picked", True),
    MoveKind.WRITE_OFF: ((-1, 0, 0), "available", False),
    MoveKind.ADJUST_OUT: ((-1, 0, 0), "available", False),
    MoveKind.TRANSFER_OUT: ((-1, 0, 0), "available", False),
}
BUCKET_NAMES = {"available": "可用 / available", "reserved": "已预留 / reserved", "picked": "已拣货 / picked"}
#: Kinds only `stock_transfer` writes, always as a pair: a lone transfer-in would be goods from nowhere, and
#: the pass they carry (or not) is decided by the transfer (see `stock_transfer`).
PAIRED_KINDS = frozenset({MoveKind.TRANSFER_OUT, MoveKind.TRANSFER_IN})
#: What `stock_move` and the bulk path accept.
SINGLE_KINDS = tuple(k for k in MOVES if k not in PAIRED_KINDS)


def kind_rule() -> str:
    """The field rule of a move's kind, in the words every path uses."""
    return f"must be one of: {', '.join(SINGLE_KINDS)} (transfers: POST /stock/transfers)"


def shelf_delta(kind: str, quantity: int) -> int:
    """How a move changes the units on the shelves (on hand − picked): negative for pick, write-off, adjust-out
    and transfer-out, which take put-away units off their locations when the unplaced ones do not suffice."""
    (d_on, _, d_pick), _, _ = MOVES[kind]
    return (d_on - d_pick) * quantity


def over_allowance(allowance: int, committed: int) -> Conflict:
    """The refusal of a move beyond the units that passed QC here (per-unit inspection or carried by a
    transfer)."""
    return Conflict(
        f"仅 {allowance} 件在此仓质检合格可出库 / only {allowance} units passed QC here (per-unit inspection or "
        "carried by a transfer)",
        fields={"quantity": [f"at most {max(allowance - committed, 0)} more units passed QC"]},
        code="qc_gate",
    )


def short_of(source: str, have: int) -> Conflict:
    """The refusal of a move larger than the bucket (`available`, `reserved`, `picked`) it takes from."""
    return Conflict(
        f"{BUCKET_NAMES[source]} 数量不足：{have} / not enough {source} stock: {have}",
        fields={"quantity": [f"exceeds {source} {have}"]},
        code="insufficient_stock",
    )


def gate_allowance(batch: ProductBatch, warehouse: Warehouse) -> int | None:
    """How many more units of the batch may leave through this warehouse: None = no limit (a passed per-lot
    inspection here).

    Otherwise a count: units passed by per-unit lots here, plus the passed units transfers brought in, minus
    those transfers took out, minus the units shipped from here. Raises Conflict when nothing of the batch has
    passed here (no passed lot, no certified transfer in).
    """
    lots = InspectionLot.objects.filter(batch=batch, warehouse=warehouse, status=LotStatus.PASSED)
    own = lots.exists()
    carried = StockTransfer.objects.filter(batch=batch, certified__gt=0)
    carried_in = carried.filter(to_warehouse=warehouse).aggregate(n=Sum("certified"))["n"] or 0
    if not own and not carried_in:
        raise Conflict(
            "该批次未通过质检，不能预留、拣货或发货 / the batch has not passed QC: it cannot be reserved, picked "
            "or shipped",
            fields={"batch_id": ["no passing inspection lot in this warehouse"]},
            code="qc_gate",
        )
    if own and lots.exclude(qc_mode=QcMode.PER_UNIT).exists():
        return None
    passed = lots.filter(qc_mode=QcMode.PER_UNIT).aggregate(n=Sum("passed_units"))["n"] or 0
    carried_out = carried.filter(from_warehouse=warehouse).aggregate(n=Sum("certified"))["n"] or 0
    gone = -(
        StockMove.objects.filter(batch=batch, warehouse=warehouse, kind=MoveKind.SHIP).aggregate(
            n=Sum("on_hand_delta")
        )["n"]
        or 0
    )
    return passed + carried_in - carried_out - gone


def passable_batch_ids(warehouse_id: int) -> Q:
    """A filter on ProductBatch: batches with something passed in the warehouse (a passed lot or a certified
    transfer in); `gate_allowance` still decides how many units."""
    return Q(
        pk__in=InspectionLot.objects.filter(warehouse_id=warehouse_id, status=LotStatus.PASSED).values(
            "batch_id"
        )
    ) | Q(
        pk__in=StockTransfer.objects.filter(to_warehouse_id=warehouse_id, certified__gt=0).values("batch_id")
    )


@transaction.atomic
def stock_move(
    *, actor, kind: str, batch_id: int, warehouse_id: int, quantity: int, reference: str = ""
) -> StockBalance:
    """Move stock of one batch in one warehouse; the gate, the lock and the CHECK constraints keep it sound."""
    require_right(actor, "stock", "change")
    errors = FieldErrors()
    if kind not in SINGLE_KINDS:
        errors.add("kind", kind_rule())
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        errors.add("quantity", "数量应为正整数 / must be a positive integer")
    batch = ProductBatch.objects.restrict(actor, "change").filter(pk=batch_id).first()
    if batch is None:
        errors.add("batch_id", "生产批次不存在 / unknown batch")
    warehouse = Warehouse.objects.filter(pk=warehouse_id, archived_at__isnull=True).first()
    if warehouse is None:
        errors.add("warehouse_id", "云仓不存在 / unknown warehouse")
    errors.raise_if_any()
    (d_on, d_res, d_pick), source, gated = MOVES[MoveKind(kind)]
    # Lock the balance row: concurrent moves of one batch in one warehouse queue here.
    balance, _ = StockBalance.objects.get_or_create(batch=batch, warehouse=warehouse)
    balance = StockBalance.objects.select_for_update().get(pk=balance.pk)
    if gated:
        allowance = gate_allowance(batch, warehouse)
        # Per-unit lots: what is reserved or picked already counts against the units that passed.
        committed = balance.reserved + balance.picked if kind == MoveKind.RESERVE else 0
        if allowance is not None and quantity + committed > allowance:
            raise over_allowance(allowance, committed)
    if source is not None:
        have = getattr(balance, source)
        if quantity > have:
            raise short_of(source, have)
    try:
        with transaction.atomic():
            StockBalance.objects.filter(pk=balance.pk).update(
                on_hand=F("on_hand") + d_on * quantity,
                reserved=F("reserved") + d_res * quantity,
                picked=F("picked") + d_pick * quantity,
            )
    except IntegrityError:
        # The CHECK constraints are the last word: nothing may go negative, whatever raced.
        raise Conflict("库存不足 / not enough stock", code="insufficient_stock") from None
    if kind == MoveKind.RECEIVE and balance.received_at is None:
        StockBalance.objects.filter(pk=balance.pk).update(received_at=timezone.now())
    StockMove.objects.create(
        kind=kind,
        batch=batch,
        warehouse=warehouse,
        on_hand_delta=d_on * quantity,
        reserved_delta=d_res * quantity,
        picked_delta=d_pick * quantity,
        reference=reference[:64],
        actor=actor if actor.pk else None,
    )
    shelf = shelf_delta(kind, quantity)
    if shelf < 0:
        _take_off_shelves(balance, -shelf, kind, reference, actor)
    balance.refresh_from_db()
    return balance


def ledger_totals(batch_id: int, warehouse_id: int) -> tuple[int, int, int]:
    """On hand, reserved and picked recomputed from the ledger alone (they must equal the balance row)."""
    agg = StockMove.objects.filter(batch_id=batch_id, warehouse_id=warehouse_id).aggregate(
        on=Sum("on_hand_delta"), res=Sum("reserved_delta"), pick=Sum("picked_delta")
    )
    return agg["on"] or 0, agg["res"] or 0, agg["pick"] or 0


# --- locations and put-away --------------------------------------------------------------------------------

LOCATION_CODE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
#: The order shelf stock is taken in when a move takes units that are not on the "not yet put away" floor:
#: pick faces (storage) first, then the receiving area, quarantine last; by code within a kind.
SHELF_ORDER = {LocationKind.STORAGE: 0, LocationKind.RECEIVING: 1, LocationKind.QUARANTINE: 2}


@transaction.atomic
def location_create(*, actor, data: dict[str, Any]) -> Location:
    """Add a location (`A-01-02`) to a warehouse (park admin); the code is unique per warehouse."""
    require_right(actor, "warehouse", "change")
    errors = FieldErrors()
    warehouse = Warehouse.objects.filter(pk=data.get("warehouse_id"), archived_at__isnull=True).first()
    if warehouse is None:
        errors.add("warehouse_id", "云仓不存在 / unknown warehouse")
    code = required_text(errors, "code", data.get("code"), 24).upper()
    if code and not LOCATION_CODE.match(code):
        errors.add(
            "code", "库位编码只含字母、数字和连字符，如 A-01-02 / letters, digits and hyphens, e.g. A-01-02"
        )
    elif code and warehouse and Location.objects.filter(warehouse=warehouse, code=code).exists():
        errors.add("code", "该仓库已有此库位编码 / this warehouse already has this location code")
    kind = data.get("kind") or LocationKind.STORAGE
    choice(errors, "kind", kind, LocationKind)
    errors.raise_if_any()
    location = Location(
        warehouse=warehouse, code=code, kind=kind, active=data.get("active", True) is not False
    )
    try:
        with transaction.atomic():
            save_audited(actor=actor, obj=location, before=None, group=GROUP)
    except IntegrityError:  # a concurrent create of the same code
        raise Invalid.field(
            "code", "该仓库已有此库位编码 / this warehouse already has this location code", "unique"
        ) from None
    return location


@transaction.atomic
def location_update(*, actor, pk: int, data: dict[str, Any]) -> Location:
    """Change a location's kind or switch it off (only when it holds nothing)."""
    location = scoped_for_update(Location, actor, pk, "change")
    errors = FieldErrors()
    fields: dict[str, Any] = {}
    if data.get("kind") is not None:
        choice(errors, "kind", data["kind"], LocationKind)
        fields["kind"] = data["kind"]
    if data.get("active") is not None:
        if not isinstance(data["active"], bool):
            errors.add("active", "应为 true/false / must be true or false")
        fields["active"] = data["active"]
    errors.raise_if_any()
    if (
        fields.get("active") is False
        and LocationStock.objects.filter(location=location, quantity__gt=0).exists()
    ):
        raise Conflict(
            "库位上仍有库存，不能停用 / the location still holds stock: move it first",
            fields={"active": ["location holds stock"]},
            code="location_not_empty",
        )
    before = apply(location, fields)
    save_audited(actor=actor, obj=location, before=before, group=GROUP)
    return location


def _shelves(batch_id: int, warehouse_id: int) -> list[tuple[int, int, int]]:
    """(LocationStock pk, location id, quantity) of a batch in a warehouse holding anything, in SHELF_ORDER."""
    rows = LocationStock.objects.filter(
        batch_id=batch_id, location__warehouse_id=warehouse_id, quantity__gt=0
    ).values_list("pk", "location_id", "location__kind", "location__code", "quantity")
    ordered = sorted(rows, key=lambda r: (SHELF_ORDER.get(r[2], 9), r[3]))
    return [(pk, loc, q) for pk, loc, _, _, q in ordered]


def shelf_plan(shelves: list[tuple[int, int, int]], unplaced: int, units: int) -> list[tuple[int, int, int]]:
    """Which located units a move of `units` off the shelves takes: the unplaced ones first, then `shelves` in
    order; returns (LocationStock pk, location id, units taken)."""
    take = units - max(unplaced, 0)
    out = []
    for pk, loc, q in shelves:
        if take <= 0:
            break
        if q <= 0:  # emptied earlier in a bulk replay
            continue
        n = min(q, take)
        out.append((pk, loc, n))
        take -= n
    return out


def _take_off_shelves(balance: StockBalance, units: int, kind: str, reference: str, actor) -> None:
    """After a move took `units` off the shelf stock of `balance` (as it was before the move, locked), keep the
    located units within on hand − picked: take what the unplaced units do not cover from the locations."""
    shelves = _shelves(balance.batch_id, balance.warehouse_id)
    if not shelves:
        return
    unplaced = balance.on_hand - balance.picked - sum(q for _, _, q in shelves)
    for pk, loc, n in shelf_plan(shelves, unplaced, units):
        LocationStock.objects.filter(pk=pk).update(quantity=F("quantity") - n)
        StockMove.objects.create(
            kind=kind,
            batch_id=balance.batch_id,
            warehouse_id=balance.warehouse_id,
            location_id=loc,
            location_delta=-n,
            reference=reference[:64],
            actor=actor if actor.pk else None,
        )


def _put_away(
    balance: StockBalance, to: Location, quantity: int, src: Location | None, reference: str, actor
):
    """Move units of a locked balance onto `to`, from `src` or from the unplaced ones; one ledger line per
    location touched."""
    shelves = _shelves(balance.batch_id, balance.warehouse_id)
    if src is None:
        have = balance.on_hand - balance.picked - sum(q for _, _, q in shelves)
        name = "待上架 / not yet put away"
    else:
        have = next((q for _, loc, q in shelves if loc == src.pk), 0)
        name = f"库位 {src.code} / on location {src.code}"
    if quantity > have:
        raise Conflict(
            f"{name} 数量不足：{have} / not enough stock {name.split(' / ')[1]}: {have}",
            fields={"quantity": [f"exceeds {have}"]},
            code="insufficient_stock",
        )
    user = actor if actor.pk else None
    for loc, delta in ((src, -quantity), (to, quantity)):
        if loc is None:
            continue
        row, _ = LocationStock.objects.get_or_create(location=loc, batch_id=balance.batch_id)
        LocationStock.objects.filter(pk=row.pk).update(quantity=F("quantity") + delta)
        StockMove.objects.create(
            kind=MoveKind.PUT_AWAY,
            batch_id=balance.batch_id,
            warehouse_id=balance.warehouse_id,
            location=loc,
            location_delta=delta,
            reference=reference[:64],
            actor=user,
        )


@transaction.atomic
def stock_put_away(
    *,
    actor,
    batch_id: int,
    location_id: int,
    quantity: int,
    from_location_id: int | None = None,
    reference: str = "",
) -> StockBalance:
    """Put units of a batch away onto a location of its warehouse: from the units not yet put away, or from
    another location of the same warehouse. On hand does not change; the ledger records the location moves."""
    require_right(actor, "stock", "change")
    errors = FieldErrors()
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        errors.add("quantity", "数量应为正整数 / must be a positive integer")
    batch = ProductBatch.objects.restrict(actor, "change").filter(pk=batch_id).first()
    if batch is None:
        errors.add("batch_id", "生产批次不存在 / unknown batch")
    to = (
        Location.objects.select_related("warehouse")
        .filter(pk=location_id, active=True, warehouse__archived_at__isnull=True)
        .first()
    )
    if to is None:
        errors.add("location_id", "库位不存在或已停用 / unknown or inactive location")
    src = None
    if from_location_id is not None:
        src = Location.objects.filter(pk=from_location_id).first()
        if src is None or (to is not None and src.warehouse_id != to.warehouse_id):
            errors.add("from_location_id", "须为同一云仓的库位 / must be a location of the same warehouse")
        elif to is not None and src.pk == to.pk:
            errors.add("from_location_id", "与目标库位相同 / same as location_id")
    errors.raise_if_any()
    balance = (
        StockBalance.objects.select_for_update().filter(batch=batch, warehouse_id=to.warehouse_id).first()
    )
    if balance is None:
        raise short_of("available", 0)
    _put_away(balance, to, quantity, src, reference, actor)
    counting.bump(GROUP)
    return balance


def location_totals(location_id: int, batch_id: int) -> int:
    """The quantity of a batch on a location recomputed from the ledger alone (it must equal LocationStock)."""
    return (
        StockMove.objects.filter(location_id=location_id, batch_id=batch_id).aggregate(
            n=Sum("location_delta")
        )["n"]
        or 0
    )


# --- transfers between warehouses --------------------------------------------------------------------------


@transaction.atomic
def stock_transfer(
    *,
    actor,
    batch_id: int,
    from_warehouse_id: int,
    to_warehouse_id: int,
    quantity: int,
    to_location_id: int | None = None,
    reference: str = "",
) -> StockTransfer:
    """Move available units of a batch from one warehouse to another: transfer-out and transfer-in in one
    transaction, both balance rows locked (in primary-key order, as every writer locks).

    The QC pass travels with the goods, never more of it: the units carry the sending warehouse's pass as far
    as it reaches (all of them after a passed per-lot inspection there; otherwise as many as its gate
    allowance has free), and that many leave its allowance and join the receiving one's. Units without a pass
    arrive without one — and are refused where the batch passed a per-lot inspection, whose "no limit" would
    otherwise pass them unseen.
    """
    require_right(actor, "stock", "change")
    errors = FieldErrors()
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        errors.add("quantity", "数量应为正整数 / must be a positive integer")
    batch = ProductBatch.objects.restrict(actor, "change").filter(pk=batch_id).first()
    if batch is None:
        errors.add("batch_id", "生产批次不存在 / unknown batch")
    live = Warehouse.objects.filter(archived_at__isnull=True)
    src = live.filter(pk=from_warehouse_id).first()
    if src is None:
        errors.add("from_warehouse_id", "云仓不存在 / unknown warehouse")
    dst = live.filter(pk=to_warehouse_id).first()
    if dst is None:
        errors.add("to_warehouse_id", "云仓不存在 / unknown warehouse")
    elif src is not None and src.pk == dst.pk:
        errors.add("to_warehouse_id", "调入仓须不同于调出仓 / must differ from from_warehouse_id")
    to_location = None
    if to_location_id is not None:
        to_location = Location.objects.filter(pk=to_location_id, active=True).first()
        if to_location is None or (dst is not None and to_location.warehouse_id != dst.pk):
            errors.add(
                "to_location_id", "须为调入仓的启用库位 / must be an active location of to_warehouse_id"
            )
    errors.raise_if_any()
    pks = [StockBalance.objects.get_or_create(batch=batch, warehouse=w)[0].pk for w in (src, dst)]
    locked = {
        b.warehouse_id: b for b in StockBalance.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    }
    out, into = locked[src.pk], locked[dst.pk]
    if quantity > out.available:
        raise short_of("available", out.available)
    try:
        allowance = gate_allowance(batch, src)
    except Conflict:
        allowance = 0
    certified = (
        quantity if allowance is None else max(0, min(quantity, allowance - out.reserved - out.picked))
    )
    if certified < quantity:
        try:
            receiving = gate_allowance(batch, dst)
        except Conflict:
            receiving = 0
        if receiving is None:
            raise Conflict(
                f"{quantity - certified} 件未在 {src.code} 质检合格，不能并入 {dst.code} 已合格的库存，须先检验 / "
                f"{quantity - certified} units have not passed QC in {src.code}: they cannot join the passed "
                f"stock of {dst.code}",
                fields={"quantity": [f"at most {certified} units carry a QC pass"]},
                code="qc_gate",
            )
    transfer = StockTransfer.objects.create(
        batch=batch,
        from_warehouse=src,
        to_warehouse=dst,
        quantity=quantity,
        certified=certified,
        reference=reference.strip()[:64],
        actor=actor if actor.pk else None,
    )
    ref = f"{transfer} {reference.strip()}".strip()[:64]
    received = [d for d in (into.received_at, out.received_at) if d is not None]
    try:
        with transaction.atomic():
            StockBalance.objects.filter(pk=out.pk).update(on_hand=F("on_hand") - quantity)
            # The goods keep their age: the receiving row's first receipt is the older of the two.
            StockBalance.objects.filter(pk=into.pk).update(
                on_hand=F("on_hand") + quantity, received_at=min(received) if received else None
            )
    except IntegrityError:
        raise Conflict("库存不足 / not enough stock", code="insufficient_stock") from None
    user = actor if actor.pk else None
    for wh, sign, kind in ((src, -1, MoveKind.TRANSFER_OUT), (dst, +1, MoveKind.TRANSFER_IN)):
        StockMove.objects.create(
            kind=kind, batch=batch, warehouse=wh, on_hand_delta=sign * quantity, reference=ref, actor=user
        )
    _take_off_shelves(out, quantity, MoveKind.TRANSFER_OUT, ref, actor)
    if to_location is not None:
        into.refresh_from_db()
        _put_away(into, to_location, quantity, None, ref, actor)
    audit.record_create(actor=actor, obj=transfer)
    counting.bump(GROUP)
    return transfer
