"""The live-room event envelope (``shared/specs/metrics.md``) as a pyarrow schema, and its validation.

Every event that enters the store passes through :func:`validate_events` (dicts, NDJSON lines, CSV rows) or
:func:`validate_table` (a whole pyarrow table, checked column-wise for bulk imports and the simulator). Both
apply the same rules and raise :class:`EventValidationError` listing every bad event by its index and the
rule it broke; a batch with any bad event is rejected whole, so nothing of it is stored.

Rules beyond the spec's table, chosen here:

* ``ts`` is ISO 8601 *with* an offset (``Z`` or ``+08:00``) or integer epoch milliseconds; it must fall in
  [2000-01-01, 2100-01-01) UTC, which catches epoch *seconds* sent by mistake. Sub-millisecond digits are
  floored to the millisecond.
* ``viewer_id`` is required on every viewer-side type; it is optional on ``refund`` and on the anchor-side
  ``explain_start``/``explain_end``. An empty string means "none" and is stored as null.
* ``product_id`` is required on ``product_impression``, ``product_click``, ``cart_add`` and the explain
  events; ``order_id`` on ``order_create``, ``order_pay`` and ``refund``; ``amount_fen`` on ``order_pay`` and
  ``refund``.
* A field may only appear on the types it describes: ``source`` on ``impression``/``enter``; ``amount_fen``
  on ``gift``/``order_create``/``order_pay``/``refund``; ``qty`` on ``like``/``cart_add``/``order_create``/
  ``order_pay``; ``product_id`` on product, order and explain events and ``refund``; ``order_id`` on order
  events and ``refund``. Unknown fields are rejected.
* ``amount_fen`` is an integer ≥ 0; ``qty`` an integer ≥ 1, defaulting to 1 on ``like`` and ``order_pay``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "ANCHOR_TYPES",
    "EVENT_FIELDS",
    "EVENT_SCHEMA",
    "EVENT_TYPES",
    "MAX_EVENT_ID_LENGTH",
    "SOURCES",
    "TS_MAX_MS",
    "TS_MIN_MS",
    "EventError",
    "EventValidationError",
    "parse_ts",
    "validate_csv",
    "validate_events",
    "validate_ndjson",
    "validate_table",
]

EVENT_TYPES: tuple[str, ...] = (
    "impression",
    "enter",
    "leave",
    "comment",
    "like",
    "share",
    "follow",
    "gift",
    "product_impression",
    "product_click",
    "cart_add",
    "order_create",
    "order_pay",
    "refund",
    "explain_start",
    "explain_end",
)
SOURCES: tuple[str, ...] = ("recommend", "follow", "search", "short_video", "ads", "other")
ANCHOR_TYPES: frozenset[str] = frozenset({"explain_start", "explain_end"})
MAX_EVENT_ID_LENGTH = 64

EVENT_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("session_id", pa.string(), nullable=False),
        pa.field("ts", pa.timestamp("ms", tz="UTC"), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("viewer_id", pa.string()),
        pa.field("product_id", pa.string()),
        pa.field("order_id", pa.string()),
        pa.field("amount_fen", pa.int64()),
        pa.field("qty", pa.int64()),
        pa.field("source", pa.string()),
    ]
)
EVENT_FIELDS: tuple[str, ...] = tuple(EVENT_SCHEMA.names)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
TS_MIN_MS = (datetime(2000, 1, 1, tzinfo=UTC) - _EPOCH) // _MS
TS_MAX_MS = (datetime(2100, 1, 1, tzinfo=UTC) - _EPOCH) // _MS

_ALL = frozenset(EVENT_TYPES)
_VIEWER_OPTIONAL = ANCHOR_TYPES | {"refund"}
_REQUIRED: dict[str, frozenset[str]] = {
    "viewer_id": _ALL - _VIEWER_OPTIONAL,
    "product_id": frozenset({"product_impression", "product_click", "cart_add", *ANCHOR_TYPES}),
    "order_id": frozenset({"order_create", "order_pay", "refund"}),
    "amount_fen": frozenset({"order_pay", "refund"}),
}
_ALLOWED: dict[str, frozenset[str]] = {
    "source": frozenset({"impression", "enter"}),
    "amount_fen": frozenset({"gift", "order_create", "order_pay", "refund"}),
    "qty": frozenset({"like", "cart_add", "order_create", "order_pay"}),
    "product_id": frozenset(
        {
            "product_impression",
            "product_click",
            "cart_add",
            "order_create",
            "order_pay",
            "refund",
            *ANCHOR_TYPES,
        }
    ),
    "order_id": frozenset({"order_create", "order_pay", "refund"}),
}
_QTY_DEFAULT_ONE = frozenset({"like", "order_pay"})
_INT_RE = re.compile(r"[+-]?[0-9]+")
_MAX_ERRORS = 1000  # enough to fix a batch; a million identical errors help nobody


@dataclass(frozen=True, slots=True)
class EventError:
    """One broken rule: ``index`` is the event's 0-based position in the batch (-1: the batch itself)."""

    index: int
    field: str
    rule: str
    message: str

    def __str__(self) -> str:
        where = "batch" if self.index < 0 else f"event {self.index}"
        return f"{where}: {self.field}: {self.rule} ({self.message})"


