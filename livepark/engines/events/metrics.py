"""Compass-style live-session metrics (``shared/specs/metrics.md``) written once, as Ibis expressions.

The definitions are backend-portable Ibis expressions over the event table (:data:`~.schema.EVENT_SCHEMA`):
DuckDB runs them by default, PySpark (or any SQL backend) through the same expressions — no SQL strings,
no backend-only functions. Times are handled as integer epoch milliseconds (``ts_ms``) so that every sum,
clip and minute floor is exact on every backend.

How the tricky parts are expressed
----------------------------------
* **Visit pairing** (enter → the viewer's next leave; a leave with no open visit and a second enter while
  open are ignored). After any ``enter`` the viewer is "open", after any ``leave`` "closed", whatever was
  ignored. So an enter *opens* a visit iff the previous enter/leave of that viewer (ordered by ``ts``,
  ``event_id``) is not an enter, and a leave *closes* one iff the previous one is an enter: one ``lag``
  window. Opens and closes then strictly alternate, so one ``lead`` window gives each visit its close; a
  visit with none ends at the session's end. Explain slots pair the same way per ``product_id``.
* **Clipping and half-open visits**: ``[greatest(open, start), least(close, end))``, length
  ``greatest(b − a, 0)``; zero-length visits add watch time 0 and are never open.
* **Online curve**: each non-empty visit gives a +1 at its start and a −1 at its end; a 0 marker is added at
  every minute boundary from start's minute to end's minute. Summing deltas per instant and taking a
  cumulative-sum window gives the number of visits open on ``[t, next t)``; a marker's level is therefore
  the number already open when its minute begins. The minute's value is the ``max`` level over the points
  inside it (levels only rise at visit starts, so the maximum over the minute's instants is reached at one
  of them). ``peak_online`` is the max of the curve.
* **GMV**: the first ``order_pay`` of each ``order_id`` by (``ts``, ``event_id``) via ``row_number``;
  refunds are this session's ``refund`` events whose ``order_id`` is among this session's paid orders
  (a semi-join), whatever their ``ts``.
* **Ratios** are computed from the atoms as ``num / nullif(den, 0)``, so ``null`` when the denominator is 0.
* **Rollups** reuse the same atom expressions grouped by a scope column instead of ``session_id``: visits and
  spans stay per session, sums add up, UVs and orders are distinct within the scope.

Execution: every expression is grouped by ``session_id``, so one report and a thousand cost the same few
queries (:func:`session_reports`). A pyarrow table or an :class:`~.store.EventStore` is read into a private
in-memory DuckDB connection per call, where the expressions run as SQL compiled once per process (compiling
is most of the cost of a small report); an Ibis table or backend runs the expressions on its own engine.
The tests compile every expression for PySpark as well, so that nothing DuckDB-only slips in.

Choices where the spec leaves room (also in the report's docstring):

* Only visits, slots and the online curve use the span; counts (UV/PV, orders, refunds) take every event of
  the session whatever its ``ts``. ``end`` is raised to ``start`` when it would fall before it; a session
  whose only events are payments/refunds ends at its start.
* Refunds are attributed through their ``session_id``: a refund counts for this session when its event
  belongs to the session and its ``order_id`` was paid in it.
* Per product: ``buyers``/``paid_orders`` are ``order_pay`` UV / distinct orders of pay events carrying the
  product; ``items_sold``/``gmv_fen`` come from each order's first pay, and a refund goes to the product of
  its order's first pay. Products never explained follow the explained ones, by ``product_id``.
* ``online_now`` counts visits open at the newest event's ``ts``: a visit without a leave is still open then
  unless the session has an ``ended_at``.
* Duplicates in the input (a repeated ``event_id``) count once: the first row wins (input order for a
  pyarrow table; the store keeps only the first stored already; an Ibis table without ``_seq`` keeps the
  smallest row in column order).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
from ibis.backends import BaseBackend

from .schema import EVENT_FIELDS, SOURCES, parse_ts

__all__ = [
    "ATOMS",
    "INTERACTION_TYPES",
    "RATIOS",
    "STAY_BUCKETS",
    "deduplicate",
    "empty_report",
    "headline_atoms",
    "online_curve",
    "online_now",
    "prepare",
    "product_rows",
    "rollup",
    "rollup_expression",
    "session_expressions",
    "session_report",
    "session_reports",
    "slots",
    "source_rows",
    "spans",
    "visit_pairs",
    "visits",
    "watch_per_viewer",
    "with_ratios",
]

MINUTE_MS = 60_000
INTERACTION_TYPES: tuple[str, ...] = ("comment", "like", "share", "follow", "gift")
PAY_TYPES: tuple[str, ...] = ("order_pay", "refund")  # may arrive after the session: not part of its end
# (key, lower bound ms inclusive, upper bound ms exclusive or None)
STAY_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("lt_5s", 0, 5_000),
    ("5_30s", 5_000, 30_000),
    ("30_60s", 30_000, 60_000),
    ("1_3m", 60_000, 180_000),
    ("3_10m", 180_000, 600_000),
    ("ge_10m", 600_000, None),
)
# ratio name -> (numerator atom, denominator atom, factor applied to the numerator)
RATIOS: dict[str, tuple[str, str, int]] = {
    "exposure_watch_rate": ("watch_uv", "exposure_uv", 1),
    "bounce_rate": ("lt_5s", "watch_uv", 1),
    "interaction_rate": ("interact_uv", "watch_uv", 1),
    "follow_rate": ("new_followers", "watch_uv", 1),
    "product_ctr": ("product_click_uv", "product_exposure_uv", 1),
    "click_pay_rate": ("buyers", "product_click_uv", 1),
    "watch_pay_rate": ("buyers", "watch_uv", 1),
    "gpm_fen": ("gmv_fen", "watch_pv", 1000),
    "uv_value_fen": ("gmv_fen", "watch_uv", 1),
    "refund_rate": ("refund_orders", "paid_orders", 1),
}
_COUNT_ATOMS = (
    "exposure_uv",
    "exposure_pv",
    "watch_uv",
    "watch_pv",
    "interact_uv",
    "comments",
    "likes",
    "shares",
    "new_followers",
    "product_exposure_uv",
    "product_click_uv",
    "paid_orders",
    "buyers",
)
_WATCH_ATOMS = ("watch_time_ms", *(key for key, _, _ in STAY_BUCKETS))
_ORDER_ATOMS = ("items_sold", "gmv_fen")  # paid_orders is counted from the same first pays
_REFUND_ATOMS = ("refund_fen", "refund_orders")
ATOMS: tuple[str, ...] = (*_COUNT_ATOMS, *_WATCH_ATOMS, *_ORDER_ATOMS, *_REFUND_ATOMS)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --------------------------------------------------------------------------------------------------------
# Input normalisation


def deduplicate(t: ir.Table) -> ir.Table:
    """One row per ``event_id``: the first one (lowest ``_seq``, the arrival order) when the table has a
    ``_seq`` column, else the smallest row in column order (exact re-deliveries are identical anyway)."""
    if "_seq" in t.columns:
        firsts = t.group_by("event_id").aggregate(_first=t._seq.min())
        return t.semi_join(firsts, t._seq == firsts._first).drop("_seq")
    order = [t[c].asc(nulls_first=False) for c in EVENT_FIELDS[1:]]
    return t.filter(ibis.row_number().over(ibis.window(group_by=t.event_id, order_by=order)) == 0)


def prepare(t: ir.Table) -> ir.Table:
    """Add the working columns: ``ts_ms`` (int64 epoch ms; kept when the table already has it),
    ``viewer`` (null for empty ids), ``n`` (qty, default 1) and ``amount`` (amount_fen, default 0)."""
    if "ts_ms" in t.columns:
        ts_ms = t.ts_ms.cast("int64")
    else:
        ts_ms = t.ts.delta(ibis.timestamp(_EPOCH), unit="millisecond").cast("int64")
    return t.select(
        *EVENT_FIELDS,
        ts_ms=ts_ms,
        viewer=t.viewer_id.nullif(""),
        n=t.qty.cast("int64").fill_null(1),
        amount=t.amount_fen.cast("int64").fill_null(0),
    )


def spans(ev: ir.Table, sessions: ir.Table) -> ir.Table:
    """The span of every session in ``sessions`` (``session_id, started_ms, ended_ms``, the times nullable).

    Returns ``session_id, start_ms, end_ms, newest_ms, ended``: start = ``started_ms`` or the earliest event;
    end = ``ended_ms`` or the newest event that is not an ``order_pay``/``refund`` (or start when there is
    none), and never before start; ``newest_ms`` is the newest event of any type; ``ended`` says whether
    the session has an ``ended_ms``. ``start_ms`` is null for a session with neither events nor start.
    """
    agg = ev.group_by("session_id").aggregate(
        first_ms=ev.ts_ms.min(),
        last_ms=ev.ts_ms.max(where=~ev.type.isin(PAY_TYPES)),
        newest_ms=ev.ts_ms.max(),
    )
    j = _attach(sessions, agg, ["session_id"])
    start = j.started_ms.coalesce(j.first_ms)
    end = j.ended_ms.coalesce(j.last_ms).coalesce(start)
    return j.select(
        "session_id",
        start_ms=start,
        end_ms=ibis.greatest(end, start),
        newest_ms=j.newest_ms,
        ended=j.ended_ms.notnull(),
    )


# --------------------------------------------------------------------------------------------------------
# Intervals: visits and explain slots

_SPAN_COLUMNS = ("start_ms", "end_ms", "newest_ms", "ended")


def _pairs(ev: ir.Table, key: str, open_type: str, close_type: str) -> ir.Table:
    """Each opening event per (session, ``key``) with ``open_ms`` and the ``close_ms`` paired with it (null
    when none). The span columns of ``ev`` are carried through."""
    carry = [c for c in _SPAN_COLUMNS if c in ev.columns]
    x = ev.filter(ev.type.isin([open_type, close_type]) & ev[key].notnull())
    x = x.mutate(
        _prev=x.type.lag().over(ibis.window(group_by=[x.session_id, x[key]], order_by=[x.ts_ms, x.event_id]))
    )
    # After any open event the key is open, after any close event closed (ignored events change nothing).
    opens = (x.type == open_type) & (x._prev.isnull() | (x._prev == close_type))
    closes = (x.type == close_type) & (x._prev == open_type)
    y = x.filter(opens | closes)
    # Opens and closes now alternate, so an open's next row is its close.
    y = y.mutate(
        _close=y.ts_ms.lead().over(
            ibis.window(group_by=[y.session_id, y[key]], order_by=[y.ts_ms, y.event_id])
        )
    )
    y = y.filter(y.type == open_type)
    return y.select("session_id", key, *carry, open_ms=y.ts_ms, close_ms=y._close)


def _clipped(p: ir.Table) -> ir.Table:
    """Clip paired intervals to [start, end]: ``a``, ``b`` and ``length_ms`` (0 for empty intervals)."""
    a = ibis.greatest(p.open_ms, p.start_ms)
    b = ibis.least(p.close_ms.coalesce(p.end_ms), p.end_ms)  # no close: ends at the session's end
    return p.mutate(a=a, b=b, length_ms=ibis.greatest(b - a, 0))


def visit_pairs(ev: ir.Table) -> ir.Table:
    """Each visit's enter with ``open_ms`` and its paired leave ``close_ms`` (null: none), unclipped; the
    span columns of ``ev`` are carried. The input of every visit-based metric."""
    return _pairs(ev, "viewer", "enter", "leave")


def visits(ev: ir.Table, *, pairs: ir.Table | None = None) -> ir.Table:
    """The viewers' visits, clipped to their session's span: ``session_id, viewer, open_ms, close_ms, a, b,
    length_ms`` (``ev`` carries ``start_ms``/``end_ms``)."""
    return _clipped(visit_pairs(ev) if pairs is None else pairs)


def slots(ev: ir.Table) -> ir.Table:
    """The explain slots per ``product_id``, paired and clipped like visits."""
    return _clipped(_pairs(ev, "product_id", "explain_start", "explain_end"))


def watch_per_viewer(
    ev: ir.Table, by: Sequence[str] = ("session_id",), *, pairs: ir.Table | None = None
) -> ir.Table:
    """``watch_ms`` per viewer within each scope ``by``: the sum of the viewer's visit lengths."""
    v = visits(ev, pairs=pairs)
    if list(by) != ["session_id"]:
        v = v.join(ev.select(*by, "session_id").distinct(), "session_id")
    return v.group_by([*by, "viewer"]).aggregate(watch_ms=v.length_ms.sum())


