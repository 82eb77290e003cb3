"""Every read of the live app, scoped to the user: sessions, run-of-show, session reports (from the event
store), explain slots, the live screen's figures and the anchor/enterprise rollups."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pyarrow.compute as pc
import pyarrow.dataset as ds
from django.db.models import Q, QuerySet
from django.utils import timezone

from livepark.core.scoping import get_scoped, require_right
from livepark.engines.events import EventStore, rollup, session_report, session_reports
from livepark.live.models import LiveSession, RunOfShowItem, SessionStatus
from livepark.live.services import event_store

MINUTE_MS = 60_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_REPORTS: OrderedDict[tuple, Any] = OrderedDict()  # see _cached
_REPORTS_LOCK = threading.Lock()
_REPORTS_MAX = 256
PERIODS = ("day", "week")
GROUPS = ("anchor", "enterprise")
OVERVIEW_DAYS = (7, 30, 90)


# --- sessions ---------------------------------------------------------------------------------------------


def session_list(
    user,
    *,
    status: str | None = None,
    anchor_id: int | None = None,
    enterprise_id: int | None = None,
    room_id: int | None = None,
    q: str | None = None,
    start_from: dt.datetime | None = None,
    start_to: dt.datetime | None = None,
) -> QuerySet[LiveSession]:
    """Sessions the user may see, newest planned start first, filtered."""
    require_right(user, "session", "view")
    qs = (
        LiveSession.objects.restrict(user, "view")
        .filter(archived_at__isnull=True)
        .select_related("room", "anchor", "enterprise")
    )
    if status:
        qs = qs.filter(status=status)
    if anchor_id:
        qs = qs.filter(anchor_id=anchor_id)
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    if room_id:
        qs = qs.filter(room_id=room_id)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(code__iexact=q) | Q(anchor__stage_name__icontains=q))
    if start_from:
        qs = qs.filter(planned_start__gte=start_from)
    if start_to:
        qs = qs.filter(planned_start__lt=start_to)
    return qs


def session_get(user, pk: int, action: str = "view") -> LiveSession:
    """One session in the user's scope (403 without the right, 404 outside scope)."""
    return get_scoped(LiveSession, user, pk, action)


def run_of_show(session: LiveSession) -> list[RunOfShowItem]:
    """The session's run-of-show in order, with products."""
    return list(session.run_of_show.select_related("product").order_by("position"))


# --- reports ----------------------------------------------------------------------------------------------


def report_of(session: LiveSession) -> dict[str, Any]:
    """The engine's report of ``session`` over the event store (no scope check: callers have one).

    Cached per process by the store's version (every append or compaction bumps it) and the session's span,
    so the live screen's polling and a report page's several parts compute it once per change.
    """
    return _report(session.code, session.started_at, session.ended_at)


def report_by_code(code: str) -> dict[str, Any]:
    """The report of the session with events ``code`` (its span from the database when the session exists;
    for the CLI, which is trusted)."""
    session = LiveSession.objects.filter(code=code).only("code", "started_at", "ended_at").first()
    if session is None:
        return _report(code, None, None)
    return report_of(session)


def _cached(key: tuple, compute: Callable[[EventStore], Any]) -> Any:
    """``compute(store)``, remembered per process until the store changes (its version is part of the key);
    callers get a copy they may change."""
    store = event_store()
    key = (str(store.root), store.version, *key)
    with _REPORTS_LOCK:
        if key in _REPORTS:
            _REPORTS.move_to_end(key)
            return copy.deepcopy(_REPORTS[key])
    value = compute(store)
    with _REPORTS_LOCK:
        _REPORTS[key] = value
        while len(_REPORTS) > _REPORTS_MAX:
            _REPORTS.popitem(last=False)
    return copy.deepcopy(value)


def _report(code: str, started: dt.datetime | None, ended: dt.datetime | None) -> dict[str, Any]:
    return _cached(
        ("report", code, started, ended), lambda store: session_report(store, code, started, ended)
    )


def figures_of(sessions: list[LiveSession]) -> dict[str, dict[str, Any]]:
    """Headline figures of many sessions at once (one pass over the store), keyed by code; sessions that have
    not started are left out."""
    started = [s for s in sessions if s.started_at is not None]
    if not started:
        return {}
    given = [{"session_id": s.code, "started_at": s.started_at, "ended_at": s.ended_at} for s in started]
    keys = ("watch_uv", "peak_online", "gmv_fen", "buyers")

    def compute(store: EventStore) -> dict[str, dict[str, Any]]:
        reports = session_reports(store, given)
        return {code: {k: r[k] for k in keys} for code, r in reports.items()}

    return _cached(("figures", *((g["session_id"], g["started_at"], g["ended_at"]) for g in given)), compute)


def session_report_for(user, pk: int) -> tuple[LiveSession, dict[str, Any]]:
    """A session in scope and its report."""
    session = session_get(user, pk)
    return session, report_of(session)


def iso_ms(value: str | None) -> int | None:
    """Epoch milliseconds of an ISO 8601 time with an offset (None stays None)."""
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return (parsed - _EPOCH) // dt.timedelta(milliseconds=1)


