"""Properties of the simulator: reproducible, valid, shaped like a live session, duplicates and disorder
in the requested shares."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from livepark.engines.events.schema import EVENT_SCHEMA, validate_table
from livepark.engines.events.simulator import simulate, simulated_span


@pytest.fixture(scope="module")
def session() -> pa.Table:
    return simulate("sim", viewers=4_000, seed=42, minutes=40, dup_share=0.05, disorder_share=0.1)


def test_the_same_seed_gives_the_same_events() -> None:
    a = simulate("s", viewers=500, seed=7, minutes=15, dup_share=0.1, disorder_share=0.1)
    b = simulate("s", viewers=500, seed=7, minutes=15, dup_share=0.1, disorder_share=0.1)
    c = simulate("s", viewers=500, seed=8, minutes=15, dup_share=0.1, disorder_share=0.1)
    assert a.equals(b, check_metadata=True)
    assert not a.equals(c)
    assert not set(a["event_id"].to_pylist()) & set(
        simulate("t", viewers=500, seed=7)["event_id"].to_pylist()
    )


def test_it_is_valid_and_in_the_envelope_schema(session: pa.Table) -> None:
    assert session.schema.remove_metadata() == EVENT_SCHEMA
    assert validate_table(session).equals(session.replace_schema_metadata(None))


def test_duplicates_are_exact_copies_in_the_requested_share(session: pa.Table) -> None:
    ids = session["event_id"]
    unique = pc.count_distinct(ids).as_py()
    assert session.num_rows - unique == round(0.05 * unique)
    distinct_rows = session.group_by(EVENT_SCHEMA.names, use_threads=False).aggregate([])
    assert distinct_rows.num_rows == unique  # copies repeat the whole event, not only its id


def test_late_deliveries_in_the_requested_share() -> None:
    t = simulate("late", viewers=4_000, seed=1, minutes=40, disorder_share=0.1)
    ts = t["ts"].cast(pa.int64()).to_numpy()
    late = ts < np.maximum.accumulate(ts)  # arrives after an event that happened later
    assert 0.08 <= late.mean() <= 0.1
    in_order = simulate("late", viewers=4_000, seed=1, minutes=40)
    assert (np.diff(in_order["ts"].cast(pa.int64()).to_numpy()) >= 0).all()


def test_the_shape_of_a_live_session(session: pa.Table) -> None:
    started, ended = simulated_span(session)
    assert ended - started == 40 * 60_000
    t = session.group_by("event_id", use_threads=False).aggregate([("ts", "min")])
    kinds = pc.value_counts(session["type"]).to_pylist()
    counts = {k["values"]: k["counts"] for k in kinds}
    funnel = [
        "impression",
        "enter",
        "product_impression",
        "product_click",
        "order_create",
        "order_pay",
        "refund",
    ]
    assert all(counts[a] > counts[b] > 0 for a, b in itertools.pairwise(funnel))
    assert t.num_rows > 4_000 * 2.5
    rows = session.to_pylist()
    ts = {r["event_id"]: int(r["ts"].timestamp() * 1000) for r in rows}
    after_end = [r for r in rows if ts[r["event_id"]] >= ended]
    assert after_end and {r["type"] for r in after_end} <= {"order_pay", "refund"}
    assert any(r["type"] == "refund" and ts[r["event_id"]] >= ended for r in rows)  # refunds after the end
    # heavy-tailed stays: many bounce, a few stay long
    enters: dict[str, int] = {}
    stays = []
    for r in sorted(rows, key=lambda r: (ts[r["event_id"]], r["event_id"])):
        if r["type"] == "enter" and r["viewer_id"] not in enters:
            enters[r["viewer_id"]] = ts[r["event_id"]]
        elif r["type"] == "leave" and r["viewer_id"] in enters:
            stays.append(ts[r["event_id"]] - enters.pop(r["viewer_id"]))
    stays_a = np.array(stays)
    assert 0.3 < (stays_a < 5_000).mean() < 0.6 and (stays_a > 600_000).sum() > 0
    # orders move forward through the funnel
    by_order: dict[str, dict[str, int]] = {}
    for r in rows:
        if r["order_id"]:
            by_order.setdefault(r["order_id"], {}).setdefault(r["type"], ts[r["event_id"]])
    for steps in by_order.values():
        if "order_pay" in steps:
            assert steps["order_create"] < steps["order_pay"] < steps.get("refund", 2**62)


def test_a_million_events_in_a_few_seconds() -> None:
    start = time.perf_counter()
    t = simulate("big", viewers=350_000, seed=1, minutes=180)
    elapsed = time.perf_counter() - start
    assert t.num_rows > 1_000_000
    assert elapsed < 15  # about 1.5 s on two cores; generous for a loaded CI machine


def test_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        simulate("s", dup_share=1.5)
    with pytest.raises(ValueError):
        simulate("s", minutes=0)
    assert simulate("s", viewers=0, minutes=3).num_rows > 0  # only the anchor's run of show