def online_curve(ev: ir.Table, session_spans: ir.Table, *, pairs: ir.Table | None = None) -> ir.Table:
    """``session_id, minute_ms, online`` for every UTC minute from start's minute to end's minute: the most
    visits open at any instant of that minute, counting those already open when it begins."""
    v = visits(ev, pairs=pairs)
    v = v.filter(v.length_ms > 0)  # a zero-length visit is never open
    sp = session_spans
    marks = sp.select(
        "session_id", t=ibis.range(sp.start_ms - sp.start_ms % MINUTE_MS, sp.end_ms + 1, MINUTE_MS).unnest()
    )
    one = ibis.literal(1, "int64")
    points = ibis.union(
        v.select("session_id", t=v.a, d=one),
        v.select("session_id", t=v.b, d=-one),
        marks.select("session_id", t=marks.t.cast("int64"), d=ibis.literal(0, "int64")),
        distinct=False,
    )
    points = points.group_by(["session_id", "t"]).aggregate(d=points.d.sum())
    running = ibis.window(group_by=points.session_id, order_by=points.t, rows=(None, 0))
    points = points.mutate(level=points.d.sum().over(running))
    minute = points.t - points.t % MINUTE_MS
    curve = points.group_by(["session_id", minute.name("minute_ms")]).aggregate(online=points.level.max())
    return curve.order_by(["session_id", "minute_ms"])


