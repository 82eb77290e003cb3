"""The tax step of the workflow (check → **tax** → message → send → receipt) and the operator's rate tables.

A set is taxed with the engine (`livepark.engines.customs.tax`): 70% VAT and consumption tax with tariff 0
within the limits, general trade over them, the single indivisible item exception; each tax rounded half up to
the fen per line. The buyer's year is every other set of the same buyer and calendar year that comes before
this one in `appTime` order and is taxed or declared (a set returned within 30 days no longer counts). Taxing a
set re-assesses the buyer's later sets that are taxed but not yet sent, so the year always builds up in
`appTime` order whatever order the operator taxes them in.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from livepark.core import xlsx_import
from livepark.core.errors import Conflict, FieldErrors, Invalid
from livepark.core.scoping import get_scoped, require_right
from livepark.core.servicekit import apply, required_text, save_audited, scoped_for_update
from livepark.crossborder import services
from livepark.crossborder.models import DeclarationSet, DeclarationState, GoodsRegistration, PartyRole
from livepark.crossborder.models_tax import DeclarationTax, TaxRate, TaxRateTable
from livepark.engines.customs.tax import Rate, RateTable, TaxEngine, TaxSettings

S = DeclarationState
GROUP = services.GROUP
#: States whose sets use the buyer's year as the tax sees it (taxed sets are about to be declared).
COUNTING = (S.TAXED, *services.DECLARED)
RATE_COLUMNS = [
    ("gcode", "gcode"),
    ("海关商品编码", "gcode"),
    ("tariff", "tariff"),
    ("最惠国税率", "tariff"),
    ("vat", "vat"),
    ("增值税税率", "vat"),
    ("consumption", "consumption"),
    ("消费税税率", "consumption"),
]
MAX_RATE = Decimal(1)


def tax_settings() -> TaxSettings:
    """The engine's policy numbers; whether coupons reduce the price follows the matching setting."""
    return TaxSettings(discount_reduces_price=services.match_settings().discount_reduces_price)


# ---- rate tables ----------------------------------------------------------------------------------------


def _read_rate_rows(data: bytes, file_name: str) -> list[dict[str, str]]:
    """The rows of a csv (UTF-8, header row) or xlsx (first sheet) rate file, as text by column name."""
    is_xlsx = data[:2] == b"PK" or file_name.lower().endswith((".xlsx", ".xlsm"))
    if is_xlsx:
        rows, error = xlsx_import.read_rows(RATE_COLUMNS, {"gcode", "tariff", "vat", "consumption"}, data)
        if error:
            raise Invalid.field("file", error)
        return rows
    try:
        text = data.decode("utf-8-sig")  # -sig: Excel writes a BOM
    except UnicodeDecodeError:
        raise Invalid.field(
            "file", "应为 UTF-8 编码的 csv 或 xlsx 文件 / must be a UTF-8 csv or an xlsx file"
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    by_header = {h: f for h, f in RATE_COLUMNS}
    header = [
        by_header.get((h or "").strip().lower(), by_header.get((h or "").strip()))
        for h in reader.fieldnames or []
    ]
    missing = [c for c in ("gcode", "tariff", "vat", "consumption") if c not in header]
    if missing:
        raise Invalid.field("file", f"缺少列 / missing columns: {', '.join(missing)}")
    rows = []
    for raw in reader:
        values = list(raw.values())
        row = {
            f: (v or "").strip()
            for f, v in zip(header, values, strict=False)
            if f and isinstance(v, str | None)
        }
        if any(row.values()):
            rows.append(row)
    if len(rows) > xlsx_import.MAX_ROWS:
        raise Invalid.field("file", f"超过 {xlsx_import.MAX_ROWS} 行 / more than {xlsx_import.MAX_ROWS} rows")
    return rows


def _rate(errors: FieldErrors, name: str, text: str) -> Decimal | None:
    """A rate as a decimal fraction (`0.13`) or a percentage (`13%`); 0 ≤ rate ≤ 1, at most 6 places."""
    percent = text.endswith("%")
    try:
        value = Decimal(text.removesuffix("%").strip())
    except InvalidOperation:
        errors.add(name, f"不是数字 / not a number: {text!r}" if text else "必填 / required")
        return None
    if not value.is_finite():
        errors.add(name, f"不是数字 / not a number: {text!r}")
        return None
    value = value / 100 if percent else value
    if value < 0 or value > MAX_RATE:
        errors.add(
            name, f"税率应为 0 到 1 之间的小数（13% 写作 0.13）/ must be a fraction from 0 to 1, got {text}"
        )
        return None
    if value != value.quantize(Decimal("0.000001")):
        errors.add(name, "最多 6 位小数 / at most 6 decimal places")
        return None
    return value


def rate_table_load(
    *, actor, data: bytes, file_name: str, name: str, effective_from: dt.date | str | None
) -> TaxRateTable:
    """Load the operator's rate table (columns `gcode,tariff,vat,consumption`, rates as decimals), all or
    nothing: every bad row is reported as `row N.column` with its rule (422) and nothing is stored."""
    require_right(actor, "tax_rate", "create")
    errors = FieldErrors()
    name = required_text(errors, "name", name, 100)
    day = effective_from
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day.strip())
        except ValueError:
            errors.add("effective_from", "应为日期 YYYY-MM-DD / must be a date YYYY-MM-DD")
    if day is None:
        errors.add("effective_from", "必填 / required")
    errors.raise_if_any()
    rows = _read_rate_rows(data, file_name)
    if not rows:
        raise Invalid.field("file", "文件中没有税率 / the file holds no rates")
    seen: dict[str, int] = {}
    rates: list[TaxRate] = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        gcode = row.get("gcode", "")
        if re.fullmatch(r"\d{9}", gcode):
            gcode = gcode.zfill(10)  # a spreadsheet number loses the leading zero of chapters 01–09
        if not re.fullmatch(r"\d{10}", gcode):
            errors.add(
                f"row {number}.gcode", f"海关商品编码应为 10 位数字 / must be 10 digits, got {gcode!r}"
            )
        elif gcode in seen:
            errors.add(
                f"row {number}.gcode", f"与第 {seen[gcode]} 行重复 / already given on row {seen[gcode]}"
            )
        else:
            seen[gcode] = number
        values = {
            c: _rate(errors, f"row {number}.{c}", row.get(c, "")) for c in ("tariff", "vat", "consumption")
        }
        if values["consumption"] is not None and values["consumption"] >= 1:
            errors.add(f"row {number}.consumption", "消费税税率应小于 1 / must be below 1")
        rates.append(TaxRate(gcode=gcode, **values))
    errors.raise_if_any()
    with transaction.atomic():
        table = TaxRateTable(name=name, effective_from=day, file_name=file_name[:200], row_count=len(rates))
        save_audited(actor=actor, obj=table, before=None, group=GROUP)
        for rate in rates:
            rate.table = table
        TaxRate.objects.bulk_create(rates)
    return table


