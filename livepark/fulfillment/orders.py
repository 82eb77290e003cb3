"""Orders, allocation from QC-passed stock, shipments with tracking, returns and refunds."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from livepark.catalog.models import SKU, ProductBatch
from livepark.core import audit, counting, crypto
from livepark.core.errors import Conflict, FieldErrors, Invalid, NotFound
from livepark.core.models import AuditLog
from livepark.core.roles import Role
from livepark.core.scoping import require_right
from livepark.core.servicekit import choice, required_text, save_audited, scoped_for_update
from livepark.core.validators import clean_phone
from livepark.fulfillment.models import (
    Allocation,
    Carrier,
    Order,
    OrderLine,
    OrderStatus,
    Return,
    ReturnReason,
    Shipment,
    StockBalance,
    TrackingEvent,
    Warehouse,
)
from livepark.fulfillment.services import GROUP, gate_allowance, passable_batch_ids, stock_move
from livepark.registry.choices import Platform
from livepark.registry.selectors import enterprise_exists


def _int(errors: FieldErrors, name: str, value, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        errors.add(name, f"应为不小于 {minimum} 的整数（分）/ must be an integer ≥ {minimum} (fen)")
        return 0
    return value


def clean_order(actor, data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """Validate an order and its lines; returns (order fields, lines, clear consignee JSON)."""
    errors = FieldErrors()
    platform = data.get("platform")
    choice(errors, "platform", platform, Platform)
    order_no = required_text(errors, "order_no", data.get("order_no"), 40)
    shop_id = data.get("shop_id")
    if actor.role in (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF):
        if shop_id not in (None, actor.enterprise_id):
            errors.add("shop_id", "只能录入本企业店铺的订单 / only your own shop's orders")
        shop_id = actor.enterprise_id
    if not shop_id or not enterprise_exists(shop_id):
        errors.add("shop_id", "店铺企业不存在 / unknown shop enterprise")
    lines_in = data.get("lines") or []
    if not isinstance(lines_in, list) or not lines_in:
        errors.add("lines", "订单至少一行 / an order needs at least one line")
        lines_in = []
    lines, goods = [], 0
    skus = {
        s.pk: s
        for s in SKU.objects.filter(pk__in=[ln.get("sku_id") for ln in lines_in if isinstance(ln, dict)])
    }
    for i, ln in enumerate(lines_in):
        sku = skus.get(ln.get("sku_id")) if isinstance(ln, dict) else None
        if sku is None:
            errors.add(f"lines[{i}].sku_id", "SKU 不存在 / unknown SKU")
            continue
        qty = _int(errors, f"lines[{i}].quantity", ln.get("quantity"), minimum=1)
        price = _int(errors, f"lines[{i}].price_fen", ln.get("price_fen"))
        goods += qty * price
        lines.append({"sku": sku, "quantity": qty, "price_fen": price})
    freight = _int(errors, "freight_fen", data.get("freight_fen", 0))
    discount = _int(errors, "discount_fen", data.get("discount_fen", 0))
    paid = _int(errors, "paid_fen", data.get("paid_fen"))
    if not errors.fields and paid != goods + freight - discount:
        errors.add(
            "paid_fen",
            f"实付应为 商品 {goods} + 运费 {freight} − 优惠 {discount} = {goods + freight - discount}",
        )
    paid_at = data.get("paid_at")
    if not isinstance(paid_at, dt.datetime) or timezone.is_naive(paid_at):
        errors.add("paid_at", "须为带时区的时间 / an ISO 8601 date-time with offset is required")
    consignee = data.get("consignee") or {}
    name = required_text(errors, "consignee.name", consignee.get("name"), 40)
    phone = errors.check("consignee.phone", clean_phone, consignee.get("phone") or "")
    address = required_text(errors, "consignee.address", consignee.get("address"), 200)
    errors.raise_if_any()
    clear = json.dumps({"name": name, "phone": phone, "address": address}, ensure_ascii=False)
    fields = {
        "platform": platform,
        "order_no": order_no,
        "shop_id": shop_id,
        "anchor_id": data.get("anchor_id"),
        "session_ref": (data.get("session_ref") or "")[:40],
        "goods_fen": goods,
        "freight_fen": freight,
        "discount_fen": discount,
        "paid_fen": paid,
        "paid_at": paid_at,
        "consignee_enc": crypto.encrypt(clear),
        "consignee_masked": f"{name[:1]}** {crypto.mask_phone(phone)}",
        "buyer_hash": crypto.blind_index(str(data.get("buyer_id") or phone)),
    }
    return fields, lines, clear


def _instant(value):
    """An aware datetime as UTC (compared as instants); anything else unchanged."""
    return value.astimezone(dt.UTC) if isinstance(value, dt.datetime) and value.tzinfo else value


def same_order(order: Order, fields: dict[str, Any], lines: list[dict[str, Any]]) -> bool:
    """Whether a stored order already says what `fields`/`lines` say (a re-import changes nothing)."""
    keys = ("shop_id", "goods_fen", "freight_fen", "discount_fen", "paid_fen", "paid_at")
    stored = [(ln.sku_id, ln.quantity, ln.price_fen) for ln in order.lines.all()]
    # Instants, not wall times: `==` between aware datetimes of different zones is False for a time in a DST
    # gap or fold (PEP 495), which would report a re-imported order as a conflict.
    same = all(
        _instant(getattr(order, k)) == _instant(fields[k])
        if k == "paid_at"
        else getattr(order, k) == fields[k]
        for k in keys
    )
    return same and stored == [(ln["sku"].pk, ln["quantity"], ln["price_fen"]) for ln in lines]


@transaction.atomic
def order_create(*, actor, data: dict[str, Any]) -> tuple[Order, bool]:
    """Record a paid platform order; the same order again is a no-op (returns created=False)."""
    require_right(actor, "order", "create")
    fields, lines, _ = clean_order(actor, data)
    existing = Order.objects.filter(platform=fields["platform"], order_no=fields["order_no"]).first()
    if existing is not None:
        if existing.shop_id == fields["shop_id"] and same_order(existing, fields, lines):
            return existing, False
        raise Conflict(
            "该平台订单号已存在且内容不同 / this platform order number exists with different content",
            fields={"order_no": ["already recorded with different content"]},
            code="order_conflict",
        )
    order = Order(**fields)
    try:
        with transaction.atomic():
            save_audited(actor=actor, obj=order, before=None, group=GROUP)
    except IntegrityError:
        raise Conflict("订单号重复 / duplicate order number", code="order_conflict") from None
    OrderLine.objects.bulk_create([OrderLine(order=order, **ln) for ln in lines])
    return order, True


def _passing_batches(sku: SKU, warehouse: Warehouse) -> list[ProductBatch]:
    """Batches of the SKU with a pass in the warehouse (a passing lot, or passed units a transfer brought),
    oldest production first (FIFO)."""
    return list(
        ProductBatch.objects.filter(passable_batch_ids(warehouse.pk), sku=sku).order_by(
            "production_date", "pk"
        )
    )


@transaction.atomic
def order_allocate(*, actor, pk: int, warehouse_id: int) -> Order:
    """Reserve every line from QC-passed stock of one warehouse (FIFO by production date); all or nothing."""
    order = scoped_for_update(Order, actor, pk)
    if order.status != OrderStatus.PAID:
        raise Conflict(
            f"订单状态为 {order.status}，不能配货 / cannot allocate an order that is {order.status}"
        )
    warehouse = Warehouse.objects.filter(pk=warehouse_id, archived_at__isnull=True).first()
    if warehouse is None:
        raise Invalid.field("warehouse_id", "云仓不存在 / unknown warehouse")
    for line in order.lines.select_related("sku"):
        need = line.quantity
        for batch in _passing_batches(line.sku, warehouse):
            bal = StockBalance.objects.filter(batch=batch, warehouse=warehouse).first()
            free = bal.available if bal else 0
            try:
                allowance = gate_allowance(batch, warehouse)
            except Conflict:
                allowance = 0
            if allowance is not None and bal is not None:
                # Counted passes (per-unit lots, units a transfer brought): take no more than are free.
                free = min(free, allowance - bal.reserved - bal.picked)
            take = min(need, free)
            if take <= 0:
                continue
            stock_move(
                actor=actor,
                kind="reserve",
                batch_id=batch.pk,
                warehouse_id=warehouse.pk,
                quantity=take,
                reference=str(order),
            )
            Allocation.objects.create(line=line, batch=batch, warehouse=warehouse, quantity=take)
            need -= take
            if need == 0:
                break
        if need:
            # Raising rolls back every reservation made above: an order is allocated whole or not at all.
            raise Conflict(
                f"SKU {line.sku.barcode} 质检合格的可用库存不足（缺 {need}）/ not enough QC-passed stock",
                fields={"lines": [f"sku {line.sku_id}: {need} short"]},
                code="insufficient_stock",
            )
    _set_status(actor, order, OrderStatus.ALLOCATED, warehouse=warehouse)
    return order


def _set_status(actor, order: Order, status: str, **extra) -> None:
    before = audit.snapshot(order)
    order.status = status
    for k, v in extra.items():
        setattr(order, k, v)
    save_audited(actor=actor, obj=order, before=before, group=GROUP)


def _allocations(order: Order, state: str):
    return Allocation.objects.filter(line__order=order, state=state).select_related("batch")


@transaction.atomic
def order_pick(*, actor, pk: int) -> Order:
    """Pick every reserved unit of an allocated order."""
    order = scoped_for_update(Order, actor, pk)
    if order.status != OrderStatus.ALLOCATED:
        raise Conflict(f"订单状态为 {order.status}，不能拣货 / cannot pick an order that is {order.status}")
    for a in _allocations(order, "reserved"):
        stock_move(
            actor=actor,
            kind="pick",
            batch_id=a.batch_id,
            warehouse_id=a.warehouse_id,
            quantity=a.quantity,
            reference=str(order),
        )
        Allocation.objects.filter(pk=a.pk).update(state="picked")
    _set_status(actor, order, OrderStatus.PICKED)
    return order


@transaction.atomic
def shipment_create(*, actor, pk: int, carrier: str, waybill_no: str) -> Shipment:
    """Ship a picked order under a waybill (unique per carrier)."""
    order = scoped_for_update(Order, actor, pk)
    errors = FieldErrors()
    choice(errors, "carrier", carrier, Carrier)
    waybill_no = required_text(errors, "waybill_no", waybill_no, 40)
    if waybill_no and Shipment.objects.filter(carrier=carrier, waybill_no=waybill_no).exists():
        errors.add("waybill_no", "该承运商的运单号已被使用 / this carrier's waybill number is already used")
    errors.raise_if_any()
    if order.status != OrderStatus.PICKED:
        raise Conflict(f"订单状态为 {order.status}，不能发货 / cannot ship an order that is {order.status}")
    for a in _allocations(order, "picked"):
        stock_move(
            actor=actor,
            kind="ship",
            batch_id=a.batch_id,
            warehouse_id=a.warehouse_id,
            quantity=a.quantity,
            reference=f"{carrier}:{waybill_no}",
        )
        Allocation.objects.filter(pk=a.pk).update(state="shipped")
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(order=order, carrier=carrier, waybill_no=waybill_no)
    except IntegrityError:
        raise Invalid.field(
            "waybill_no", "该承运商的运单号已被使用 / waybill already used", "unique"
        ) from None
    audit.record_create(actor=actor, obj=shipment)
    _set_status(actor, order, OrderStatus.SHIPPED)
    return shipment


@transaction.atomic
def tracking_add(
    *, actor, shipment_id: int, at: dt.datetime, status: str, location: str = ""
) -> TrackingEvent:
    """Add a tracking event (idempotent per time and status); `delivered` closes the order."""
    shipment = Shipment.objects.select_related("order").filter(pk=shipment_id).first()
    if shipment is None or not Order.objects.restrict(actor, "change").filter(pk=shipment.order_id).exists():
        raise NotFound(f"运单 {shipment_id} 不存在 / not found")
    event, _ = TrackingEvent.objects.get_or_create(
        shipment=shipment, at=at, status=status[:32], defaults={"location": location[:64]}
    )
    if status == "delivered" and shipment.delivered_at is None:
        Shipment.objects.filter(pk=shipment.pk).update(delivered_at=at)
        _set_status(actor, shipment.order, OrderStatus.DELIVERED)
    counting.bump(GROUP)
    return event


@transaction.atomic
def return_receive(
    *, actor, line_id: int, quantity: int, good_quantity: int, reason: str, refund_fen: int
) -> Return:
    """Receive returned units of a shipped line: all come back on hand, the damaged ones are written off, and
    the refund is recorded against the order."""
    line = OrderLine.objects.select_related("order").filter(pk=line_id).first()
    if line is None:
        raise NotFound(f"订单行 {line_id} 不存在 / not found")
    order = scoped_for_update(Order, actor, line.order_id)
    errors = FieldErrors()
    choice(errors, "reason", reason, ReturnReason)
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 0 < quantity <= line.quantity - line.returned
    ):
        errors.add(
            "quantity",
            f"退货数量应为 1 到 {line.quantity - line.returned} / must be 1..{line.quantity - line.returned}",
        )
    if (
        isinstance(good_quantity, bool)
        or not isinstance(good_quantity, int)
        or not 0 <= good_quantity <= (quantity or 0)
    ):
        errors.add("good_quantity", "完好数量应在 0 到退货数量之间 / must be between 0 and quantity")
    if (
        isinstance(refund_fen, bool)
        or not isinstance(refund_fen, int)
        or not 0 <= refund_fen <= order.paid_fen - order.refunded_fen
    ):
        errors.add(
            "refund_fen", f"退款应在 0 到 {order.paid_fen - order.refunded_fen} 分之间 / refund out of range"
        )
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        errors.add("line_id", "订单尚未发货 / the order has not shipped")
    errors.raise_if_any()
    shipped = list(Allocation.objects.filter(line=line, state="shipped").order_by("-pk"))
    alloc = shipped[0]  # returned units go back to the batch and warehouse they left from
    ref = f"RMA {order}"
    stock_move(
        actor=actor,
        kind="return",
        batch_id=alloc.batch_id,
        warehouse_id=alloc.warehouse_id,
        quantity=quantity,
        reference=ref,
    )
    if quantity - good_quantity:
        stock_move(
            actor=actor,
            kind="write_off",
            batch_id=alloc.batch_id,
            warehouse_id=alloc.warehouse_id,
            quantity=quantity - good_quantity,
            reference=ref,
        )
    ret = Return.objects.create(
        line=line, quantity=quantity, good_quantity=good_quantity, reason=reason, refund_fen=refund_fen
    )
    OrderLine.objects.filter(pk=line.pk).update(returned=F("returned") + quantity)
    before = audit.snapshot(order)
    order.refunded_fen += refund_fen
    save_audited(actor=actor, obj=order, before=before, group=GROUP)
    audit.record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=ret,
        changes={
            "quantity": [None, quantity],
            "good_quantity": [None, good_quantity],
            "reason": [None, reason],
        },
    )
    return ret


def consignee(order: Order) -> dict[str, str]:
    """The consignee in clear, for printing a waybill label only (never shown on a page)."""
    return json.loads(crypto.decrypt(order.consignee_enc))