def online_now(ev: ir.Table, *, pairs: ir.Table | None = None) -> ir.Table:
    """``session_id, online_now``: visits open at the newest event's ``ts``. A visit without a leave is still
    open then, unless the session has ended (it was closed at the session's end)."""
    p = visit_pairs(ev) if pairs is None else pairs
    a = ibis.greatest(p.open_ms, p.start_ms)
    closed_at = ibis.ifelse(p.ended, ibis.least(p.close_ms.coalesce(p.end_ms), p.end_ms), p.close_ms)
    is_open = (a <= p.newest_ms) & (closed_at.isnull() | (closed_at > p.newest_ms))
    return p.group_by("session_id").aggregate(online_now=p.open_ms.count(where=is_open))


# --------------------------------------------------------------------------------------------------------
# Atoms and ratios


def _attach(left: ir.Table, right: ir.Table, keys: Sequence[str]) -> ir.Table:
    """``left`` left-joined with ``right`` on ``keys`` (same names on both sides), keeping left's keys."""
    r = right.rename({f"_k_{k}": k for k in keys})
    j = left.left_join(r, [left[k] == r[f"_k_{k}"] for k in keys])
    return j.select(*left.columns, *[c for c in right.columns if c not in keys])


def _first_pays(ev: ir.Table, by: Sequence[str]) -> ir.Table:
    """The first ``order_pay`` (by ts, event_id) of each ``order_id`` within each scope ``by``."""
    pays = ev.filter((ev.type == "order_pay") & ev.order_id.notnull())
    w = ibis.window(group_by=[*[pays[k] for k in by], pays.order_id], order_by=[pays.ts_ms, pays.event_id])
    return pays.filter(ibis.row_number().over(w) == 0)