class EventValidationError(ValueError):
    """A batch was rejected. ``errors`` lists every problem found (capped at 1000), in event order."""

    def __init__(self, errors: Sequence[EventError]):
        self.errors: list[EventError] = sorted(errors, key=lambda e: e.index)
        shown = "; ".join(str(e) for e in self.errors[:5])
        more = f" (+{len(self.errors) - 5} more)" if len(self.errors) > 5 else ""
        super().__init__(f"{len(self.errors)} invalid event field(s): {shown}{more}")

    @property
    def first(self) -> EventError:
        """The problem with the lowest event index."""
        return self.errors[0]

    @property
    def indexes(self) -> list[int]:
        """Distinct indexes of the bad events, ascending."""
        return sorted({e.index for e in self.errors})


# --------------------------------------------------------------------------------------------------------
# One record at a time (dicts, NDJSON, CSV)


def parse_ts(value: Any) -> int:
    """Epoch milliseconds (UTC) from ISO 8601 with an offset, or from integer epoch ms (int or digit string).

    Raises ``ValueError`` with a human message when the value is neither, lacks an offset, or lies outside
    [2000, 2100).
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not a timestamp")
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("datetime without a UTC offset")
        ms = (value - _EPOCH) // _MS
    elif isinstance(value, int):
        ms = value
    elif isinstance(value, str):
        text = value.strip()
        if _INT_RE.fullmatch(text):
            ms = int(text)
        else:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(f"{value!r} is neither ISO 8601 nor epoch milliseconds") from None
            if parsed.tzinfo is None:
                raise ValueError(f"{value!r} has no UTC offset (add Z or +08:00)")
            ms = (parsed - _EPOCH) // _MS
    else:
        raise ValueError(f"{type(value).__name__} is not a timestamp (use ISO 8601 or epoch ms)")
    if not TS_MIN_MS <= ms < TS_MAX_MS:
        raise ValueError(f"{value!r} is outside 2000-01-01..2100-01-01 (epoch seconds instead of ms?)")
    return ms


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _check_record(index: int, record: Any, errors: list[EventError]) -> dict[str, Any] | None:
    """The normalised row for ``record``, or None after appending its problems to ``errors``."""
    if not isinstance(record, Mapping):
        errors.append(EventError(index, "*", "not_an_object", f"{type(record).__name__} is not an object"))
        return None
    before = len(errors)

    def bad(field: str, rule: str, message: str) -> None:
        errors.append(EventError(index, field, rule, message))

    for key in record:
        if key not in EVENT_FIELDS:
            bad(str(key), "unknown_field", "not a field of the event envelope")
    row: dict[str, Any] = dict.fromkeys(EVENT_FIELDS)
    for field in ("event_id", "session_id", "type", "viewer_id", "product_id", "order_id", "source"):
        value = record.get(field)
        if _blank(value):
            continue
        if not isinstance(value, str):
            bad(field, "not_a_string", f"{type(value).__name__} given")
            continue
        row[field] = value
    for field in ("event_id", "session_id", "type"):
        if row[field] is None and not any(e.field == field for e in errors[before:]):
            bad(field, "missing", "required on every event")
    if row["event_id"] is not None and len(row["event_id"]) > MAX_EVENT_ID_LENGTH:
        bad("event_id", "too_long", f"{len(row['event_id'])} characters, at most {MAX_EVENT_ID_LENGTH}")
    if _blank(record.get("ts")):
        bad("ts", "missing", "required on every event")
    else:
        try:
            row["ts"] = parse_ts(record["ts"])
        except ValueError as exc:
            bad("ts", "bad_ts", str(exc))
    for field in ("amount_fen", "qty"):
        value = record.get(field)
        if _blank(value):
            continue
        if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            bad(field, "bad_int", f"{value!r} is not an integer")
            continue
        if not -(2**63) <= value < 2**63:
            bad(field, "bad_int", "does not fit in 64 bits")
        elif field == "amount_fen" and value < 0:
            bad(field, "negative", f"{value} fen; amounts are never negative")
        elif field == "qty" and value < 1:
            bad(field, "qty_below_1", f"{value}; a quantity is at least 1")
        else:
            row[field] = value
    kind = row["type"]
    if kind is not None and kind not in _ALL:
        bad("type", "unknown_type", f"{kind!r} is not one of {', '.join(EVENT_TYPES)}")
    elif kind is not None:
        for field, types in _REQUIRED.items():
            if kind in types and _blank(record.get(field)):
                bad(field, "missing", f"required on {kind}")
        for field, types in _ALLOWED.items():
            if kind not in types and not _blank(record.get(field)):
                bad(field, "not_allowed", f"{field} does not belong on {kind}")
        if row["qty"] is None and kind in _QTY_DEFAULT_ONE:
            row["qty"] = 1
    if row["source"] is not None and row["source"] not in SOURCES:
        bad("source", "unknown_source", f"{row['source']!r} is not one of {', '.join(SOURCES)}")
    return row if len(errors) == before else None


def validate_events(records: Iterable[Any]) -> pa.Table:
    """Validate a batch and return it as a table of :data:`EVENT_SCHEMA`, in input order.

    ``records`` is an iterable of mappings, or of NDJSON lines (``str``/``bytes``, each one JSON object;
    blank lines are skipped but keep their index), or a ``pyarrow.Table`` (handed to :func:`validate_table`).
    Raises :class:`EventValidationError` naming every bad event's index, field and rule; then nothing of the
    batch should be stored.
    """
    if isinstance(records, pa.Table):
        return validate_table(records)
    if isinstance(records, str | bytes):
        raise TypeError("pass NDJSON text to validate_ndjson(), CSV text to validate_csv()")
    errors: list[EventError] = []
    rows: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        if isinstance(record, str | bytes):
            if not record.strip():
                continue
            try:
                record = json.loads(record)
            except ValueError as exc:
                errors.append(EventError(index, "*", "bad_json", str(exc)))
                continue
        row = _check_record(index, record, errors)
        if row is not None:
            rows.append(row)
        if len(errors) >= _MAX_ERRORS:
            break
    if errors:
        raise EventValidationError(errors)
    return pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)


def validate_ndjson(text: str | bytes) -> pa.Table:
    """Validate newline-delimited JSON; the index of an error is the 0-based line number."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return validate_events(text.split("\n"))


