"""Live pages: the sessions list, a session's report (and its xlsx), the live screen (HTMX polling) and the
anchor/enterprise overviews. Views parse, call selectors and services, and render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from livepark.core.counting import cached_count
from livepark.core.errors import ServiceError
from livepark.core.pages import PER_PAGE, page_errors
from livepark.core.scoping import can, require_right
from livepark.live import exports, selectors, services
from livepark.live.labels import CARDS, FUNNEL, HEADLINE, PRODUCT_COLUMNS, SOURCES, STAY, display
from livepark.live.models import LiveSession, SessionStatus

KIND = {code: kind for code, _, kind in HEADLINE}
LABEL = {code: label for code, label, _ in HEADLINE}


class _LivePaginator(Paginator):
    @cached_property
    def count(self) -> int:
        return cached_count(self.object_list, services.GROUP)


@login_required
@page_errors
def session_list(request) -> HttpResponse:
    """Sessions in scope with status and search filters; started ones show their headline figures."""
    require_right(request.user, "session", "view")
    f = {"status": request.GET.get("status") or None, "q": request.GET.get("q") or None}
    qs = selectors.session_list(request.user, **f)
    page = _LivePaginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    figures = selectors.figures_of(list(page))
    rows = [{"s": s, "figures": figures.get(s.code)} for s in page]
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "f": f,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "statuses": SessionStatus.choices,
        "partial": "live/_session_table.html",
    }
    return render(request, ctx["partial"] if request.htmx else "live/session_list.html", ctx)


def _chart(session: LiveSession, report: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Everything the report's charts draw, as JSON-ready data."""
    labels = exports.curve_labels(report)
    start = report.get("online_curve_start")
    slots = []
    if start:
        start_ms = selectors.iso_ms(start)
        for slot in selectors.explain_slots(session, report):
            slots.append(
                {
                    "name": names.get(slot["product_id"], slot["product_id"]),
                    "from": (slot["start_ms"] - start_ms) // selectors.MINUTE_MS,
                    "to": (slot["end_ms"] - 1 - start_ms) // selectors.MINUTE_MS,
                }
            )
    return {
        "labels": labels,
        "values": report["online_curve"],
        "slots": slots,
        "funnel": [{"name": str(label), "value": report[code]} for code, label in FUNNEL],
        "stay": {
            "labels": [str(label) for _, label in STAY],
            "values": [report["stay_buckets"][c] for c, _ in STAY],
        },
        "sources": {
            "labels": [str(label) for _, label in SOURCES],
            "watch_uv": [report["sources"][c]["watch_uv"] for c, _ in SOURCES],
            "gmv_yuan": [report["sources"][c]["gmv_fen"] / 100 for c, _ in SOURCES],
        },
    }


def _product_names(session: LiveSession) -> tuple[list, dict[str, str]]:
    """The run-of-show and the product names by the ids events carry (a product's pk as text)."""
    items = selectors.run_of_show(session)
    return items, {str(i.product_id): i.product.name for i in items}


def _cards(report: dict[str, Any]) -> list[dict[str, str]]:
    return [{"code": c, "label": LABEL[c], "value": display(report.get(c), KIND[c])} for c in CARDS]


@login_required
@page_errors
def session_report(request, pk: int) -> HttpResponse:
    """The session report: cards, online curve with explain slots, funnel, stay, products, sources."""
    session, report = selectors.session_report_for(request.user, pk)
    items, names = _product_names(session)
    products = [
        {
            "name": names.get(row["product_id"], row["product_id"]),
            "product_id": row["product_id"],
            "cells": [display(row[c], k) for c, _, k in PRODUCT_COLUMNS],
        }
        for row in report["products"]
    ]
    sources = [
        {
            "label": label,
            "watch_uv": report["sources"][code]["watch_uv"],
            "gmv": display(report["sources"][code]["gmv_fen"], "fen"),
        }
        for code, label in SOURCES
    ]
    ctx = {
        "s": session,
        "report": report,
        "cards": _cards(report),
        "headline": [
            {"code": c, "label": label, "value": display(report.get(c), k)} for c, label, k in HEADLINE
        ],
        "products": products,
        "product_columns": [label for _, label, _ in PRODUCT_COLUMNS],
        "sources": sources,
        "stay": [{"label": label, "value": report["stay_buckets"][c]} for c, label in STAY],
        "items": items,
        "chart": _chart(session, report, names),
        "can_operate": can(request.user, LiveSession, pk, "operate"),
    }
    return render(request, "live/session_report.html", ctx)