def _session_refunds(ev: ir.Table) -> ir.Table:
    """Refund events for orders paid in the same session, whenever they arrive."""
    paid = (
        ev.filter((ev.type == "order_pay") & ev.order_id.notnull())
        .select("session_id", "order_id")
        .distinct()
    )
    refunds = ev.filter((ev.type == "refund") & ev.order_id.notnull())
    return refunds.semi_join(paid, ["session_id", "order_id"])


def headline_atoms(
    ev: ir.Table, by: Sequence[str] = ("session_id",), *, pairs: ir.Table | None = None
) -> ir.Table:
    """One row per scope ``by`` with every summable atom (:data:`ATOMS`); UVs distinct within the scope.

    ``ev`` is prepared, de-duplicated, and carries ``start_ms``/``end_ms`` of each row's session.
    """
    by = list(by)
    kind = ev.type
    # PVs and sums in one pass; UVs from distinct (type, viewer) pairs, far cheaper than many
    # COUNT(DISTINCT ... FILTER ...) over every event.
    pv = ev.group_by(by).aggregate(
        exposure_pv=ev.event_id.count(where=kind == "impression"),
        watch_pv=ev.event_id.count(where=kind == "enter"),
        comments=ev.event_id.count(where=kind == "comment"),
        likes=ev.n.sum(where=kind == "like"),
        shares=ev.event_id.count(where=kind == "share"),
    )
    seen = ev.filter(ev.viewer.notnull()).select(*by, "type", "viewer").distinct()
    uv_of = {
        "exposure_uv": "impression",
        "watch_uv": "enter",
        "new_followers": "follow",
        "product_exposure_uv": "product_impression",
        "product_click_uv": "product_click",
        "buyers": "order_pay",
    }
    uv = seen.group_by(by).aggregate(**{k: seen.viewer.count(where=seen.type == v) for k, v in uv_of.items()})
    active = seen.filter(seen.type.isin(INTERACTION_TYPES)).select(*by, "viewer").distinct()
    interact = active.group_by(by).aggregate(interact_uv=active.viewer.count())
    w = watch_per_viewer(ev, by, pairs=pairs)
    buckets = {}
    for key, low, high in STAY_BUCKETS:
        inside = w.watch_ms >= low if high is None else (w.watch_ms >= low) & (w.watch_ms < high)
        buckets[key] = w.viewer.count(where=inside)
    watch = w.group_by(by).aggregate(watch_time_ms=w.watch_ms.sum(), **buckets)
    first = _first_pays(ev, by)  # exactly one row per distinct paid order_id
    orders = first.group_by(by).aggregate(
        paid_orders=first.order_id.count(), items_sold=first.n.sum(), gmv_fen=first.amount.sum()
    )
    r = _session_refunds(ev)
    if by != ["session_id"]:
        r = r.join(ev.select(*by, "session_id").distinct(), "session_id")
    refunds = r.group_by(by).aggregate(refund_fen=r.amount.sum(), refund_orders=r.order_id.nunique())
    scopes = ev.select(*by).distinct()
    out = scopes
    for part in (pv, uv, interact, watch, orders, refunds):
        out = _attach(out, part, by)
    return out.mutate(**{a: out[a].cast("int64").fill_null(0) for a in ATOMS})


def with_ratios(atoms: ir.Table) -> ir.Table:
    """Add :data:`RATIOS`, ``avg_watch_seconds`` and ``net_gmv_fen``, computed from the atoms only."""
    ratios: dict[str, ir.Value] = {}
    for name, (num, den, factor) in RATIOS.items():
        ratios[name] = (atoms[num] * factor) / atoms[den].nullif(0)
    ratios["avg_watch_seconds"] = atoms.watch_time_ms / (atoms.watch_uv * 1000).nullif(0)
    ratios["net_gmv_fen"] = atoms.gmv_fen - atoms.refund_fen
    return atoms.mutate(**ratios)


