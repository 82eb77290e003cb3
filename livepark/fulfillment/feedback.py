"""Factory feedback (C2M): what a supplier's products sell, how long stock lasts, why they come back."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from livepark.catalog.models import Product
from livepark.core.scoping import require_right
from livepark.fulfillment.models import OrderLine, OrderStatus, Return, StockBalance

LEAD_DAYS = 14  # a source factory's usual replenishment lead time
SAFETY_DAYS = 7


@dataclass(frozen=True)
class ProductFeedback:
    product_id: int
    product_name: str
    daily_sales: list[tuple[str, int]]  # (local date, units) for every day of the window
    units_sold: int
    avg_daily_units: float
    available: int
    cover_days: float | None  # None: nothing sold, stock lasts indefinitely
    stockout_days: int  # days with orders left unallocated for want of stock
    return_reasons: dict[str, int]
    replenish_units: int


def product_feedback(
    user, *, supplier_id: int | None = None, days: int = 28, product_id: int | None = None
) -> list[ProductFeedback]:
    """Per product of the supplier (a supplier sees only its own): sales, cover, returns, what to make next."""
    require_right(user, "product", "view")
    products = Product.objects.restrict(user, "view").filter(archived_at__isnull=True)
    if supplier_id:
        products = products.filter(supplier_id=supplier_id)
    if product_id:
        products = products.filter(pk=product_id)
    today = timezone.localdate()
    start = today - dt.timedelta(days=days - 1)
    since = timezone.make_aware(dt.datetime.combine(start, dt.time()))
    out = []
    for product in products.order_by("pk")[:200]:
        lines = OrderLine.objects.filter(sku__product=product, order__paid_at__gte=since).exclude(
            order__status=OrderStatus.CANCELLED
        )
        per_day = dict(
            lines.annotate(day=TruncDate("order__paid_at", tzinfo=timezone.get_current_timezone()))
            .values_list("day")
            .annotate(units=Sum("quantity"))
            .values_list("day", "units")
        )
        series = [
            ((start + dt.timedelta(days=i)).isoformat(), int(per_day.get(start + dt.timedelta(days=i), 0)))
            for i in range(days)
        ]
        sold = sum(u for _, u in series)
        avg = sold / days
        balances = StockBalance.objects.filter(batch__sku__product=product)
        available = sum(b.available for b in balances)
        stockouts = (
            lines.filter(
                order__status=OrderStatus.PAID, order__paid_at__lt=timezone.now() - dt.timedelta(hours=24)
            )
            .annotate(day=TruncDate("order__paid_at", tzinfo=timezone.get_current_timezone()))
            .values("day")
            .distinct()
            .count()
            if available == 0
            else 0
        )
        reasons = dict(
            Return.objects.filter(line__sku__product=product, received_at__gte=since)
            .values_list("reason")
            .annotate(n=Count("id"))
            .values_list("reason", "n")
        )
        need = math.ceil(avg * (LEAD_DAYS + SAFETY_DAYS)) - available
        out.append(
            ProductFeedback(
                product_id=product.pk,
                product_name=product.name,
                daily_sales=series,
                units_sold=sold,
                avg_daily_units=round(avg, 2),
                available=available,
                cover_days=round(available / avg, 1) if avg else None,
                stockout_days=stockouts,
                return_reasons=reasons,
                replenish_units=max(0, need),
            )
        )
    return out
