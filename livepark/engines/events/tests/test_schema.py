"""Validation of the event envelope: every rule, in dicts, NDJSON, CSV and whole tables alike."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pyarrow as pa
import pytest

from livepark.engines.events.schema import (
    EVENT_SCHEMA,
    EventValidationError,
    parse_ts,
    validate_csv,
    validate_events,
    validate_ndjson,
    validate_table,
)

T = "2025-01-01T10:00:00Z"
MS = 1_735_725_600_000


def ok(**fields) -> dict:
    return {"event_id": "e1", "session_id": "s", "ts": T, "type": "enter", "viewer_id": "a"} | fields


# (record, field, rule)
BAD = [
    (ok(type="teleport"), "type", "unknown_type"),
    ({"session_id": "s", "ts": T, "type": "enter", "viewer_id": "a"}, "event_id", "missing"),
    (ok(session_id=""), "session_id", "missing"),
    (ok(ts=None), "ts", "missing"),
    (ok(ts="yesterday"), "ts", "bad_ts"),
    (ok(ts="2025-01-01T10:00:00"), "ts", "bad_ts"),  # no offset
    (ok(ts=1_735_725_600), "ts", "bad_ts"),  # epoch seconds, not ms
    (ok(ts=True), "ts", "bad_ts"),
    (ok(event_id="x" * 65), "event_id", "too_long"),
    (ok(event_id=17), "event_id", "not_a_string"),
    (ok(viewer_id=None), "viewer_id", "missing"),
    (ok(type="order_pay", order_id="o", amount_fen=-1), "amount_fen", "negative"),
    (ok(type="order_pay", order_id="o"), "amount_fen", "missing"),
    (ok(type="order_pay", amount_fen=5), "order_id", "missing"),
    (ok(type="refund", order_id="o", amount_fen="12.5"), "amount_fen", "bad_int"),
    (ok(type="like", qty=0), "qty", "qty_below_1"),
    (ok(type="like", qty=True), "qty", "bad_int"),
    (ok(type="comment", source="search"), "source", "not_allowed"),
    (ok(source="tv"), "source", "unknown_source"),
    (ok(type="comment", amount_fen=5), "amount_fen", "not_allowed"),
    (ok(qty=2), "qty", "not_allowed"),
    (ok(type="explain_start"), "product_id", "missing"),
    (ok(type="product_click"), "product_id", "missing"),
    (ok(order_id="o"), "order_id", "not_allowed"),
    (ok(colour="red"), "colour", "unknown_field"),
]


@pytest.mark.parametrize(("record", "field", "rule"), BAD)
def test_each_rule_names_the_event_field_and_rule(record: dict, field: str, rule: str) -> None:
    with pytest.raises(EventValidationError) as err:
        validate_events([ok(event_id="e0"), record])
    assert (err.value.first.index, err.value.first.field, err.value.first.rule) == (1, field, rule)
    assert f"event 1: {field}: {rule}" in str(err.value)


# A typed column cannot hold a malformed value: those rules (bad ts, ints, non-strings, unknown fields)
# apply to whole columns, tested below.
TABLE_BAD = [b for b in BAD if b[1] != "ts" and b[2] not in ("bad_int", "not_a_string", "unknown_field")]


@pytest.mark.parametrize(("record", "field", "rule"), TABLE_BAD)
def test_whole_tables_obey_the_same_rules(record: dict, field: str, rule: str) -> None:
    row = {k: record.get(k) for k in EVENT_SCHEMA.names} | {"ts": MS}
    table = pa.Table.from_pylist([ok(event_id="e0") | {"ts": MS}, row], schema=EVENT_SCHEMA)
    with pytest.raises(EventValidationError) as err:
        validate_table(table)
    assert (err.value.first.index, err.value.first.field, err.value.first.rule) == (1, field, rule)


def test_every_bad_event_is_reported_at_once() -> None:
    with pytest.raises(EventValidationError) as err:
        validate_events([ok(), ok(type="nope"), ok(), ok(ts="bad", source="tv")])
    assert err.value.indexes == [1, 3]
    assert [(e.index, e.field) for e in err.value.errors] == [(1, "type"), (3, "ts"), (3, "source")]


def test_timestamps_iso_with_offset_or_epoch_ms() -> None:
    assert parse_ts("2025-01-01T10:00:00Z") == MS
    assert parse_ts("2025-01-01T18:00:00+08:00") == MS
    assert parse_ts("2025-01-01T10:00:00.1239Z") == MS + 123  # floored to the millisecond
    assert parse_ts(MS) == parse_ts(str(MS)) == MS
    assert parse_ts(datetime(2025, 1, 1, 18, tzinfo=timezone(timedelta(hours=8)))) == MS
    with pytest.raises(ValueError, match="offset"):
        parse_ts(datetime(2025, 1, 1, 10))
    with pytest.raises(ValueError, match="2000"):
        parse_ts("1999-12-31T23:59:59Z")


def test_the_table_has_the_envelope_schema_and_defaults() -> None:
    t = validate_events(
        [
            ok(),
            ok(event_id="e2", type="like", ts=MS + 1),
            ok(event_id="e3", type="explain_start", viewer_id="", product_id="p", ts=str(MS + 2)),
            ok(event_id="e4", type="order_pay", order_id="o", amount_fen="990"),
        ]
    )
    assert t.schema == EVENT_SCHEMA
    rows = t.to_pylist()
    assert rows[0]["ts"] == datetime(2025, 1, 1, 10, tzinfo=UTC)
    assert [r["qty"] for r in rows] == [None, 1, None, 1]  # like and order_pay default to 1
    assert rows[2]["viewer_id"] is None and rows[3]["amount_fen"] == 990


def test_ndjson_lines_keep_their_index() -> None:
    text = "\n".join([json.dumps(ok()), "", "{not json", json.dumps(ok(event_id="e2")), ""])
    with pytest.raises(EventValidationError) as err:
        validate_ndjson(text)
    assert (err.value.first.index, err.value.first.rule) == (2, "bad_json")
    assert validate_ndjson(text.replace("{not json", "")).num_rows == 2
    with pytest.raises(EventValidationError) as err:
        validate_events(["[1, 2]"])
    assert err.value.first.rule == "not_an_object"


def test_csv_rows() -> None:
    text = (
        "event_id,session_id,ts,type,viewer_id,product_id,order_id,amount_fen,qty,source\n"
        "e1,s,2025-01-01T10:00:00Z,enter,a,,,,,search\n"
        f"e2,s,{MS},order_pay,a,p,o1,1990,2,\n"
        "e3,s,2025-01-01T10:00:00Z,order_pay,a,p,o2,-5,,\n"
    )
    with pytest.raises(EventValidationError) as err:
        validate_csv(text)
    assert (err.value.first.index, err.value.first.field, err.value.first.rule) == (
        2,
        "amount_fen",
        "negative",
    )
    rows = validate_csv(text.rsplit("e3", 1)[0]).to_pylist()
    assert rows[0]["source"] == "search" and rows[0]["product_id"] is None
    assert (rows[1]["amount_fen"], rows[1]["qty"]) == (1990, 2)
    with pytest.raises(EventValidationError) as err:
        validate_csv("event_id,session_id,ts,type,viewer_id\ne1,s,2025-01-01T10:00:00Z,enter,a,extra\n")
    assert err.value.first.rule == "unknown_field"


def test_tables_with_epoch_ms_or_other_units() -> None:
    table = pa.table(
        {
            "event_id": ["e1", "e2"],
            "session_id": ["s", "s"],
            "ts": pa.array([MS * 1000 + 999, MS * 1000], pa.timestamp("us", tz="Asia/Shanghai")),
            "type": ["enter", "leave"],
            "viewer_id": ["a", ""],
        }
    )
    with pytest.raises(EventValidationError) as err:
        validate_table(table)  # the leave has no viewer
    assert (err.value.first.index, err.value.first.field) == (1, "viewer_id")
    fixed = table.set_column(4, "viewer_id", pa.array(["a", "b"]))
    out = validate_table(fixed)
    assert out.schema == EVENT_SCHEMA
    assert out["ts"].cast(pa.int64()).to_pylist() == [MS, MS]
    as_ms = fixed.set_column(2, "ts", pa.array([MS, MS + 1], pa.int64()))
    assert validate_table(as_ms)["ts"].cast(pa.int64()).to_pylist() == [MS, MS + 1]
    with pytest.raises(EventValidationError, match="colour"):
        validate_table(fixed.append_column("colour", pa.array(["red", "blue"])))
    with pytest.raises(EventValidationError, match="bad_ts"):
        validate_table(fixed.set_column(2, "ts", pa.array([1, 2], pa.timestamp("ms"))))  # naive


def test_validating_twice_changes_nothing() -> None:
    t = validate_events([ok(), ok(event_id="e2", type="like")])
    assert validate_table(t).equals(t)