# --------------------------------------------------------------------------------------------------------
# Per product and per traffic source


def product_rows(ev: ir.Table) -> ir.Table:
    """The run-of-show table: one row per (session, ``product_id``), in order of the product's first
    ``explain_start`` (by ts, event_id), then never-explained products by id."""
    keys = ["session_id", "product_id"]
    pe = ev.filter(ev.product_id.notnull())
    kind = pe.type
    counts = pe.group_by(keys).aggregate(
        product_exposure_uv=pe.viewer.nunique(where=kind == "product_impression"),
        product_click_uv=pe.viewer.nunique(where=kind == "product_click"),
        buyers=pe.viewer.nunique(where=kind == "order_pay"),
        paid_orders=pe.order_id.nunique(where=kind == "order_pay"),
    )
    xs = pe.filter(kind == "explain_start")
    xs = xs.filter(ibis.row_number().over(ibis.window(group_by=keys, order_by=[xs.ts_ms, xs.event_id])) == 0)
    firsts = xs.select(*keys, first_explain_ms=xs.ts_ms, first_explain_id=xs.event_id)
    fp = _first_pays(ev, ["session_id"])
    owned = fp.filter(fp.product_id.notnull())
    orders = owned.group_by(keys).aggregate(items_sold=owned.n.sum(), gmv_fen=owned.amount.sum())
    r = _session_refunds(ev)
    owner = owned.select(_o_session="session_id", _o_order="order_id", _o_product="product_id")
    r = r.join(owner, [r.session_id == owner._o_session, r.order_id == owner._o_order])
    refunds = r.group_by(["session_id", r._o_product.name("product_id")]).aggregate(refund_fen=r.amount.sum())
    s = slots(ev)
    explain = s.group_by(keys).aggregate(explain_ms=s.length_ms.sum())
    out = counts
    for part in (firsts, orders, refunds, explain):
        out = _attach(out, part, keys)
    zero = ("items_sold", "gmv_fen", "refund_fen", "explain_ms")
    out = out.mutate(**{c: out[c].cast("int64").fill_null(0) for c in zero})
    out = out.mutate(
        product_ctr=out.product_click_uv / out.product_exposure_uv.nullif(0),
        explain_seconds=out.explain_ms / 1000,
    )
    return out.order_by(
        [
            out.session_id,
            out.first_explain_ms.isnull(),
            out.first_explain_ms,
            out.first_explain_id,
            out.product_id,
        ]
    )


def source_rows(ev: ir.Table) -> ir.Table:
    """``session_id, source, watch_uv, gmv_fen`` by the source of each viewer's first ``enter``; a missing
    source, or a buyer who never entered, counts as ``other``. Sources with neither are left out."""
    en = ev.filter((ev.type == "enter") & ev.viewer.notnull())
    w = ibis.window(group_by=[en.session_id, en.viewer], order_by=[en.ts_ms, en.event_id])
    en = en.filter(ibis.row_number().over(w) == 0)
    first = en.select(_e_session=en.session_id, _e_viewer=en.viewer, _e_source=en.source.fill_null("other"))
    zero = ibis.literal(0, "int64")
    watch = first.select(
        session_id=first._e_session, source=first._e_source, uv=ibis.literal(1, "int64"), fen=zero
    )
    fp = _first_pays(ev, ["session_id"])
    j = fp.left_join(first, [fp.session_id == first._e_session, fp.viewer == first._e_viewer])
    gmv = j.select(session_id=j.session_id, source=j._e_source.fill_null("other"), uv=zero, fen=j.amount)
    both = ibis.union(watch, gmv, distinct=False)
    return both.group_by(["session_id", "source"]).aggregate(watch_uv=both.uv.sum(), gmv_fen=both.fen.sum())


# --------------------------------------------------------------------------------------------------------
# Entry points


def session_expressions(
    ev: ir.Table, session_spans: ir.Table, *, pairs: ir.Table | None = None
) -> dict[str, ir.Table]:
    """Every query of the session reports as an unexecuted Ibis expression, over prepared, de-duplicated
    events ``ev`` and the resolved spans (``session_id, start_ms, end_ms, newest_ms, ended``, no nulls).
    Used by :func:`session_reports`, and to check that the definitions compile for other backends.
    ``pairs`` is :func:`visit_pairs` of the events joined with the spans, when already materialised."""
    evs = ev.join(session_spans, "session_id")
    pairs = visit_pairs(evs) if pairs is None else pairs
    return {
        "atoms": with_ratios(headline_atoms(evs, pairs=pairs)),
        "online_curve": online_curve(evs, session_spans, pairs=pairs),
        "online_now": online_now(evs, pairs=pairs),
        "products": product_rows(evs),
        "sources": source_rows(evs),
    }


