"""Reads of QC and stock, scoped to the user."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.utils import timezone

from livepark.catalog.models import ProductBatch
from livepark.core.scoping import get_scoped, require_right
from livepark.fulfillment.models import (
    InspectionLot,
    Location,
    LocationStock,
    Order,
    Shipment,
    StockBalance,
    StockMove,
    StockTransfer,
    Warehouse,
)

#: Age bands of the stock page and `/stock/valuation` (days since the first receipt).
AGE_BANDS = (("0-30", 0, 30), ("31-90", 31, 90), ("91-180", 91, 180), ("181+", 181, None))


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
    located = (
        LocationStock.objects.filter(
            batch_id=OuterRef("batch_id"), location__warehouse_id=OuterRef("warehouse_id")
        )
        .values("batch_id")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    qs = (
        StockBalance.objects.restrict(user, "view")
        .select_related("batch__sku__product", "warehouse")
        .annotate(located=Coalesce(Subquery(located), 0))
    )
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    if sku_id:
        qs = qs.filter(batch__sku_id=sku_id)
    if batch_id:
        qs = qs.filter(batch_id=batch_id)
    return qs.order_by("warehouse__code", "batch_id")


def age_days(received_at: dt.datetime | None, now: dt.datetime | None = None) -> int | None:
    """Whole days since the first receipt (None when never received)."""
    if received_at is None:
        return None
    return max(((now or timezone.now()) - received_at).days, 0)


def stock_valuation(user, *, warehouse_id: int | None = None) -> list[dict]:
    """Per warehouse: units on hand, their value at cost (fen) and the units per age band."""
    now = timezone.now()
    out: dict[int, dict] = {}
    rows = (
        stock_list(user, warehouse_id=warehouse_id)
        .filter(on_hand__gt=0)
        .values_list(
            "warehouse_id",
            "warehouse__code",
            "warehouse__name",
            "on_hand",
            "batch__sku__cost_fen",
            "received_at",
        )
    )
    for wid, code, name, on_hand, cost, received in rows:
        row = out.setdefault(
            wid,
            {
                "warehouse_id": wid,
                "warehouse": f"{code} {name}",
                "on_hand": 0,
                "value_fen": 0,
                "age": {band: 0 for band, _, _ in AGE_BANDS} | {"unknown": 0},
            },
        )
        row["on_hand"] += on_hand
        row["value_fen"] += on_hand * cost
        days = age_days(received, now)
        band = "unknown" if days is None else next(b for b, lo, hi in AGE_BANDS if hi is None or days <= hi)
        row["age"][band] += on_hand
    return sorted(out.values(), key=lambda r: r["warehouse"])


def location_list(user, *, warehouse_id: int | None = None, active: bool | None = None) -> QuerySet[Location]:
    """Locations of live warehouses."""
    require_right(user, "warehouse", "view")
    qs = Location.objects.restrict(user, "view").filter(warehouse__archived_at__isnull=True)
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.select_related("warehouse").order_by("warehouse__code", "code")


def location_stock(
    user, *, warehouse_id: int | None = None, batch_id: int | None = None, location_id: int | None = None
) -> QuerySet[LocationStock]:
    """Units per location of the batches whose stock the user may see (a supplier its own)."""
    require_right(user, "stock", "view")
    qs = LocationStock.objects.filter(
        batch__in=ProductBatch.objects.restrict(user, "view"), quantity__gt=0
    ).select_related("location__warehouse", "batch__sku__product")
    if warehouse_id:
        qs = qs.filter(location__warehouse_id=warehouse_id)
    if batch_id:
        qs = qs.filter(batch_id=batch_id)
    if location_id:
        qs = qs.filter(location_id=location_id)
    return qs.order_by("location__warehouse__code", "location__code", "batch_id")


def transfer_list(
    user, *, batch_id: int | None = None, warehouse_id: int | None = None
) -> QuerySet[StockTransfer]:
    """Transfers of the goods the user may see, newest first; `warehouse_id` matches either side."""
    require_right(user, "stock", "view")
    qs = StockTransfer.objects.restrict(user, "view").select_related(
        "batch__sku__product", "from_warehouse", "to_warehouse"
    )
    if batch_id:
        qs = qs.filter(batch_id=batch_id)
    if warehouse_id:
        qs = qs.filter(Q(from_warehouse_id=warehouse_id) | Q(to_warehouse_id=warehouse_id))
    return qs


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


def product_stock(user, *, product_id: int) -> list[dict]:
    """Stock of one product per warehouse: on hand, reserved, picked, available and value at cost (fen)."""
    out: dict[int, dict] = {}
    for b in stock_list(user).filter(batch__sku__product_id=product_id):
        row = out.setdefault(
            b.warehouse_id,
            {
                "warehouse": b.warehouse,
                "on_hand": 0,
                "reserved": 0,
                "picked": 0,
                "available": 0,
                "value_fen": 0,
            },
        )
        row["on_hand"] += b.on_hand
        row["reserved"] += b.reserved
        row["picked"] += b.picked
        row["available"] += b.available
        row["value_fen"] += b.on_hand * b.batch.sku.cost_fen
    return sorted(out.values(), key=lambda r: r["warehouse"].code)