def validate_csv(source: str | io.TextIOBase | Iterable[str]) -> pa.Table:
    """Validate CSV with a header row of envelope field names; empty cells are missing values.

    The index of an error is the 0-based data row (the header is not counted).
    """
    if isinstance(source, str):
        source = io.StringIO(source)
    reader = csv.DictReader(source)
    records: list[dict[str, Any]] = []
    for row in reader:
        if None in row:  # more cells than header names
            row = {k: v for k, v in row.items() if k is not None} | {"*extra cells*": row[None]}
        records.append(row)
    return validate_events(records)


# --------------------------------------------------------------------------------------------------------
# A whole table at once (bulk import, simulator): the same rules, column-wise


def _column_as(table: pa.Table, name: str, typ: pa.DataType, errors: list[EventError]) -> pa.Array | None:
    """``table[name]`` cast to ``typ`` (all nulls when absent); None after recording an uncastable column."""
    if name not in table.column_names:
        return pa.nulls(table.num_rows, typ)
    column = table[name].combine_chunks()
    if pa.types.is_timestamp(typ):
        if pa.types.is_integer(column.type):
            return column.cast(pa.int64()).view(typ)
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            # Truncating finer units floors them, as parse_ts does, for every in-range (post-1970) value.
            return column.cast(typ, safe=False)
        errors.append(
            EventError(-1, name, "bad_ts", f"column of type {column.type}; need epoch ms or tz-aware")
        )
        return None
    try:
        return column.cast(typ)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        errors.append(EventError(-1, name, "bad_type", f"column of type {column.type} is not {typ}: {exc}"))
        return None