def rate_table_for(day: dt.date) -> TaxRateTable | None:
    """The table in force on `day`: the latest effective date on or before it (the later upload on a tie)."""
    return TaxRateTable.objects.filter(effective_from__lte=day).order_by("-effective_from", "-id").first()


# ---- the tax step ---------------------------------------------------------------------------------------


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return (
        timezone.make_aware(dt.datetime(year, 1, 1)),
        timezone.make_aware(dt.datetime(year + 1, 1, 1)),
    )


def year_before(obj: DeclarationSet, year: int) -> Decimal:
    """What the buyer's other sets of `year` that come before `obj` (appTime, then id) use of the year."""
    if not obj.buyer_index or obj.app_time is None:
        return Decimal(0)
    start, end = _year_bounds(year)
    qs = (
        DeclarationSet.objects.filter(buyer_index=obj.buyer_index, state__in=COUNTING)
        .filter(app_time__gte=start, app_time__lt=end)
        .filter(Q(app_time__lt=obj.app_time) | Q(app_time=obj.app_time, pk__lt=obj.pk))
        .exclude(pk=obj.pk)
        .exclude(tax__quota_restored=True)
    )
    total = Decimal(0)
    for order_total, quota in qs.values_list("order_total", "tax__quota_used"):
        # A taxed set uses what its assessment says (0 for general trade); an older declared one its total.
        total += quota if quota is not None else (order_total or Decimal(0))
    return total


def _money(x: Decimal) -> str:
    return format(x, "f")


