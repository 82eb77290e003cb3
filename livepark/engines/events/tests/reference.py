"""A plain-Python reference implementation of ``shared/specs/metrics.md``: loops and dicts, written straight
from the spec's sentences and sharing no code with the Ibis definitions. The property tests demand that the
engine gives exactly these numbers.

Input: the event rows in arrival order, as ``validate_events(...).to_pylist()`` gives them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

MINUTE = 60_000
SOURCES = ["recommend", "follow", "search", "short_video", "ads", "other"]
BUCKETS = [
    ("lt_5s", 0, 5_000),
    ("5_30s", 5_000, 30_000),
    ("30_60s", 30_000, 60_000),
    ("1_3m", 60_000, 180_000),
    ("3_10m", 180_000, 600_000),
    ("ge_10m", 600_000, None),
]
INTERACTIONS = {"comment", "like", "share", "follow", "gift"}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ms(ts: datetime) -> int:
    delta = ts - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def iso_ms(ms: int) -> str:
    seconds, milli = divmod(ms, 1000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{milli:03d}Z"


def iso_minute(ms: int) -> str:
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%MZ")


def first_of_each_id(rows: list[dict]) -> list[dict]:
    """A repeated event_id counts once: the first one stored wins."""
    seen = set()
    out = []
    for r in rows:
        if r["event_id"] not in seen:
            seen.add(r["event_id"])
            out.append(r)
    return out


def normalise(r: dict) -> dict:
    return {
        "id": r["event_id"],
        "session": r["session_id"],
        "ts": to_ms(r["ts"]),
        "type": r["type"],
        "viewer": r["viewer_id"] or None,
        "product": r["product_id"],
        "order": r["order_id"],
        "amount": r["amount_fen"] if r["amount_fen"] is not None else 0,
        "qty": r["qty"] if r["qty"] is not None else 1,
        "source": r["source"],
    }


def ratio(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


def pair(events: list[dict], key: str, open_type: str, close_type: str) -> list[tuple[Any, int, int | None]]:
    """(key, open ts, close ts or None): an open pairs with the key's next close; a close with nothing
    open is ignored; a second open while open is ignored."""
    opened: dict[Any, int] = {}
    out = []
    for e in events:  # already ordered by (ts, event_id)
        k = e[key]
        if k is None:
            continue
        if e["type"] == open_type and k not in opened:
            opened[k] = e["ts"]
        elif e["type"] == close_type and k in opened:
            out.append((k, opened.pop(k), e["ts"]))
    out.extend((k, t, None) for k, t in opened.items())
    return out


def clip(open_ts: int, close_ts: int | None, start: int, end: int) -> tuple[int, int]:
    """Visits with no close end at the session's end; all are clipped to [start, end]."""
    a = max(open_ts, start)
    b = min(end if close_ts is None else close_ts, end)
    return a, b


def session_span(events: list[dict], started: int | None, ended: int | None) -> tuple[int, int] | None:
    if started is None and not events:
        return None
    start = started if started is not None else min(e["ts"] for e in events)
    if ended is not None:
        end = ended
    else:
        candidates = [e["ts"] for e in events if e["type"] not in ("order_pay", "refund")]
        end = max(candidates) if candidates else start
    return start, max(end, start)


def first_pays(events: list[dict]) -> dict[str, dict]:
    firsts: dict[str, dict] = {}
    for e in events:
        if e["type"] == "order_pay" and e["order"] is not None and e["order"] not in firsts:
            firsts[e["order"]] = e
    return firsts


def session_refunds(events: list[dict]) -> list[dict]:
    paid = {e["order"] for e in events if e["type"] == "order_pay" and e["order"] is not None}
    return [e for e in events if e["type"] == "refund" and e["order"] in paid]


def uv(events: list[dict], *types: str) -> int:
    return len({e["viewer"] for e in events if e["type"] in types and e["viewer"] is not None})