def _ms(value: datetime | int | str | None) -> int | None:
    return None if value is None else parse_ts(value)


def _iso_ms(ms: int) -> str:
    return (_EPOCH + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _iso_minute(ms: int) -> str:
    return (_EPOCH + timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%MZ")


_EVENTS_TABLE, _SESSIONS_TABLE, _SPANS_TABLE, _PAIRS_TABLE = (
    "lp_events",
    "lp_sessions",
    "lp_spans",
    "lp_pairs",
)
PREPARED_SCHEMA = ibis.schema(
    {
        "event_id": "string",
        "session_id": "string",
        "ts": "timestamp('UTC', 3)",
        "type": "string",
        "viewer_id": "string",
        "product_id": "string",
        "order_id": "string",
        "amount_fen": "int64",
        "qty": "int64",
        "source": "string",
        "ts_ms": "int64",
        "viewer": "string",
        "n": "int64",
        "amount": "int64",
    }
)
_SESSIONS_SCHEMA = pa.schema(
    [("session_id", pa.string()), ("started_ms", pa.int64()), ("ended_ms", pa.int64())]
)
_SPANS_SCHEMA = pa.schema(
    [
        ("session_id", pa.string()),
        ("start_ms", pa.int64()),
        ("end_ms", pa.int64()),
        ("newest_ms", pa.int64()),
        ("ended", pa.bool_()),
    ]
)


@functools.cache
def _duckdb_sql() -> dict[str, tuple[str, pa.Schema]]:
    """The report's queries compiled once per process for DuckDB, over fixed table names in a private
    connection. Compiling the Ibis expressions is the slow part of a small report; the SQL never changes."""
    ev = ibis.table(PREPARED_SCHEMA, name=_EVENTS_TABLE)
    given = ibis.table(ibis.Schema.from_pyarrow(_SESSIONS_SCHEMA), name=_SESSIONS_TABLE)
    sp = ibis.table(ibis.Schema.from_pyarrow(_SPANS_SCHEMA), name=_SPANS_TABLE)
    vp = visit_pairs(ev.join(sp, "session_id"))
    pairs = ibis.table(vp.schema(), name=_PAIRS_TABLE)
    exprs = {"spans": spans(ev, given), "pairs": vp, **session_expressions(ev, sp, pairs=pairs)}
    return {k: (ibis.to_sql(e, dialect="duckdb"), e.schema().to_pyarrow()) for k, e in exprs.items()}


class _Events:
    """Prepared, de-duplicated events of the wanted sessions, materialised once for a report's queries.

    A pyarrow table or an :class:`~.store.EventStore` is read into a private in-memory DuckDB connection
    (``duck``), where the precompiled SQL runs; for an Ibis table or backend the expressions run on that
    backend (``table``).
    """

    def __init__(self, source: Any, session_ids: Sequence[str], dedupe: bool | None):
        self.duck: BaseBackend | None = None
        if isinstance(source, pa.Table):
            # Row order is arrival order: the first of repeated event_ids wins, as in the store.
            self.duck = ibis.duckdb.connect()
            table = source.select([c for c in EVENT_FIELDS if c in source.column_names])
            seq = pa.array(np.arange(table.num_rows, dtype=np.int64))
            # Epoch ms straight from Arrow's representation: free here, a date_diff per row in SQL.
            ts_ms = table["ts"].cast(pa.timestamp("ms", tz="UTC")).cast(pa.int64())
            t = ibis.memtable(table.append_column("_seq", seq).append_column("ts_ms", ts_ms))
            dedupe = True if dedupe is None else dedupe
        elif isinstance(source, ir.Table):
            t = source
        elif isinstance(source, BaseBackend):
            t = source.table("events")
        elif hasattr(source, "scan"):  # an EventStore: unique by event_id already
            self.duck = ibis.duckdb.connect()
            t = source.scan(list(session_ids), con=self.duck)
            dedupe = False if dedupe is None else dedupe
        else:
            raise TypeError(f"cannot read events from {type(source).__name__}")
        if dedupe is not False:
            t = deduplicate(t)
        ev = prepare(t)
        ev = ev.filter(ev.session_id.isin(list(session_ids)))
        if self.duck is not None:
            self.table = self.duck.create_table(_EVENTS_TABLE, ev, temp=True)
        else:
            # Not Table.cache(): releasing it emits a DROP that this ibis/sqlglot pairing renders without
            # the table name. Other backends re-run the (cheap, filtered) preparation per query instead.
            self.table = ev

    def rows(
        self, name: str, expr: ir.Table | None = None, compiled: tuple[str, pa.Schema] | None = None
    ) -> list[dict[str, Any]]:
        """Run a report query: precompiled SQL on DuckDB (``compiled``, or the session query ``name``),
        else ``expr`` on the source's own backend."""
        if self.duck is None:
            assert expr is not None
            return expr.to_pyarrow().to_pylist()
        sql, schema = compiled or _duckdb_sql()[name]
        return self.duck.con.sql(sql).to_arrow_table().cast(schema).to_pylist()

    def put(self, name: str, table: pa.Table) -> ir.Table:
        """Make a small table available to the queries (a named temp table on DuckDB, else a memtable)."""
        if self.duck is None:
            return ibis.memtable(table)
        self.duck.con.register(name, table)  # an Arrow view: no copy
        return self.duck.table(name)

    def close(self) -> None:
        if self.duck is not None:
            self.duck.disconnect()


def _sessions_table(sessions: Iterable[str | Mapping[str, Any]], by: Sequence[str] = ()) -> pa.Table:
    rows = [{"session_id": s} if isinstance(s, str) else dict(s) for s in sessions]
    return pa.table(
        {
            "session_id": pa.array([r["session_id"] for r in rows], pa.string()),
            "started_ms": pa.array([_ms(r.get("started_at")) for r in rows], pa.int64()),
            "ended_ms": pa.array([_ms(r.get("ended_at")) for r in rows], pa.int64()),
            **{k: pa.array([r[k] for r in rows]) for k in by},
        }
    )


def empty_report(session_id: str) -> dict[str, Any]:
    """The report of a session with no events and no start: zeros, ``None`` ratios, an empty curve."""
    report: dict[str, Any] = {"session_id": session_id, "started_at": None, "ended_at": None}
    report |= dict.fromkeys(_COUNT_ATOMS, 0) | {"watch_time_ms": 0} | dict.fromkeys(_ORDER_ATOMS, 0)
    report |= dict.fromkeys(_REFUND_ATOMS, 0) | {"net_gmv_fen": 0, "avg_watch_seconds": None}
    report |= dict.fromkeys(RATIOS, None)
    report |= {"stay_buckets": {key: 0 for key, _, _ in STAY_BUCKETS}, "online_curve_start": None}
    report |= {"online_curve": [], "peak_online": 0, "online_now": 0, "products": []}
    report["sources"] = {s: {"watch_uv": 0, "gmv_fen": 0} for s in SOURCES}
    return report


_PRODUCT_FIELDS = (
    "product_id",
    "product_exposure_uv",
    "product_click_uv",
    "product_ctr",
    "buyers",
    "paid_orders",
    "items_sold",
    "gmv_fen",
    "refund_fen",
    "explain_seconds",
)


def session_reports(
    source: Any, sessions: Iterable[str | Mapping[str, Any]], *, deduplicate: bool | None = None
) -> dict[str, dict[str, Any]]:
    """:func:`session_report` for many sessions at once (the same few queries, whatever their number).

    ``sessions`` holds session ids, or mappings with ``session_id`` and optional ``started_at``/``ended_at``.
    """
    given = _sessions_table(sessions)
    ids = given["session_id"].to_pylist()
    reports = {sid: empty_report(sid) for sid in ids}
    events = _Events(source, ids, deduplicate)
    try:
        ev = events.table
        given_t = events.put(_SESSIONS_TABLE, given.select(_SESSIONS_SCHEMA.names))
        resolved = [s for s in events.rows("spans", spans(ev, given_t)) if s["start_ms"] is not None]
        if not resolved:
            return reports
        for s in resolved:
            if s["newest_ms"] is None:  # started, no events yet: nothing is open
                s["newest_ms"] = s["start_ms"] - 1
            report = reports[s["session_id"]]
            report["started_at"], report["ended_at"] = _iso_ms(s["start_ms"]), _iso_ms(s["end_ms"])
            report["online_curve_start"] = _iso_minute(s["start_ms"])
        sp = events.put(_SPANS_TABLE, pa.Table.from_pylist(resolved, schema=_SPANS_SCHEMA))
        exprs = session_expressions(ev, sp) if events.duck is None else {}
        if events.duck is not None:  # visits feed three queries: pair them once
            events.duck.con.execute(f"CREATE TEMP TABLE {_PAIRS_TABLE} AS {_duckdb_sql()['pairs'][0]}")
        for row in events.rows("atoms", exprs.get("atoms")):
            report = reports[row["session_id"]]
            for key in (*ATOMS, *RATIOS, "avg_watch_seconds", "net_gmv_fen"):
                if key not in report["stay_buckets"]:
                    report[key] = row[key]
            report["stay_buckets"] = {key: row[key] for key, _, _ in STAY_BUCKETS}
        for row in events.rows("online_curve", exprs.get("online_curve")):
            reports[row["session_id"]]["online_curve"].append(row["online"])
        for row in events.rows("online_now", exprs.get("online_now")):
            reports[row["session_id"]]["online_now"] = row["online_now"]
        for row in events.rows("products", exprs.get("products")):
            reports[row["session_id"]]["products"].append({k: row[k] for k in _PRODUCT_FIELDS})
        for row in events.rows("sources", exprs.get("sources")):
            reports[row["session_id"]]["sources"][row["source"]] = {
                "watch_uv": row["watch_uv"],
                "gmv_fen": row["gmv_fen"],
            }
        for report in reports.values():
            report["peak_online"] = max(report["online_curve"], default=0)
        return reports
    finally:
        events.close()


def session_report(
    source: Any,
    session_id: str,
    started_at: datetime | int | str | None = None,
    ended_at: datetime | int | str | None = None,
    *,
    deduplicate: bool | None = None,
) -> dict[str, Any]:
    """Every metric of the spec for one session, keyed by the spec's code names.

    ``source`` is a pyarrow table of events (row order = arrival order), an Ibis table, an Ibis backend
    with an ``events`` table, or an :class:`~.store.EventStore`. ``started_at``/``ended_at`` are the
    ``LiveSession``'s times when known (aware datetime, ISO 8601 with offset, or epoch ms).

    Headline figures sit at the top level (counts and money in fen as ints, ratios as floats or ``None``
    when the denominator is 0, ``watch_time_ms`` the total watch time), plus ``stay_buckets`` (keys
    ``lt_5s`` … ``ge_10m``), ``online_curve`` (one value per UTC minute from ``online_curve_start``, an ISO
    minute such as ``2025-01-01T12:00Z``), ``peak_online``, ``online_now``, ``products`` (rows carrying
    ``product_id``, in run-of-show order) and ``sources`` (every source, each ``{"watch_uv", "gmv_fen"}``);
    ``started_at``/``ended_at`` give the span used (ISO, ms). ``deduplicate`` forces or skips the
    ``event_id`` de-duplication (default: on, except for a store, which holds each id once).
    """
    session = {"session_id": session_id, "started_at": started_at, "ended_at": ended_at}
    return session_reports(source, [session], deduplicate=deduplicate)[session_id]


def rollup_expression(ev: ir.Table, sessions: ir.Table, by: Sequence[str]) -> ir.Table:
    """The rollup as one Ibis expression: ``sessions`` has ``session_id, started_ms, ended_ms`` (nullable)
    and the scope columns ``by``; one row per scope with events, ordered by ``by``."""
    by = list(by)
    sp = spans(ev, sessions.select("session_id", "started_ms", "ended_ms"))
    sp = sp.filter(sp.start_ms.notnull()).join(sessions.select("session_id", *by), "session_id")
    return with_ratios(headline_atoms(ev.join(sp, "session_id"), by)).order_by(by)


@functools.cache
def _duckdb_rollup_sql(by_schema: tuple[tuple[str, str], ...]) -> tuple[str, pa.Schema]:
    ev = ibis.table(PREPARED_SCHEMA, name=_EVENTS_TABLE)
    columns = {"session_id": "string", "started_ms": "int64", "ended_ms": "int64", **dict(by_schema)}
    expr = rollup_expression(
        ev, ibis.table(ibis.schema(columns), name=_SESSIONS_TABLE), [k for k, _ in by_schema]
    )
    return ibis.to_sql(expr, dialect="duckdb"), expr.schema().to_pyarrow()


def rollup(
    source: Any,
    sessions: pa.Table | Iterable[Mapping[str, Any]],
    by: str | Sequence[str] = "group",
    *,
    deduplicate: bool | None = None,
) -> list[dict[str, Any]]:
    """Sum the atoms of many sessions per scope (anchor, room, enterprise, day, …) and derive the ratios.

    ``sessions`` maps each ``session_id`` to its scope columns ``by`` and optionally its ``started_at``/
    ``ended_at``. PV, watch time, items and money are sums; UVs and distinct orders are de-duplicated within
    the scope, and a viewer's stay bucket (so bounce) uses their watch time summed over the scope's
    sessions. Visits and spans stay per session. Returns one dict per scope with events, sorted by ``by``:
    the scope columns, the atoms, ``stay_buckets``, the ratios, ``avg_watch_seconds`` and ``net_gmv_fen``.
    """
    by = [by] if isinstance(by, str) else list(by)
    rows = sessions.to_pylist() if isinstance(sessions, pa.Table) else list(sessions)
    given = _sessions_table(rows, by)
    events = _Events(source, given["session_id"].to_pylist(), deduplicate)
    try:
        given_t = events.put(_SESSIONS_TABLE, given)
        by_schema = tuple((f.name, str(ibis.dtype(f.type))) for f in given.schema if f.name in by)
        compiled = _duckdb_rollup_sql(by_schema) if events.duck is not None else None
        expr = rollup_expression(events.table, given_t, by) if events.duck is None else None
        result = []
        for row in events.rows("rollup", expr, compiled):
            row["stay_buckets"] = {key: row.pop(key) for key, _, _ in STAY_BUCKETS}
            result.append(row)
        return result
    finally:
        events.close()
