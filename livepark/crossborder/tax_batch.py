"""The monthly tax batch (reads, scoped): released sets whose tax falls due in a month — the payment window
is days 31–45 after release (`engines.customs.tax.due_window`); a set is in the batch of the month its window
opens, if it is still released (not returned), has a tax assessment with something due and no cancellation or
return under way or done — with totals per tax kind, per seller and per agent, customs' CEB816 bill beside each
set and the difference, and an xlsx export."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Min, OuterRef, Q, Subquery
from django.utils import timezone

from livepark.core.errors import Invalid
from livepark.core.scoping import require_right
from livepark.crossborder.models import DeclarationSet, DeclarationState, Receipt
from livepark.crossborder.models_tax import RequestState, TaxBill
from livepark.crossborder.returns import RELEASE_STATUSES
from livepark.crossborder.tax_bills import KINDS, VOID, reconcile
from livepark.engines.customs.tax import TaxSettings, due_window

ZERO = Decimal("0.00")


@dataclass
class BatchRow:
    """One set of the batch."""

    obj: DeclarationSet
    released_on: dt.date
    due_from: dt.date
    due_by: dt.date
    bill: TaxBill | None
    difference: dict[str, Decimal] | None

    @property
    def tax(self):
        """The set's assessment."""
        return self.obj.tax


@dataclass
class Batch:
    """A month's batch as the user may see it."""

    period: str
    rows: list[BatchRow] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)
    by_seller: list[dict[str, Any]] = field(default_factory=list)
    by_agent: list[dict[str, Any]] = field(default_factory=list)
    billed: dict[str, Decimal] = field(default_factory=dict)
    mismatches: int = 0


def parse_month(value: str | None) -> tuple[int, int]:
    """`YYYY-MM` (default: this month, Shanghai time) → (year, month); a bad value is a 422 on `month`."""
    if not value:
        today = timezone.localdate()
        return today.year, today.month
    try:
        day = dt.date.fromisoformat(f"{value.strip()}-01")
    except ValueError:
        raise Invalid.field("month", "应为年月 YYYY-MM / must be a month YYYY-MM") from None
    return day.year, day.month


def _sum(rows: list[BatchRow], key) -> list[dict[str, Any]]:
    groups: dict[Any, dict[str, Any]] = {}
    for row in rows:
        party = key(row.obj)
        g = groups.setdefault(
            party.pk if party else None,
            {"party": str(party) if party else "—", "count": 0, **dict.fromkeys(KINDS, ZERO)},
        )
        g["count"] += 1
        for k in KINDS:
            g[k] += getattr(row.tax, k)
    return sorted(groups.values(), key=lambda g: g["party"])


def tax_batch(user, year: int, month: int) -> Batch:
    """The month's batch of the sets the user may see (a seller its own, a broker its agent's, the park all)."""
    require_right(user, "declaration", "view")
    settings = TaxSettings()
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    lead = dt.timedelta(days=settings.due_days[0])

    def aware(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time()))

    release = (
        Receipt.objects.filter(
            declaration=OuterRef("pk"), message_type="CEB622", return_status__in=RELEASE_STATUSES
        )
        .order_by()
        .values("declaration")
        .annotate(t=Min("return_time"))
        .values("t")
    )
    changed = Q(inventory_requests__state__in=[RequestState.SENT, RequestState.ACCEPTED, RequestState.DONE])
    qs = (
        DeclarationSet.objects.restrict(user, "view")
        .filter(state=DeclarationState.RELEASED, tax__isnull=False)
        .exclude(pk__in=DeclarationSet.objects.filter(changed).values("pk"))
        .annotate(released_at=Subquery(release))
        .filter(released_at__gte=aware(first - lead), released_at__lt=aware(following - lead))
        .select_related("tax", "seller", "agent")
        .order_by("released_at", "pk")
    )
    bills: dict[int, TaxBill] = {}
    for bill in (
        TaxBill.objects.filter(declaration__in=qs.values("pk")).exclude(status=VOID).order_by("return_time")
    ):
        bills[bill.declaration_id] = bill  # the latest live bill of each set
    batch = Batch(period=f"{year:04d}-{month:02d}")
    for obj in qs:
        if obj.tax.tax_total - obj.tax.refunded <= 0:
            continue  # nothing to pay (as the engine's batch)
        released_on = timezone.localtime(obj.released_at).date()
        due_from, due_by = due_window(released_on, settings)
        bill = bills.get(obj.pk)
        batch.rows.append(BatchRow(obj, released_on, due_from, due_by, bill, reconcile(bill, obj.tax)))
    batch.totals = {k: sum((getattr(r.tax, k) for r in batch.rows), ZERO) for k in KINDS}
    batch.billed = {k: sum((getattr(r.bill, k) for r in batch.rows if r.bill), ZERO) for k in KINDS}
    batch.mismatches = sum(1 for r in batch.rows if r.difference and any(r.difference.values()))
    batch.by_seller = _sum(batch.rows, lambda o: o.seller)
    batch.by_agent = _sum(batch.rows, lambda o: o.agent)
    return batch


HEADERS = [
    ("order_no", "订单编号"),
    ("seller", "电商企业"),
    ("agent", "申报企业"),
    ("released_on", "放行日期"),
    ("due_from", "缴税起始日"),
    ("due_by", "缴税截止日"),
    ("mode", "计税方式"),
    ("taxable_price", "完税价格"),
    ("customs_tax", "关税"),
    ("consumption_tax", "消费税"),
    ("vat", "增值税"),
    ("tax_total", "税款合计"),
    ("tax_no", "电子税单编号"),
    ("billed_total", "税单合计"),
    ("difference", "差额"),
]


def batch_xlsx(batch: Batch) -> bytes:
    """The batch as an xlsx workbook: one row per set, then the totals; amounts as numbers to the fen."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = batch.period
    ws.append([label for _k, label in HEADERS])
    for r in batch.rows:
        t = r.tax
        ws.append(
            [
                r.obj.order_no,
                str(r.obj.seller),
                str(r.obj.agent) if r.obj.agent else "",
                r.released_on,
                r.due_from,
                r.due_by,
                t.get_mode_display(),
                t.taxable_price,
                t.customs_tax,
                t.consumption_tax,
                t.vat,
                t.tax_total,
                r.bill.tax_no if r.bill else "",
                r.bill.tax_total if r.bill else None,
                r.difference["tax_total"] if r.difference else None,
            ]
        )
    ws.append(
        [
            "合计",
            "",
            "",
            "",
            "",
            "",
            "",
            None,
            *(batch.totals[k] for k in KINDS),
            "",
            batch.billed["tax_total"],
        ]
    )
    for row in ws.iter_rows(min_row=2, min_col=8, max_col=15):
        for c in row:
            if isinstance(c.value, Decimal):
                c.number_format = "0.00"
    for row in ws.iter_rows(min_row=2, min_col=4, max_col=6):
        for c in row:
            c.number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
