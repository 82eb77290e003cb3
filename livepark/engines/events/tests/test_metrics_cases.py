"""Hand-computed cases: each spec rule on a few events whose expected figures are worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import ibis
import pytest

from livepark.engines.events import metrics
from livepark.engines.events.metrics import rollup, session_report, session_reports
from livepark.engines.events.schema import EVENT_SCHEMA, validate_events
from livepark.engines.events.simulator import simulate, simulated_span
from livepark.engines.events.store import EventStore

from . import reference

T0 = int(datetime(2025, 1, 1, 10, 0, tzinfo=UTC).timestamp() * 1000)
S = 1000


def ev(eid: str, kind: str, at_s: float, session: str = "s", **fields) -> dict:
    """An event ``at_s`` seconds after 10:00:00 UTC."""
    return {"event_id": eid, "session_id": session, "ts": T0 + round(at_s * S), "type": kind, **fields}


def report(rows: list[dict], **kwargs) -> dict:
    return session_report(validate_events(rows), "s", **kwargs)


def test_visit_pairing_rules() -> None:
    r = report(
        [
            ev("e01", "leave", 0, viewer_id="a"),  # no open visit: ignored
            ev("e02", "enter", 10, viewer_id="a"),
            ev("e03", "enter", 20, viewer_id="a"),  # already open: ignored, the visit stays open
            ev("e04", "leave", 70, viewer_id="a"),
            ev("e05", "leave", 80, viewer_id="a"),  # ignored
            ev("e06", "enter", 30, viewer_id="b"),  # never leaves: ends at the session's end
            ev("e07", "comment", 100, viewer_id="c"),  # the newest event: the session's end
        ]
    )
    assert (r["started_at"], r["ended_at"]) == ("2025-01-01T10:00:00.000Z", "2025-01-01T10:01:40.000Z")
    assert (r["watch_uv"], r["watch_pv"], r["watch_time_ms"]) == (2, 3, 60_000 + 70_000)
    assert r["avg_watch_seconds"] == 65.0
    assert r["stay_buckets"] == {"lt_5s": 0, "5_30s": 0, "30_60s": 0, "1_3m": 2, "3_10m": 0, "ge_10m": 0}
    assert r["online_curve"] == [2, 2]
    assert r["peak_online"] == 2
    assert r["interact_uv"] == 1 and r["interaction_rate"] == 0.5 and r["comments"] == 1


def test_a_leave_and_an_enter_at_the_same_instant_do_not_overlap() -> None:
    r = report(
        [
            ev("e1", "enter", 0, viewer_id="a"),
            ev("e2", "leave", 30, viewer_id="a"),
            ev("e3", "enter", 30, viewer_id="b"),
            ev("e4", "leave", 50, viewer_id="b"),
        ]
    )
    assert r["online_curve"] == [1]
    assert r["peak_online"] == 1
    assert r["stay_buckets"]["30_60s"] == 1 and r["stay_buckets"]["5_30s"] == 1  # a: 30 s, b: 20 s


def test_a_zero_length_visit_is_never_open_but_is_a_viewer() -> None:
    rows = [
        ev("e1", "enter", 10, viewer_id="a"),
        ev("e2", "leave", 10, viewer_id="a"),  # same instant; e1 < e2, so the enter comes first
        ev("e3", "leave", 20, viewer_id="b"),  # e3 < e4 at the same instant: the leave is ignored
        ev("e4", "enter", 20, viewer_id="b"),
        ev("e5", "comment", 40, viewer_id="b"),
    ]
    r = report(rows)
    assert r["watch_uv"] == 2 and r["watch_time_ms"] == 20_000  # b: 20 s -> 40 s (the end)
    assert r["stay_buckets"]["lt_5s"] == 1 and r["bounce_rate"] == 0.5
    assert r["online_curve"] == [1] and r["peak_online"] == 1


def test_visits_are_clipped_to_the_live_sessions_times() -> None:
    rows = [
        ev("e1", "enter", 0, viewer_id="a"),  # before the start: counted from 10:00:30
        ev("e2", "leave", 60, viewer_id="a"),
        ev("e3", "enter", 90, viewer_id="b"),  # no leave: ends at ended_at 10:02:00
        ev("e4", "enter", 180, viewer_id="c"),  # after the end: a visit of length 0
        ev("e5", "enter", 100, viewer_id="d"),
        ev("e6", "leave", 200, viewer_id="d"),  # leaves after the end: counted up to 10:02:00
    ]
    r = report(
        rows, started_at="2025-01-01T10:00:30Z", ended_at=datetime(2025, 1, 1, 18, 2, tzinfo=UTC).astimezone()
    )
    assert (r["started_at"], r["ended_at"]) == ("2025-01-01T10:00:30.000Z", "2025-01-01T18:02:00.000Z")
    r = report(rows, started_at="2025-01-01T18:00:30+08:00", ended_at=T0 + 120 * S)
    assert (r["started_at"], r["ended_at"]) == ("2025-01-01T10:00:30.000Z", "2025-01-01T10:02:00.000Z")
    assert r["watch_time_ms"] == 30_000 + 30_000 + 20_000 and r["watch_uv"] == 4
    assert r["online_curve_start"] == "2025-01-01T10:00Z"
    assert r["online_curve"] == [1, 2, 0]  # nothing is open at the instant the session ends
    assert r["online_now"] == 0  # the session has ended before the newest event


def test_the_curve_takes_the_most_visits_open_within_each_minute() -> None:
    rows = [
        ev("e1", "enter", -30, viewer_id="a"),  # 09:59:30
        ev("e2", "leave", 130, viewer_id="a"),  # 10:02:10, the newest event
        ev("e3", "enter", 20, viewer_id="b"),
        ev("e4", "leave", 40, viewer_id="b"),
        ev("e5", "enter", 40, viewer_id="c"),
        ev("e6", "leave", 60, viewer_id="c"),  # leaves exactly as 10:01 begins
    ]
    r = report(rows)
    assert r["online_curve_start"] == "2025-01-01T09:59Z"
    assert r["online_curve"] == [1, 2, 1, 1]
    assert r["peak_online"] == 2


def test_a_session_crossing_midnight() -> None:
    base = int(datetime(2024, 12, 31, 23, 59, 10, tzinfo=UTC).timestamp() * 1000)
    rows = [
        {"event_id": "e1", "session_id": "s", "ts": base, "type": "enter", "viewer_id": "a"},
        {"event_id": "e2", "session_id": "s", "ts": base + 115_000, "type": "leave", "viewer_id": "a"},
    ]
    r = report(rows)
    assert r["online_curve_start"] == "2024-12-31T23:59Z"
    assert r["online_curve"] == [1, 1, 1]
    assert r["ended_at"] == "2025-01-01T00:01:05.000Z"


def test_payments_and_refunds_do_not_extend_the_session() -> None:
    rows = [
        ev("e1", "enter", 0, viewer_id="a"),
        ev("e2", "order_pay", 7200, viewer_id="a", order_id="o1", amount_fen=990),
        ev("e3", "refund", 3 * 86400, order_id="o1", amount_fen=990),
    ]
    r = report(rows)
    assert r["started_at"] == r["ended_at"] == "2025-01-01T10:00:00.000Z"
    assert (r["gmv_fen"], r["refund_fen"], r["net_gmv_fen"], r["refund_rate"]) == (990, 990, 0, 1.0)


def test_gmv_counts_the_first_payment_of_each_order_and_this_sessions_refunds() -> None:
    rows = [
        ev("e01", "enter", 0, viewer_id="a"),
        ev("e02", "enter", 1, viewer_id="b"),
        ev("e03", "order_pay", 10, viewer_id="a", order_id="o1", amount_fen=1000, qty=2, product_id="p"),
        ev("e00", "order_pay", 10, viewer_id="a", order_id="o1", amount_fen=999, product_id="p"),  # first
        ev("e04", "order_pay", 20, viewer_id="b", order_id="o2", amount_fen=500),
        ev("e05", "refund", 86400, order_id="o1", amount_fen=300),  # after the session: counts
        ev("e06", "refund", 30, order_id="o3", amount_fen=700),  # never paid here: ignored
        ev("e07", "refund", 30, session="other", order_id="o2", amount_fen=200),  # another session's event
        ev("e08", "order_create", 5, viewer_id="c", order_id="o4", amount_fen=400),
        ev("e09", "refund", 40, order_id="o4", amount_fen=400),  # created, never paid: ignored
        ev("e10", "refund", 50, order_id="o1", amount_fen=100),  # a second partial refund
        ev("e20", "order_pay", 25, viewer_id="a", order_id="o5", amount_fen=70),  # first by time
        ev("e19", "order_pay", 26, viewer_id="a", order_id="o5", amount_fen=80),
    ]
    r = report(rows)
    assert (r["paid_orders"], r["buyers"], r["items_sold"], r["gmv_fen"]) == (3, 2, 3, 1569)
    assert (r["refund_fen"], r["refund_orders"], r["net_gmv_fen"]) == (400, 1, 1169)
    assert r["refund_rate"] == 1 / 3
    assert r["gpm_fen"] == 784_500.0 and r["uv_value_fen"] == 784.5 and r["watch_pay_rate"] == 1.0
    assert r["click_pay_rate"] is None  # nobody clicked a product
    assert r["products"] == [
        {
            "product_id": "p",
            "product_exposure_uv": 0,
            "product_click_uv": 0,
            "product_ctr": None,
            "buyers": 1,
            "paid_orders": 1,
            "items_sold": 1,
            "gmv_fen": 999,
            "refund_fen": 400,
            "explain_seconds": 0.0,
        }
    ]


def test_ratios_are_null_when_the_denominator_is_zero() -> None:
    r = report([ev("e1", "impression", 0, viewer_id="a"), ev("e2", "impression", 5, viewer_id="a")])
    assert (r["exposure_uv"], r["exposure_pv"], r["exposure_watch_rate"]) == (1, 2, 0.0)
    for key in ("avg_watch_seconds", "bounce_rate", "interaction_rate", "follow_rate", "product_ctr"):
        assert r[key] is None, key
    for key in ("click_pay_rate", "watch_pay_rate", "gpm_fen", "uv_value_fen", "refund_rate"):
        assert r[key] is None, key


def test_products_follow_the_run_of_show() -> None:
    rows = [
        ev("e01", "explain_start", 10, product_id="q"),
        ev("e02", "explain_end", 70, product_id="q"),
        ev("e03", "explain_start", 70, product_id="p"),  # still on show at the end (130 s)
        ev("e04", "explain_start", 100, product_id="q"),
        ev("e05", "explain_end", 110, product_id="q"),
        ev("e06", "explain_end", 120, product_id="r"),  # never started: ignored
        ev("e07", "product_impression", 20, viewer_id="a", product_id="q"),
        ev("e08", "product_impression", 21, viewer_id="b", product_id="q"),
        ev("e09", "product_impression", 22, viewer_id="b", product_id="q"),
        ev("e10", "product_click", 25, viewer_id="b", product_id="q"),
        ev("e11", "product_click", 30, viewer_id="a", product_id="s"),
        ev("e12", "comment", 130, viewer_id="a"),
    ]
    r = report(rows)
    assert [p["product_id"] for p in r["products"]] == ["q", "p", "r", "s"]
    q, p, rr, s = r["products"]
    assert (q["explain_seconds"], p["explain_seconds"], rr["explain_seconds"]) == (70.0, 60.0, 0.0)
    assert (q["product_exposure_uv"], q["product_click_uv"], q["product_ctr"]) == (2, 1, 0.5)
    assert (s["product_click_uv"], s["product_ctr"]) == (1, None)
    assert (r["product_exposure_uv"], r["product_click_uv"], r["product_ctr"]) == (2, 2, 1.0)


def test_sources_follow_each_viewers_first_enter() -> None:
    rows = [
        ev("e1", "enter", 0, viewer_id="a", source="search"),
        ev("e2", "leave", 5, viewer_id="a"),
        ev("e3", "enter", 9, viewer_id="a", source="ads"),  # not the first: no effect
        ev("e4", "enter", 1, viewer_id="b"),  # no source: other
        ev("e5", "order_pay", 20, viewer_id="a", order_id="o1", amount_fen=100),
        ev("e6", "order_pay", 21, viewer_id="c", order_id="o2", amount_fen=40),  # never entered: other
        ev("e7", "impression", 0, viewer_id="d", source="follow"),  # impressions do not decide
    ]
    r = report(rows)
    assert r["sources"] == {
        "recommend": {"watch_uv": 0, "gmv_fen": 0},
        "follow": {"watch_uv": 0, "gmv_fen": 0},
        "search": {"watch_uv": 1, "gmv_fen": 100},
        "short_video": {"watch_uv": 0, "gmv_fen": 0},
        "ads": {"watch_uv": 0, "gmv_fen": 0},
        "other": {"watch_uv": 1, "gmv_fen": 40},
    }


def test_a_repeated_event_id_counts_once_the_first_delivery_wins() -> None:
    rows = [
        ev("e1", "enter", 0, viewer_id="a"),
        ev("e1", "leave", 1, viewer_id="a"),  # same id, other content: ignored
        ev("e2", "like", 60, viewer_id="a", qty=7),
        ev("e2", "like", 60, viewer_id="a", qty=7),  # a re-delivery
    ]
    r = report(rows)
    assert (r["watch_time_ms"], r["likes"]) == (60_000, 7)


def test_online_now_counts_visits_open_at_the_newest_event() -> None:
    rows = [
        ev("e1", "enter", 0, viewer_id="a"),
        ev("e2", "enter", 10, viewer_id="b"),
        ev("e3", "leave", 20, viewer_id="b"),
        ev("e4", "enter", 30, viewer_id="c"),
        ev("e5", "leave", 40, viewer_id="c"),
        ev("e6", "enter", 40, viewer_id="d"),  # enters at the newest instant: online
    ]
    assert report(rows)["online_now"] == 2
    assert report(rows, ended_at=T0 + 35 * S)["online_now"] == 0
    assert report(rows, ended_at=T0 + 60 * S)["online_now"] == 2


def test_a_session_without_events() -> None:
    r = report([], started_at=T0 + 30 * S)
    assert (r["online_curve_start"], r["online_curve"], r["watch_uv"], r["avg_watch_seconds"]) == (
        "2025-01-01T10:00Z",
        [0],
        0,
        None,
    )
    assert report([]) == metrics.empty_report("s")


def test_rollups_deduplicate_viewers_and_sum_the_rest() -> None:
    rows = [
        ev("e1", "enter", 0, session="s1", viewer_id="a"),
        ev("e2", "leave", 3, session="s1", viewer_id="a"),
        ev("e3", "enter", 100, session="s2", viewer_id="a"),
        ev("e4", "leave", 103, session="s2", viewer_id="a"),
        ev("e5", "enter", 100, session="s2", viewer_id="b"),
        ev("e6", "order_pay", 101, session="s2", viewer_id="b", order_id="o", amount_fen=300),
        ev("e7", "enter", 5, session="s3", viewer_id="a"),
    ]
    table = validate_events(rows)
    got = rollup(
        table,
        [
            {"session_id": "s1", "room": "r1"},
            {"session_id": "s2", "room": "r1"},
            {"session_id": "s3", "room": "r2"},
        ],
        by="room",
    )
    r1, r2 = got
    assert r1["room"] == "r1" and r2["room"] == "r2"
    assert (r1["watch_uv"], r1["watch_pv"], r1["watch_time_ms"]) == (2, 3, 9_000)
    # a watched 3 s in each session: 6 s within the scope, not a bounce; b stayed 3 s (to s2's end).
    assert r1["stay_buckets"]["5_30s"] == 1 and r1["stay_buckets"]["lt_5s"] == 1 and r1["bounce_rate"] == 0.5
    assert (r1["gmv_fen"], r1["uv_value_fen"], r1["gpm_fen"]) == (300, 150.0, 100_000.0)
    reports = session_reports(table, ["s1", "s2"])
    assert r1["watch_pv"] == reports["s1"]["watch_pv"] + reports["s2"]["watch_pv"]
    assert r1["watch_uv"] < reports["s1"]["watch_uv"] + reports["s2"]["watch_uv"]
    assert (r2["watch_uv"], r2["watch_time_ms"]) == (1, 0)


def test_every_kind_of_source_gives_the_same_report(tmp_path) -> None:
    table = simulate("sim", viewers=300, seed=3, minutes=12, dup_share=0.05, disorder_share=0.1)
    started, ended = simulated_span(table)
    want = session_report(table, "sim", started, ended)
    assert want["watch_uv"] > 50 and want["paid_orders"] > 0  # a real session, not an empty one
    with EventStore(tmp_path / "events") as store:
        store.append(table)
        assert session_report(store, "sim", started, ended) == want
        assert session_report(store.scan(), "sim", started, ended) == want
    assert session_report(ibis.memtable(table), "sim", started, ended) == want
    con = ibis.duckdb.connect()
    con.create_table("events", ibis.memtable(table))
    assert session_report(con, "sim", started, ended) == want
    # and the reference agrees on a whole simulated session, duplicates and late deliveries included
    assert want == reference.session_report(table.to_pylist(), "sim", started, ended)


def test_the_definitions_compile_for_pyspark() -> None:
    """The same expressions must run on Spark: compile every query with the PySpark dialect (no Spark
    needed) so that an operation Spark lacks fails here, not in production."""
    ev_t = ibis.table(metrics.PREPARED_SCHEMA, name="events")
    spans_t = ibis.table(ibis.Schema.from_pyarrow(metrics._SPANS_SCHEMA), name="spans")
    given = ibis.table(
        ibis.schema({"session_id": "string", "started_ms": "int64", "ended_ms": "int64", "room": "string"}),
        name="sessions",
    )
    raw = ibis.table(ibis.Schema.from_pyarrow(EVENT_SCHEMA), name="raw")
    exprs = {
        **metrics.session_expressions(ev_t, spans_t),
        "spans": metrics.spans(ev_t, given),
        "rollup": metrics.rollup_expression(ev_t, given, ["room"]),
        "prepare": metrics.prepare(metrics.deduplicate(raw)),
        "prepare_seq": metrics.prepare(metrics.deduplicate(raw.mutate(_seq=ibis.literal(0, "int64")))),
    }
    for name, expr in exprs.items():
        sql = ibis.to_sql(expr, dialect="pyspark")
        assert "SELECT" in sql, name


@pytest.mark.parametrize("bad", [123, "not a time", "2025-01-01T10:00:00"])
def test_report_times_must_be_valid(bad) -> None:
    with pytest.raises(ValueError):
        report([ev("e1", "enter", 0, viewer_id="a")], started_at=bad)