def atoms(events: list[dict], watch: dict[str, int], firsts: dict[str, dict], refunds: list[dict]) -> dict:
    a = {
        "exposure_uv": uv(events, "impression"),
        "exposure_pv": sum(1 for e in events if e["type"] == "impression"),
        "watch_uv": uv(events, "enter"),
        "watch_pv": sum(1 for e in events if e["type"] == "enter"),
        "interact_uv": uv(events, *INTERACTIONS),
        "comments": sum(1 for e in events if e["type"] == "comment"),
        "likes": sum(e["qty"] for e in events if e["type"] == "like"),
        "shares": sum(1 for e in events if e["type"] == "share"),
        "new_followers": uv(events, "follow"),
        "product_exposure_uv": uv(events, "product_impression"),
        "product_click_uv": uv(events, "product_click"),
        "paid_orders": len({e["order"] for e in events if e["type"] == "order_pay"}),
        "buyers": uv(events, "order_pay"),
        "watch_time_ms": sum(watch.values()),
        "items_sold": sum(p["qty"] for p in firsts.values()),
        "gmv_fen": sum(p["amount"] for p in firsts.values()),
        "refund_fen": sum(r["amount"] for r in refunds),
        "refund_orders": len({r["order"] for r in refunds}),
    }
    assert len(watch) == a["watch_uv"]
    buckets = dict.fromkeys([b[0] for b in BUCKETS], 0)
    for w in watch.values():
        for name, low, high in BUCKETS:
            if w >= low and (high is None or w < high):
                buckets[name] += 1
    a["stay_buckets"] = buckets
    a["net_gmv_fen"] = a["gmv_fen"] - a["refund_fen"]
    a["avg_watch_seconds"] = ratio(a["watch_time_ms"], a["watch_uv"] * 1000)
    a["exposure_watch_rate"] = ratio(a["watch_uv"], a["exposure_uv"])
    a["bounce_rate"] = ratio(buckets["lt_5s"], a["watch_uv"])
    a["interaction_rate"] = ratio(a["interact_uv"], a["watch_uv"])
    a["follow_rate"] = ratio(a["new_followers"], a["watch_uv"])
    a["product_ctr"] = ratio(a["product_click_uv"], a["product_exposure_uv"])
    a["click_pay_rate"] = ratio(a["buyers"], a["product_click_uv"])
    a["watch_pay_rate"] = ratio(a["buyers"], a["watch_uv"])
    a["gpm_fen"] = ratio(a["gmv_fen"] * 1000, a["watch_pv"])
    a["uv_value_fen"] = ratio(a["gmv_fen"], a["watch_uv"])
    a["refund_rate"] = ratio(a["refund_orders"], a["paid_orders"])
    return a


def empty(session_id: str) -> dict:
    report = {"session_id": session_id, "started_at": None, "ended_at": None}
    report |= atoms([], {}, {}, [])
    report |= {"online_curve_start": None, "online_curve": [], "peak_online": 0, "online_now": 0}
    report["products"] = []
    report["sources"] = {s: {"watch_uv": 0, "gmv_fen": 0} for s in SOURCES}
    return report