def explain_slots(session: LiveSession, report: dict[str, Any]) -> list[dict[str, Any]]:
    """The run-of-show as it happened: each explain slot (``explain_start`` → ``explain_end`` of a product,
    paired as the spec pairs visits; an open slot ends at the session's end) clipped to the report's span.

    Returns ``{product_id, start_ms, end_ms}`` in time order; empty slots are left out.
    """
    start, end = iso_ms(report.get("started_at")), iso_ms(report.get("ended_at"))
    files = event_store().files([session.code])
    if start is None or end is None or not files:
        return []
    table = ds.dataset([str(f) for f in files], format="parquet").to_table(
        columns=["event_id", "ts", "type", "product_id"],
        filter=(ds.field("session_id") == session.code)
        & ds.field("type").isin(["explain_start", "explain_end"])
        & ds.field("product_id").is_valid(),
    )
    table = table.append_column("ts_ms", pc.cast(table["ts"], "int64")).sort_by(
        [("ts_ms", "ascending"), ("event_id", "ascending")]
    )
    open_at: dict[str, int] = {}
    slots = []
    for row in table.select(["ts_ms", "type", "product_id"]).to_pylist():
        product, ts = row["product_id"], row["ts_ms"]
        if row["type"] == "explain_start":
            open_at.setdefault(product, ts)  # a second start while open is ignored
        elif product in open_at:
            slots.append((product, open_at.pop(product), ts))
    slots.extend((p, a, end) for p, a in open_at.items())
    out = []
    for product, a, b in slots:
        a, b = max(a, start), min(b, end)
        if b > a:
            out.append({"product_id": product, "start_ms": a, "end_ms": b})
    return sorted(out, key=lambda s: (s["start_ms"], s["product_id"]))


def live_figures(user, pk: int) -> tuple[LiveSession, dict[str, Any]]:
    """What the live screen shows, computed over the events that have arrived (the same report)."""
    return session_report_for(user, pk)


# --- overviews (rollups) ----------------------------------------------------------------------------------


def _period_key(moment: dt.datetime, period: str) -> str:
    day = timezone.localtime(moment).date()
    if period == "week":
        day -= dt.timedelta(days=day.weekday())
    return day.isoformat()


def overview(
    user, *, group: str = "anchor", period: str = "day", days: int = 30, today: dt.date | None = None
) -> dict[str, Any]:
    """Rollups of the user's started sessions of the last ``days`` days per anchor (the primary anchor) or
    per selling enterprise, and per local day or week (Monday). Sums of the atoms with UVs de-duplicated within
    each group and period, as the spec says; never sums of ratios.

    Returns ``{"rows": [...], "periods": [...]}``: rows carry ``group_id``, ``group_name``, ``period``,
    ``sessions`` and the rollup's figures; periods carry ``period``, ``sessions`` and ``gmv_fen`` over all groups.
    """
    require_right(user, "session", "view")
    if group not in GROUPS or period not in PERIODS:
        raise ValueError("group must be anchor|enterprise and period day|week")
    today = today or timezone.localdate()
    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days - 1), dt.time()))
    name_field = "anchor__stage_name" if group == "anchor" else "enterprise__name"
    id_field = f"{group}_id"
    sessions = list(
        LiveSession.objects.restrict(user, "view")
        .filter(archived_at__isnull=True, started_at__gte=since)
        .exclude(status=SessionStatus.CANCELLED)
        .values("code", "started_at", "ended_at", id_field, name_field)
    )
    if not sessions:
        return {"rows": [], "periods": []}
    given = [
        {
            "session_id": s["code"],
            "started_at": s["started_at"],
            "ended_at": s["ended_at"],
            "group_id": s[id_field],
            "period": _period_key(s["started_at"], period),
        }
        for s in sessions
    ]
    names = {s[id_field]: s[name_field] for s in sessions}
    counts: dict[tuple[int, str], int] = {}
    for g in given:
        counts[(g["group_id"], g["period"])] = counts.get((g["group_id"], g["period"]), 0) + 1
    signature = tuple(
        (g["session_id"], g["started_at"], g["ended_at"], g["group_id"], g["period"]) for g in given
    )
    result = _cached(("rollup", *signature), lambda store: rollup(store, given, by=["group_id", "period"]))
    figures = {(r["group_id"], r["period"]): r for r in result}
    rows = []
    for (group_id, key), n in counts.items():
        row = figures.get((group_id, key), {"gmv_fen": 0, "watch_uv": 0, "buyers": 0})
        rows.append(
            {**row, "group_id": group_id, "group_name": names[group_id], "period": key, "sessions": n}
        )
    rows.sort(key=lambda r: (r["period"], r.get("gmv_fen") or 0), reverse=True)
    periods: dict[str, dict[str, Any]] = {}
    for r in rows:
        p = periods.setdefault(r["period"], {"period": r["period"], "sessions": 0, "gmv_fen": 0})
        p["sessions"] += r["sessions"]
        p["gmv_fen"] += r.get("gmv_fen") or 0
    return {"rows": rows, "periods": sorted(periods.values(), key=lambda p: p["period"])}