@login_required
@page_errors
def session_xlsx(request, pk: int) -> HttpResponse:
    """The report as an xlsx download."""
    session, report = selectors.session_report_for(request.user, pk)
    _, names = _product_names(session)
    data = exports.report_workbook(session, report, names, exports.curve_labels(report))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="session-{session.code}.xlsx"'
    return response


def _screen_context(session: LiveSession, report: dict[str, Any]) -> dict[str, Any]:
    return {
        "s": session,
        "online_now": display(report["online_now"], "int"),
        "gmv": display(report["gmv_fen"], "fen"),
        "buyers": display(report["buyers"], "int"),
        "watch_uv": display(report["watch_uv"], "int"),
        "peak_online": display(report["peak_online"], "int"),
        "paid_orders": display(report["paid_orders"], "int"),
        "curve": {"labels": exports.curve_labels(report), "values": report["online_curve"]},
        "updated": timezone.localtime().strftime("%H:%M:%S"),
    }


@login_required
@page_errors
def session_screen(request, pk: int) -> HttpResponse:
    """The live screen (大屏): figures and the online curve, refreshed every few seconds by HTMX polling."""
    session, report = selectors.live_figures(request.user, pk)
    ctx = _screen_context(session, report) | {"every": _poll_seconds(request)}
    return render(request, "live/session_screen.html", ctx)


def _poll_seconds(request) -> int:
    """The polling interval asked for (``?every=N`` seconds, 1–60; default 3)."""
    try:
        return min(max(int(request.GET.get("every", 3)), 1), 60)
    except ValueError:
        return 3


@login_required
@page_errors
def screen_figures(request, pk: int) -> HttpResponse:
    """The live screen's figures (the HTMX partial it polls)."""
    session, report = selectors.live_figures(request.user, pk)
    ctx = _screen_context(session, report) | {"every": _poll_seconds(request)}
    return render(request, "live/_screen_figures.html", ctx)


def _operate(request, pk: int, call, done: str) -> HttpResponse:
    try:
        call(actor=request.user, pk=pk)
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.detail)
    else:
        messages.success(request, done)
    return redirect("live:session_report", pk=pk)


@login_required
@require_POST
@page_errors
def session_start(request, pk: int) -> HttpResponse:
    """Go live from the report page."""
    return _operate(request, pk, services.session_start, _("已开播"))


@login_required
@require_POST
@page_errors
def session_end(request, pk: int) -> HttpResponse:
    """End the session from the report page."""
    return _operate(request, pk, services.session_end, _("已下播"))


@login_required
@page_errors
def overview(request, group: str) -> HttpResponse:
    """Rollups over days or weeks per anchor or per selling enterprise, of the sessions the user may see."""
    require_right(request.user, "session", "view")
    period = request.GET.get("period") if request.GET.get("period") in selectors.PERIODS else "day"
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    days = days if days in selectors.OVERVIEW_DAYS else 30
    data = selectors.overview(request.user, group=group, period=period, days=days)
    rows = [
        {
            "name": r["group_name"],
            "period": r["period"],
            "sessions": r["sessions"],
            "cells": [
                display(r.get("watch_uv"), "int"),
                display(r.get("avg_watch_seconds"), "seconds"),
                display(r.get("bounce_rate"), "ratio"),
                display(r.get("gmv_fen"), "fen"),
                display(r.get("buyers"), "int"),
                display(r.get("watch_pay_rate"), "ratio"),
                display(r.get("refund_fen"), "fen"),
            ],
        }
        for r in data["rows"]
    ]
    chart = {
        "labels": [_period_label(p["period"], period) for p in data["periods"]],
        "gmv_yuan": [p["gmv_fen"] / 100 for p in data["periods"]],
        "sessions": [p["sessions"] for p in data["periods"]],
    }
    ctx = {
        "group": group,
        "period": period,
        "days": days,
        "day_choices": selectors.OVERVIEW_DAYS,
        "rows": rows,
        "chart": chart,
        "title": _("主播数据概览") if group == "anchor" else _("企业数据概览"),
        "group_label": _("主播") if group == "anchor" else _("销售企业"),
    }
    return render(request, "live/overview.html", ctx)


def _period_label(key: str, period: str) -> str:
    day = dt.date.fromisoformat(key)
    return f"{day:%m-%d}" if period == "day" else _("%(d)s 周") % {"d": f"{day:%m-%d}"}