def validate_table(table: pa.Table) -> pa.Table:
    """Validate a whole table column-wise and return it cast to :data:`EVENT_SCHEMA` (same row order).

    Columns may be missing (all null) but not unknown. ``ts`` may be int64 epoch ms or a tz-aware timestamp.
    Empty ``viewer_id`` becomes null and ``qty`` defaults to 1 on ``like``/``order_pay``, as in
    :func:`validate_events`.
    """
    errors: list[EventError] = []
    for name in table.column_names:
        if name not in EVENT_FIELDS:
            errors.append(EventError(-1, name, "unknown_field", "not a field of the event envelope"))
    cols = {f.name: _column_as(table, f.name, f.type, errors) for f in EVENT_SCHEMA}
    if errors:
        raise EventValidationError(errors)
    blank: dict[str, np.ndarray] = {}
    for name in ("event_id", "session_id", "type", "viewer_id", "product_id", "order_id", "source"):
        col = cols[name]
        blank[name] = pc.fill_null(pc.equal(pc.utf8_length(col), 0), True).to_numpy(zero_copy_only=False)
    for name in ("ts", "amount_fen", "qty"):
        blank[name] = cols[name].is_null().to_numpy(zero_copy_only=False)
    kinds = cols["type"]
    problems: list[tuple[np.ndarray, str, str, str]] = []

    def rule(mask: np.ndarray, field: str, code: str, message: str) -> None:
        if mask.any():
            problems.append((mask, field, code, message))

    for name in ("event_id", "session_id", "type", "ts"):
        rule(blank[name], name, "missing", "required on every event")
    too_long = pc.fill_null(pc.greater(pc.utf8_length(cols["event_id"]), MAX_EVENT_ID_LENGTH), False)
    rule(
        too_long.to_numpy(zero_copy_only=False),
        "event_id",
        "too_long",
        f"at most {MAX_EVENT_ID_LENGTH} characters",
    )
    ts = cols["ts"].cast(pa.int64())
    out_of_range = pc.fill_null(pc.or_(pc.less(ts, TS_MIN_MS), pc.greater_equal(ts, TS_MAX_MS)), False)
    rule(out_of_range.to_numpy(zero_copy_only=False), "ts", "bad_ts", "outside 2000-01-01..2100-01-01")
    known = pc.fill_null(pc.is_in(kinds, value_set=pa.array(EVENT_TYPES)), True).to_numpy(
        zero_copy_only=False
    )
    rule(~known, "type", "unknown_type", f"not one of {', '.join(EVENT_TYPES)}")
    for field, types in _REQUIRED.items():
        has_type = pc.is_in(kinds, value_set=pa.array(sorted(types))).to_numpy(zero_copy_only=False)
        rule(has_type & blank[field], field, "missing", "required on this type")
    for field, types in _ALLOWED.items():
        has_type = pc.is_in(kinds, value_set=pa.array(sorted(types))).to_numpy(zero_copy_only=False)
        rule(
            known & ~blank["type"] & ~has_type & ~blank[field],
            field,
            "not_allowed",
            "does not belong on this type",
        )
    negative = pc.fill_null(pc.less(cols["amount_fen"], 0), False).to_numpy(zero_copy_only=False)
    rule(negative, "amount_fen", "negative", "amounts are never negative")
    small = pc.fill_null(pc.less(cols["qty"], 1), False).to_numpy(zero_copy_only=False)
    rule(small, "qty", "qty_below_1", "a quantity is at least 1")
    source_ok = pc.is_in(cols["source"], value_set=pa.array(SOURCES)).to_numpy(zero_copy_only=False)
    rule(~blank["source"] & ~source_ok, "source", "unknown_source", f"not one of {', '.join(SOURCES)}")
    if problems:
        for mask, field, code, message in problems:
            for index in np.flatnonzero(mask)[:_MAX_ERRORS]:
                errors.append(EventError(int(index), field, code, message))
        errors.sort(key=lambda e: e.index)
        raise EventValidationError(errors[:_MAX_ERRORS])
    qty_default = pc.is_in(kinds, value_set=pa.array(sorted(_QTY_DEFAULT_ONE)))
    cols["qty"] = pc.if_else(
        pc.and_(qty_default, cols["qty"].is_null()), pa.scalar(1, pa.int64()), cols["qty"]
    )
    for name in ("viewer_id", "product_id", "order_id", "source"):
        cols[name] = pc.if_else(pa.array(blank[name]), pa.scalar(None, pa.string()), cols[name])
    return pa.Table.from_arrays([cols[f.name] for f in EVENT_SCHEMA], schema=EVENT_SCHEMA)
