"""Reads of QC and stock, scoped to the user."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from livepark.core.scoping import get_scoped, require_right
from livepark.fulfillment.models import InspectionLot, Order, Shipment, StockBalance, StockMove, Warehouse


def warehouse_list(user) -> QuerySet[Warehouse]:
    """Live warehouses."""
    require_right(user, "warehouse", "view")
    return Warehouse.objects.restrict(user, "view").filter(archived_at__isnull=True)


def lot_list(user, *, status: str | None = None, warehouse_id: int | None = None) -> QuerySet[InspectionLot]:
    """Inspection lots, newest first: the QC queue when `status="pending"`."""
    require_right(user, "lot", "view")
    qs = InspectionLot.objects.restrict(user, "view").select_related("batch__sku__product", "warehouse")
    if status:
        qs = qs.filter(status=status)
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    return qs


def lot_get(user, pk: int, action: str = "view") -> InspectionLot:
    """One inspection lot in the user's scope."""
    return get_scoped(InspectionLot, user, pk, action)


def stock_list(
    user, *, warehouse_id: int | None = None, sku_id: int | None = None, batch_id: int | None = None
) -> QuerySet[StockBalance]:
    """Balances per batch × warehouse the user may see."""
    require_right(user, "stock", "view")
    qs = StockBalance.objects.restrict(user, "view").select_related("batch__sku__product", "warehouse")
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    if sku_id:
        qs = qs.filter(batch__sku_id=sku_id)
    if batch_id:
        qs = qs.filter(batch_id=batch_id)
    return qs.order_by("warehouse__code", "batch_id")


def stock_moves(user, *, batch_id: int, warehouse_id: int) -> QuerySet[StockMove]:
    """The ledger of one batch in one warehouse (visible when its balance is)."""
    visible = stock_list(user, batch_id=batch_id, warehouse_id=warehouse_id).exists()
    return (
        StockMove.objects.filter(batch_id=batch_id, warehouse_id=warehouse_id)
        if visible
        else StockMove.objects.none()
    )


def order_list(
    user, *, q: str | None = None, status: str | None = None, platform: str | None = None
) -> QuerySet[Order]:
    """Orders the user may see (a shop its own), newest first; `q` is an order number."""
    require_right(user, "order", "view")
    qs = Order.objects.restrict(user, "view").filter(archived_at__isnull=True)
    if q:
        qs = qs.filter(order_no__icontains=q.strip())
    if status:
        qs = qs.filter(status=status)
    if platform:
        qs = qs.filter(platform=platform)
    return qs


def order_get(user, pk: int, action: str = "view") -> Order:
    """One order in scope."""
    return get_scoped(Order, user, pk, action)


def shipment_list(user, *, q: str | None = None, carrier: str | None = None) -> QuerySet[Shipment]:
    """Shipments of the orders the user may see; `q` is a waybill or order number."""
    require_right(user, "order", "view")
    qs = Shipment.objects.filter(order__in=Order.objects.restrict(user, "view")).select_related("order")
    if q:
        qs = qs.filter(Q(waybill_no__icontains=q) | Q(order__order_no__icontains=q))
    if carrier:
        qs = qs.filter(carrier=carrier)
    return qs


def stock_overview(user, *, warehouse_id: int | None = None, q: str | None = None):
    """Balances with value at cost and age in days, for the stock page (largest value first)."""
    qs = stock_list(user, warehouse_id=warehouse_id).select_related("batch__sku__product", "warehouse")
    if q:
        qs = qs.filter(
            Q(batch__sku__barcode=q) | Q(batch__sku__product__name__icontains=q) | Q(batch__batch_no=q)
        )
    return qs.annotate(value_fen=F("on_hand") * F("batch__sku__cost_fen")).order_by("-value_fen", "pk")


def supplier_pass_rates(user, *, period: str = "month", supplier_id: int | None = None) -> list[dict]:
    """QC pass rate per supplier and period (`month` or `week`, Asia/Shanghai) over decided lots."""
    trunc = {"month": TruncMonth, "week": TruncWeek}[period]
    qs = lot_list(user).exclude(status="pending").filter(decided_at__isnull=False)
    if supplier_id:
        qs = qs.filter(batch__sku__product__supplier_id=supplier_id)
    rows = (
        qs.annotate(period=trunc("decided_at", tzinfo=timezone.get_current_timezone()))
        .values("period", "batch__sku__product__supplier_id", "batch__sku__product__supplier__name")
        .annotate(lots=Count("id"), passed=Count("id", filter=Q(status="passed")))
        .order_by("-period", "batch__sku__product__supplier__name")
    )
    return [
        {
            "period": r["period"].date().isoformat(),
            "supplier_id": r["batch__sku__product__supplier_id"],
            "supplier": r["batch__sku__product__supplier__name"],
            "lots": r["lots"],
            "passed": r["passed"],
            "pass_rate": round(r["passed"] / r["lots"], 4),
        }
        for r in rows
    ]
