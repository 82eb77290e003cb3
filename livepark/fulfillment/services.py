"""QC inspection lots, the switching rules, and the stock ledger with its gate.

The gate: stock of a batch can be reserved, picked or shipped only when the batch has a passing inspection lot
in that warehouse (for per-unit categories such as jewellery, only as many units as passed). Every path — API,
pages, admin, imports — moves stock through `stock_move`, which checks the gate under the balance row's lock.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from livepark.catalog.models import ProductBatch, QcMode
from livepark.core import audit
from livepark.core.errors import Conflict, FieldErrors, Invalid
from livepark.core.models import AuditLog
from livepark.core.scoping import require_right
from livepark.core.servicekit import required_text, save_audited, scoped_for_update
from livepark.engines.sampling import LotResult, SwitchingState, next_state, plan
from livepark.fulfillment.models import (
    InspectionLot,
    LotStatus,
    MoveKind,
    StockBalance,
    StockMove,
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


def over_allowance(allowance: int, committed: int) -> Conflict:
    """The refusal of a move beyond the units that passed per-unit inspection."""
    return Conflict(
        f"仅 {allowance} 件通过逐件检验 / only {allowance} units passed per-unit inspection",
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
    """How many more units of the batch may leave through this warehouse: None = no limit (a passed lot).

    Raises Conflict when no lot of the batch has passed here.
    """
    lots = InspectionLot.objects.filter(batch=batch, warehouse=warehouse, status=LotStatus.PASSED)
    if not lots.exists():
        raise Conflict(
            "该批次未通过质检，不能预留、拣货或发货 / the batch has not passed QC: it cannot be reserved, picked "
            "or shipped",
            fields={"batch_id": ["no passing inspection lot in this warehouse"]},
            code="qc_gate",
        )
    per_unit = lots.filter(qc_mode=QcMode.PER_UNIT)
    if not per_unit.exists():
        return None
    passed = per_unit.aggregate(n=Sum("passed_units"))["n"] or 0
    gone = -(
        StockMove.objects.filter(batch=batch, warehouse=warehouse, kind=MoveKind.SHIP).aggregate(
            n=Sum("on_hand_delta")
        )["n"]
        or 0
    )
    return passed - gone


@transaction.atomic
def stock_move(
    *, actor, kind: str, batch_id: int, warehouse_id: int, quantity: int, reference: str = ""
) -> StockBalance:
    """Move stock of one batch in one warehouse; the gate, the lock and the CHECK constraints keep it sound."""
    require_right(actor, "stock", "change")
    errors = FieldErrors()
    if kind not in MOVES:
        errors.add("kind", f"must be one of: {', '.join(MOVES)}")
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
    balance.refresh_from_db()
    return balance


def ledger_totals(batch_id: int, warehouse_id: int) -> tuple[int, int, int]:
    """On hand, reserved and picked recomputed from the ledger alone (they must equal the balance row)."""
    agg = StockMove.objects.filter(batch_id=batch_id, warehouse_id=warehouse_id).aggregate(
        on=Sum("on_hand_delta"), res=Sum("reserved_delta"), pick=Sum("picked_delta")
    )
    return agg["on"] or 0, agg["res"] or 0, agg["pick"] or 0