def _assess(*, actor, obj: DeclarationSet) -> DeclarationTax:
    """Assess one set (locked by the caller) and store the result; raises 4xx before anything is written."""
    docs = services._documents_of(obj)
    s = services._match_set(obj, docs)
    if s.order is None:
        raise Conflict("没有订单报文 CEB311，无法计税 / no CEB311 order to tax", code="no_order")
    goods = dict(
        GoodsRegistration.objects.filter(
            seller__code=obj.ebc_code, seller__role=PartyRole.SELLER, archived_at__isnull=True
        ).values_list("item_no", "gcode")
    )
    try:
        order = s.tax_order(goods)
    except ValueError as exc:
        raise Invalid.field("gcode", f"商品缺少海关商品编码 / {exc}") from None
    table = rate_table_for(order.app_time.date())
    if table is None:
        raise Invalid.field(
            "rate_table",
            f"没有在 {order.app_time.date()} 生效的税率表 / no rate table in force on {order.app_time.date()}",
            code="no_rates",
        )
    gcodes = {line.gcode for line in order.lines}
    found = {
        r.gcode: Rate(r.gcode, r.tariff, r.vat, r.consumption)
        for r in TaxRate.objects.filter(table=table, gcode__in=gcodes)
    }
    missing = sorted(gcodes - set(found))
    if missing:
        raise Invalid.field(
            "gcode",
            f"税率表「{table.name}」中没有商品编码 {', '.join(missing)} / "
            f"not in the rate table in force: {', '.join(missing)}",
            code="no_rate",
        )
    year = order.app_time.year
    before = year_before(obj, year)
    engine = TaxEngine(RateTable(found.values()), tax_settings(), {(order.buyer_id, year): before})
    try:
        result = engine.assess(order)
    except ValueError as exc:
        raise Invalid.field("order", str(exc)) from None
    values: dict[str, Any] = {
        "rate_table": table,
        "mode": result.mode,
        "year": year,
        "year_before": before,
        "taxable_price": result.taxable_price,
        "customs_tax": result.customs_tax,
        "consumption_tax": result.consumption_tax,
        "vat": result.vat,
        "tax_total": result.tax_total,
        "quota_used": result.quota_used,
        "lines": [
            {
                "gnum": x.gnum,
                "gcode": x.gcode,
                "taxable_price": _money(x.taxable_price),
                "customs_tax": _money(x.customs_tax),
                "consumption_tax": _money(x.consumption_tax),
                "vat": _money(x.vat),
                "tax_total": _money(x.tax_total),
            }
            for x in result.lines
        ],
        "assessed_at": timezone.now(),
    }
    existing = DeclarationTax.objects.filter(declaration=obj).first()
    if existing is None:
        tax = DeclarationTax(declaration=obj, **values)
        save_audited(actor=actor, obj=tax, before=None, group=GROUP)
    else:
        tax = existing
        save_audited(actor=actor, obj=tax, before=apply(tax, values), group=GROUP)
    if obj.state != S.TAXED:
        save_audited(actor=actor, obj=obj, before=apply(obj, {"state": S.TAXED}), group=GROUP)
    return tax


def declaration_tax(*, actor, pk: int) -> DeclarationSet:
    """Compute and store the tax of a checked set (mode, customs tax, consumption tax, VAT, total) and move it
    to `taxed`; then re-assess the buyer's later sets that are taxed but not yet sent (appTime order)."""
    with transaction.atomic():
        buyer = get_scoped(DeclarationSet, actor, pk, "change").buyer_index
        if buyer:
            # Lock the buyer's sets (in id order, so two taxings of the same buyer queue instead of deadlocking):
            # the year read below must not change under us.
            list(
                DeclarationSet.objects.select_for_update()
                .filter(buyer_index=buyer)
                .order_by("pk")
                .values("pk")
            )
        obj = scoped_for_update(DeclarationSet, actor, pk, "change")
        if obj.state not in (S.CHECKED, S.TAXED):
            raise Conflict(
                f"状态为 {obj.get_state_display()}，须先对碰 / only a checked set can be taxed",
                code="not_checked",
            )
        _assess(actor=actor, obj=obj)
        if obj.buyer_index and obj.app_time is not None:
            start, end = _year_bounds(timezone.localtime(obj.app_time).year)
            later = (
                DeclarationSet.objects.select_for_update()
                .filter(buyer_index=obj.buyer_index, state=S.TAXED, app_time__gte=start, app_time__lt=end)
                .filter(Q(app_time__gt=obj.app_time) | Q(app_time=obj.app_time, pk__gt=obj.pk))
                .order_by("app_time", "pk")
            )
            for other in later:
                _assess(actor=actor, obj=other)
    obj.refresh_from_db()
    return obj


def tax_totals(qs) -> dict[str, Decimal]:
    """Sums of the assessments in `qs` (a DeclarationTax queryset), per tax kind."""
    names = ("customs_tax", "consumption_tax", "vat", "tax_total")
    got = qs.aggregate(**{n: Sum(n) for n in names})
    return {n: got[n] or Decimal("0.00") for n in names}