def session_report(
    rows: list[dict], session_id: str, started: int | None = None, ended: int | None = None
) -> dict:
    events = [normalise(r) for r in first_of_each_id(rows) if r["session_id"] == session_id]
    events.sort(key=lambda e: (e["ts"], e["id"]))  # "ordered by (ts, event_id) everywhere"
    span = session_span(events, started, ended)
    if span is None:
        return empty(session_id)
    start, end = span

    visits = pair(events, "viewer", "enter", "leave")
    watch: dict[str, int] = {}
    clipped = []
    for viewer, open_ts, close_ts in visits:
        a, b = clip(open_ts, close_ts, start, end)
        watch[viewer] = watch.get(viewer, 0) + max(b - a, 0)
        clipped.append((a, b))

    firsts = first_pays(events)
    refunds = session_refunds(events)
    report = {"session_id": session_id, "started_at": iso_ms(start), "ended_at": iso_ms(end)}
    report |= atoms(events, watch, firsts, refunds)

    # Online curve: brute force over the instants where the count can change.
    def open_at(x: int) -> int:
        return sum(1 for a, b in clipped if a <= x < b)

    curve = []
    minute = start - start % MINUTE
    while minute <= end:
        instants = [minute] + [t for a, b in clipped for t in (a, b) if minute < t < minute + MINUTE]
        curve.append(max(open_at(x) for x in instants))
        minute += MINUTE
    report["online_curve_start"] = iso_minute(start)
    report["online_curve"] = curve
    report["peak_online"] = max(curve)

    # Real time: visits open at the newest event's ts; no leave yet = still open, unless the session ended.
    if events:
        now = max(e["ts"] for e in events)
        count = 0
        for _viewer, open_ts, close_ts in visits:
            a = max(open_ts, start)
            b = min(end if close_ts is None else close_ts, end) if ended is not None else close_ts
            if a <= now and (b is None or b > now):
                count += 1
        report["online_now"] = count
    else:
        report["online_now"] = 0

    # Per product, in order of first explain_start, then the others by id.
    slots = pair(events, "product", "explain_start", "explain_end")
    first_explain: dict[str, tuple[int, str]] = {}
    for e in events:
        if e["type"] == "explain_start" and e["product"] not in first_explain:
            first_explain[e["product"]] = (e["ts"], e["id"])
    products = {e["product"] for e in events if e["product"] is not None}
    order = sorted(
        products,
        key=lambda p: (0, *first_explain[p], p) if p in first_explain else (1, 0, "", p),
    )
    report["products"] = []
    for p in order:
        mine = [e for e in events if e["product"] == p]
        pays = [f for f in firsts.values() if f["product"] == p]
        paid_here = {f["order"] for f in pays}
        exposure, click = uv(mine, "product_impression"), uv(mine, "product_click")
        explain_ms = 0
        for product, open_ts, close_ts in slots:
            if product == p:
                a, b = clip(open_ts, close_ts, start, end)
                explain_ms += max(b - a, 0)
        report["products"].append(
            {
                "product_id": p,
                "product_exposure_uv": exposure,
                "product_click_uv": click,
                "product_ctr": ratio(click, exposure),
                "buyers": uv(mine, "order_pay"),
                "paid_orders": len({e["order"] for e in mine if e["type"] == "order_pay"}),
                "items_sold": sum(f["qty"] for f in pays),
                "gmv_fen": sum(f["amount"] for f in pays),
                "refund_fen": sum(r["amount"] for r in refunds if r["order"] in paid_here),
                "explain_seconds": explain_ms / 1000,
            }
        )

    # Per traffic source, by each viewer's first enter.
    first_source: dict[str, str] = {}
    for e in events:
        if e["type"] == "enter" and e["viewer"] is not None and e["viewer"] not in first_source:
            first_source[e["viewer"]] = e["source"] or "other"
    sources = {s: {"watch_uv": 0, "gmv_fen": 0} for s in SOURCES}
    for s in first_source.values():
        sources[s]["watch_uv"] += 1
    for f in firsts.values():
        sources[first_source.get(f["viewer"], "other")]["gmv_fen"] += f["amount"]
    report["sources"] = sources
    return report


def rollup(rows: list[dict], sessions: list[dict], by: str = "group") -> list[dict]:
    """Per scope: sums of atoms, UVs and orders distinct within the scope, buckets on the scope's watch."""
    unique = first_of_each_id(rows)
    scopes: dict[Any, list[dict]] = {}
    for s in sessions:
        scopes.setdefault(s[by], []).append(s)
    out = []
    for scope in sorted(scopes):
        events: list[dict] = []
        watch: dict[str, int] = {}
        refunds: list[dict] = []
        for s in scopes[scope]:
            mine = [normalise(r) for r in unique if r["session_id"] == s["session_id"]]
            mine.sort(key=lambda e: (e["ts"], e["id"]))
            span = session_span(mine, s.get("started_at"), s.get("ended_at"))
            if span is None:
                continue
            for viewer, open_ts, close_ts in pair(mine, "viewer", "enter", "leave"):
                a, b = clip(open_ts, close_ts, *span)
                watch[viewer] = watch.get(viewer, 0) + max(b - a, 0)
            refunds += session_refunds(mine)
            events += mine
        if not events:
            continue
        events.sort(key=lambda e: (e["ts"], e["id"]))
        row = {by: scope} | atoms(events, watch, first_pays(events), refunds)
        out.append(row)
    return out
