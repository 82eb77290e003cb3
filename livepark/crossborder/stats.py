"""Statistics per trade mode (9610, 1210, 9710, 9810): declarations per month by state, released value, tax,
release rate and top sellers, scoped to the user (the park admin sees the park, a seller its own, a broker
the declarations of the agents it acts for); also as an xlsx workbook.

Definitions (also in docs/crossborder.md):

* a declaration belongs to the month (Asia/Shanghai) it was received by the platform (``created_at``);
* ``states``: how many are in each state now; ``total`` their sum;
* ``value``: Σ of the released declarations' value in yuan — imports the order total counted against the
  limits, exports the goods value in yuan (``value_rmb``; an export in a currency without a configured rate
  is counted but not valued, see ``unvalued``);
* ``tax``: Σ (assessed tax − refunded) of released or returned imports, when tax is assessed
  (``DeclarationTax``); None for exports (no retail-import tax) and when tax is not available;
* ``release_rate``: released ÷ (released + rejected) — of the declarations customs has decided; returned
  imports count as released (they were); None when customs has decided none;
* ``top_sellers``: per trade mode, the five sellers with the highest released value (then released count,
  then count).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from livepark.core.errors import Invalid
from livepark.core.scoping import require_right
from livepark.crossborder.models import DeclarationSet, DeclarationState
from livepark.crossborder.models_export import ExportDeclaration, ExportState

MODES = ("9610", "1210", "9710", "9810")
MODE_LABELS = {
    "": "未知",
    "9610": "9610 直购进口",
    "1210": "1210 网购保税",
    "9710": "9710 B2B直接出口",
    "9810": "9810 出口海外仓",
}
#: Every state either kind of declaration can be in, in workflow order, with its label.
STATES: dict[str, str] = {}
for _value, _label in [*DeclarationState.choices, *ExportState.choices]:
    STATES.setdefault(_value, str(_label))
RELEASED = {"released", "returned"}
REJECTED = {"rejected"}
TOP = 5


def _tax_fields() -> tuple[str, str | None] | None:
    """The assessed-tax and refunded-tax lookups on `DeclarationSet`, when tax is recorded."""
    try:
        related = DeclarationSet._meta.get_field("tax").related_model
    except FieldDoesNotExist:
        return None
    names = {f.name for f in related._meta.get_fields()}
    if "tax_total" not in names:
        return None
    return "tax__tax_total", "tax__refunded" if "refunded" in names else None


def _year_range(year: int):
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime(year, 1, 1), tz)
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1), tz)
    return start, end


def _empty() -> dict[str, Any]:
    return {
        "total": 0,
        "states": dict.fromkeys(STATES, 0),
        "value": Decimal("0.00"),
        "tax": None,
        "unvalued": 0,
        "released": 0,
        "rejected": 0,
    }


def _add(
    acc: dict[str, Any], state: str, n: int, value: Decimal | None, tax: Decimal | None, unvalued: int
) -> None:
    acc["total"] += n
    acc["states"][state] = acc["states"].get(state, 0) + n
    if state in RELEASED:
        acc["released"] += n
        acc["value"] += value or Decimal(0)
        acc["unvalued"] += unvalued
        if tax is not None:
            acc["tax"] = (acc["tax"] or Decimal("0.00")) + tax
    elif state in REJECTED:
        acc["rejected"] += n


def _finish(acc: dict[str, Any], taxed: bool) -> dict[str, Any]:
    decided = acc["released"] + acc["rejected"]
    rate = (Decimal(acc["released"]) / decided).quantize(Decimal("0.0001")) if decided else None
    tax = acc["tax"]
    if taxed and tax is None:
        tax = Decimal("0.00")
    return {
        "total": acc["total"],
        "states": acc["states"],
        "value": acc["value"].quantize(Decimal("0.01")),
        "tax": tax.quantize(Decimal("0.01")) if tax is not None else None,
        "unvalued": acc["unvalued"],
        "release_rate": rate,
    }


def trade_stats(user, *, year: int | None = None) -> dict[str, Any]:
    """The figures of `year` (default this year) over the declarations the user may see (module docstring)."""
    require_right(user, "declaration", "view")
    year = year or timezone.localdate().year
    if not 2000 <= year <= 2100:
        raise Invalid.field("year", "应在 2000 到 2100 之间 / must be between 2000 and 2100")
    start, end = _year_range(year)
    tax_fields = _tax_fields()
    month = TruncMonth("created_at", tzinfo=timezone.get_current_timezone())

    imports = DeclarationSet.objects.restrict(user, "view").filter(created_at__gte=start, created_at__lt=end)
    aggregates: dict[str, Any] = {"n": Count("pk"), "value": Sum("order_total")}
    if tax_fields is not None:
        assessed, refunded = tax_fields
        aggregates["tax_sum"] = Sum(assessed)  # not "tax": that is the relation's name
        if refunded:
            aggregates["refund_sum"] = Sum(refunded)
    import_rows = (
        imports.annotate(month=month).order_by().values("month", "trade_mode", "state").annotate(**aggregates)
    )

    exports = ExportDeclaration.objects.restrict(user, "view").filter(
        created_at__gte=start, created_at__lt=end
    )
    export_rows = (
        exports.annotate(month=month)
        .order_by()
        .values("month", "trade_mode", "state")
        .annotate(
            n=Count("pk"), value=Sum("value_rmb"), unvalued=Count("pk", filter=Q(value_rmb__isnull=True))
        )
    )

    by_month: dict[tuple[str, str], dict[str, Any]] = defaultdict(_empty)
    by_mode: dict[str, dict[str, Any]] = defaultdict(_empty)
    for row in import_rows:
        tax = None
        if tax_fields is not None:
            tax = (row.get("tax_sum") or Decimal(0)) - (row.get("refund_sum") or Decimal(0))
        key = (f"{timezone.localtime(row['month']):%Y-%m}", row["trade_mode"])
        for acc in (by_month[key], by_mode[row["trade_mode"]]):
            _add(acc, row["state"], row["n"], row["value"], tax, 0)
    for row in export_rows:
        key = (f"{timezone.localtime(row['month']):%Y-%m}", row["trade_mode"])
        for acc in (by_month[key], by_mode[row["trade_mode"]]):
            _add(acc, row["state"], row["n"], row["value"], None, row["unvalued"])

    modes = list(MODES) + ([""] if "" in by_mode else [])
    order = {m: i for i, m in enumerate(modes)}
    taxed_import = tax_fields is not None
    rows = [
        {"month": m, "trade_mode": mode, **_finish(acc, taxed_import and mode in ("9610", "1210", ""))}
        for (m, mode), acc in sorted(by_month.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 99)))
    ]
    totals = [
        {
            "trade_mode": mode,
            **_finish(
                by_mode[mode] if mode in by_mode else _empty(), taxed_import and mode in ("9610", "1210", "")
            ),
        }
        for mode in modes
    ]
    return {
        "year": year,
        "modes": modes,
        "states": list(STATES),
        "rows": rows,
        "totals": totals,
        "top_sellers": _top_sellers(imports, exports, modes),
        "tax_available": taxed_import,
    }


def _top_sellers(imports, exports, modes: list[str]) -> dict[str, list[dict[str, Any]]]:
    released = Q(state__in=RELEASED)
    found: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    for qs, value in ((imports, "order_total"), (exports, "value_rmb")):
        rows = (
            qs.order_by()
            .values("trade_mode", "seller_id", "seller__name")
            .annotate(
                count=Count("pk"), released=Count("pk", filter=released), value=Sum(value, filter=released)
            )
        )
        for row in rows:
            if row["trade_mode"] not in found:
                continue
            found[row["trade_mode"]].append(
                {
                    "seller_id": row["seller_id"],
                    "seller": row["seller__name"],
                    "count": row["count"],
                    "released": row["released"],
                    "value": (row["value"] or Decimal(0)).quantize(Decimal("0.01")),
                }
            )
    for mode, sellers in found.items():
        sellers.sort(key=lambda s: (-s["value"], -s["released"], -s["count"], s["seller_id"]))
        found[mode] = sellers[:TOP]
    return found


def as_json(stats: dict[str, Any]) -> dict[str, Any]:
    """The figures with decimals as strings (exact)."""

    def plain(v: Any) -> Any:
        if isinstance(v, Decimal):
            return format(v, "f")
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v

    return plain(stats)


def as_xlsx(stats: dict[str, Any]) -> bytes:
    """The figures as an xlsx workbook: per month and mode, per mode, top sellers."""
    import openpyxl

    book = openpyxl.Workbook()
    states = stats["states"]
    head = [
        "贸易方式",
        "合计",
        *[STATES[s] for s in states],
        "放行货值（元）",
        "税款（元）",
        "放行率",
        "未折算",
    ]

    def line(r: dict[str, Any]) -> list[Any]:
        return [
            MODE_LABELS.get(r["trade_mode"], r["trade_mode"]),
            r["total"],
            *[r["states"].get(s, 0) for s in states],
            r["value"],
            r["tax"],
            r["release_rate"],
            r["unvalued"],
        ]

    sheet = book.active
    sheet.title = "按月统计"
    sheet.append(["月份", *head])
    for r in stats["rows"]:
        sheet.append([r["month"], *line(r)])
    sheet = book.create_sheet("全年按贸易方式")
    sheet.append(head)
    for r in stats["totals"]:
        sheet.append(line(r))
    sheet = book.create_sheet("主要卖家")
    sheet.append(["贸易方式", "名次", "电商企业", "申报数", "放行数", "放行货值（元）"])
    for mode, sellers in stats["top_sellers"].items():
        for rank, s in enumerate(sellers, start=1):
            sheet.append(
                [MODE_LABELS.get(mode, mode), rank, s["seller"], s["count"], s["released"], s["value"]]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
