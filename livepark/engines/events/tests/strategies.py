"""Hypothesis strategies: small, adversarial event sets (few viewers, products and orders, so that rules
collide) around midnight UTC, with ties, duplicates and arbitrary arrival order."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from livepark.engines.events.schema import SOURCES

BASE_MS = int(datetime(2024, 12, 31, 23, 57, tzinfo=UTC).timestamp() * 1000)  # the session crosses midnight
SESSIONS = ("s1", "s2", "s3")
VIEWERS = ("a", "b", "c", "d")
PRODUCTS = ("p", "q", "r")
ORDERS = ("o1", "o2", "o3", "o4")
# Visits and slots drive the tricky metrics: weight them up.
TYPES = (
    ["enter"] * 6
    + ["leave"] * 5
    + ["explain_start", "explain_end"] * 2
    + ["order_pay"] * 3
    + ["refund"] * 2
    + [
        "impression",
        "comment",
        "like",
        "share",
        "follow",
        "gift",
        "product_impression",
        "product_click",
        "cart_add",
        "order_create",
    ]
)
# Minute boundaries and their neighbours, plus anything within six minutes.
offsets = st.one_of(
    st.sampled_from([0, 1, 59_999, 60_000, 60_001, 120_000, 180_000, 180_500, 240_000, 300_000]),
    st.integers(0, 360_000),
)


@st.composite
def events(draw: st.DrawFn, index: int) -> dict:
    kind = draw(st.sampled_from(TYPES))
    e: dict = {
        "event_id": f"e{index:03d}",
        "session_id": draw(st.sampled_from(SESSIONS)),
        "ts": BASE_MS + draw(offsets),
        "type": kind,
    }
    if kind in ("explain_start", "explain_end"):
        e["product_id"] = draw(st.sampled_from(PRODUCTS))
        return e
    if kind == "refund":
        viewer = draw(st.none() | st.sampled_from(VIEWERS))
        if viewer:
            e["viewer_id"] = viewer
    else:
        e["viewer_id"] = draw(st.sampled_from(VIEWERS))
    if kind in ("impression", "enter"):
        source = draw(st.none() | st.sampled_from(SOURCES))
        if source:
            e["source"] = source
    if kind in ("product_impression", "product_click", "cart_add"):
        e["product_id"] = draw(st.sampled_from(PRODUCTS))
    if kind in ("order_create", "order_pay", "refund"):
        e["order_id"] = draw(st.sampled_from(ORDERS))
        product = draw(st.none() | st.sampled_from(PRODUCTS))
        if product:
            e["product_id"] = product
    if kind in ("order_pay", "refund"):
        e["amount_fen"] = draw(st.integers(0, 50_000))
    if kind in ("gift", "order_create") and draw(st.booleans()):
        e["amount_fen"] = draw(st.integers(0, 5_000))
    if kind in ("like", "order_pay", "order_create", "cart_add") and draw(st.booleans()):
        e["qty"] = draw(st.integers(1, 5))
    return e


@st.composite
def batches(draw: st.DrawFn, max_events: int = 40) -> list[dict]:
    """Unique events, then re-deliveries (exact copies, or the same id with other content), shuffled."""
    n = draw(st.integers(0, max_events))
    unique = [draw(events(i)) for i in range(n)]
    rows = list(unique)
    if unique:
        for original in draw(st.lists(st.sampled_from(unique), max_size=8)):
            if draw(st.booleans()):
                rows.append(dict(original))
            else:  # a conflicting copy: only the first delivered may count
                rows.append(draw(events(int(original["event_id"][1:]))))
    return draw(st.permutations(rows))


@st.composite
def session_specs(draw: st.DrawFn) -> list[dict]:
    """Every session (plus one with no events), each with or without LiveSession start/end times."""
    specs = []
    for sid in (*SESSIONS, "s-empty"):
        spec: dict = {"session_id": sid}
        if draw(st.booleans()):
            spec["started_at"] = BASE_MS + draw(offsets) - 30_000
        if draw(st.booleans()):
            spec["ended_at"] = BASE_MS + draw(offsets)
        specs.append(spec)
    return specs
