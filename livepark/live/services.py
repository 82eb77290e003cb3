"""Every write of the live app: sessions and their run-of-show (validated, scoped, audited), and live-room
events into the columnar event store (HTTP intake, file import, simulation).

The event store
---------------
Events live in one :class:`~livepark.engines.events.EventStore` under :func:`event_store_root`
(``settings.HOME / "events"``, i.e. ``$LIVEPARK_HOME/events``). The store de-duplicates by ``event_id``, so a
re-sent batch or a re-run import counts every event once, and a batch is stored wholly or not at all.

The store has **one writer** at a time: an append takes an exclusive ``flock`` on the store and builds an
in-memory de-duplication index. Inside a process every append goes through :func:`events_append`, which
serialises them with a ``threading.Lock`` around one shared store object, so the threads of a server process
share the writer safely and the index stays warm while events keep coming. The writer role is given up after
:data:`WRITER_IDLE_SECONDS` without appends, so another process (the second uvicorn worker of ``livepark
serve``, a ``livepark events import``) can take it; a process that finds the store locked retries for up to
:data:`WRITER_WAIT_SECONDS`, then answers :class:`StoreBusy` (HTTP 503). Each hand-over costs the new writer a
rebuild of the index (reading every stored ``event_id``), so sustained intake from several processes at once
is slow or refused: it needs a durable broker in front of one writer (NATS JetStream or Kafka, as ``DESIGN.md``
says), which is not built here. Until then run the intake in one process. Reads need no lock.

Who may write events
--------------------
``POST /api/v1/events`` needs the right ``("event", "create")`` (park admin, enterprise owner and staff; a
missing right is 403) and every ``session_id`` of the batch must be a session the caller may *change*: the park
admin any, enterprise owner/staff the sessions their enterprise sells (an MCN does not write the events of a
brand's session its anchor hosts). An unknown session or one outside scope is 404 for the whole batch. Machine
clients use an API token of such a user. Events of a cancelled session are refused (409).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from livepark.catalog import selectors as catalog_selectors
from livepark.catalog.models import Product, ProductStatus
from livepark.core import audit, counting
from livepark.core.errors import Conflict, FieldErrors, Invalid, NotFound, ServiceError
from livepark.core.models import AuditLog
from livepark.core.roles import Role
from livepark.core.scoping import require_right
from livepark.core.servicekit import apply, required_text, save_audited, scoped_for_update
from livepark.engines.events import (
    AppendResult,
    EventError,
    EventStore,
    EventValidationError,
    StoreLockedError,
    simulate,
    validate_events,
)
from livepark.live.models import LiveSession, RunOfShowItem, SessionStatus
from livepark.registry import selectors as registry_selectors

GROUP = "live"  # data-version group of the list counts (core.counting)
MAX_BATCH = 10_000  # events per HTTP intake request
MAX_BODY_BYTES = 16 * 1024 * 1024  # 10,000 generous events; larger bodies are refused unread (413)
NDJSON_TYPES = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}
)
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,39}")
MAX_SESSION = dt.timedelta(hours=24)
MAX_CO_ANCHORS = 5
MAX_RUN_OF_SHOW = 100
CLOCK_SKEW = dt.timedelta(minutes=5)  # how far in the future a start/end time may lie
#: Fields that only change before the session starts.
PLAN_FIELDS = ("room_id", "anchor_id", "enterprise_id", "booking_id", "planned_start", "planned_end")


class BatchTooLarge(ServiceError):
    status = 413
    code = "batch_too_large"


class StoreBusy(ServiceError):
    status = 503
    code = "store_busy"


# --- the event store --------------------------------------------------------------------------------------

WRITER_IDLE_SECONDS = 2.0  # give up the writer role after this long without appends
WRITER_WAIT_SECONDS = 8.0  # how long an append waits for another process's writer role
_store_lock = threading.Lock()
_store: EventStore | None = None
_last_write = 0.0
_release_timer: threading.Timer | None = None


def event_store_root() -> Path:
    """Where the event store lives: ``settings.HOME / "events"`` (tests point ``settings.HOME`` elsewhere)."""
    return Path(settings.HOME) / "events"


def _current_store() -> EventStore:
    """The process's store object for the current root (caller holds ``_store_lock``)."""
    global _store
    root = event_store_root()
    if _store is None or _store.root != root:
        if _store is not None:
            _store.close()  # the root moved (tests): give up the old writer role
        _store = EventStore(root)
    return _store


def event_store() -> EventStore:
    """The process-wide :class:`EventStore` at :func:`event_store_root`, for reading (no lock needed).

    Write through :func:`events_append` / :func:`events_ingest` / :func:`events_import_file` only, which
    serialise appends in-process.
    """
    with _store_lock:
        return _current_store()


def _release_if_idle() -> None:
    """Give up the writer role (flock and index) when no append came for WRITER_IDLE_SECONDS."""
    with _store_lock:
        if _store is not None and time.monotonic() - _last_write >= WRITER_IDLE_SECONDS:
            _store.close()


def _write(operation: Callable[[EventStore], Any]) -> Any:
    """Run a store write as this process's single writer: serialised in-process, waiting a while for another
    process's writer role, then keeping the role until idle."""
    global _last_write, _release_timer
    deadline = time.monotonic() + WRITER_WAIT_SECONDS
    with _store_lock:
        store = _current_store()
        while True:
            try:
                result = operation(store)
                break
            except StoreLockedError:
                if time.monotonic() >= deadline:
                    raise StoreBusy(
                        "事件库正由另一个进程写入 / the event store has another writer process "
                        "(one writer per store; run intake in one process or put a broker in front)"
                    ) from None
                time.sleep(0.05)
        _last_write = time.monotonic()
        if _release_timer is not None:
            _release_timer.cancel()
        _release_timer = threading.Timer(WRITER_IDLE_SECONDS, _release_if_idle)
        _release_timer.daemon = True
        _release_timer.start()
        return result


def events_append(batch: pa.Table | list[Any]) -> AppendResult:
    """Validate and store one batch (all or nothing; duplicates dropped). No scope check: callers check.

    Raises :class:`~livepark.engines.events.EventValidationError` for a bad batch and :class:`StoreBusy`
    when another process keeps the store's writer role.
    """
    return _write(lambda store: store.append(batch))


def events_compact() -> int:
    """Merge the store's small files (queries give the same results); returns how many were replaced."""
    return _write(lambda store: store.compact())


def invalid_batch(exc: EventValidationError) -> Invalid:
    """The 422 answer for a rejected batch: every bad event by index, field and rule."""
    fields: dict[str, list[str]] = {}
    for e in exc.errors:
        key = "events" if e.index < 0 else f"events[{e.index}].{e.field}"
        fields.setdefault(key, []).append(f"{e.rule}: {e.message}")
    return Invalid(
        f"批次被拒绝，未写入任何事件 / batch rejected, nothing stored: {exc}",
        fields=fields,
        code="invalid_event",
    )


def _check_batch_size(n: int) -> None:
    if n > MAX_BATCH:
        raise BatchTooLarge(
            f"每批最多 {MAX_BATCH} 个事件 / at most {MAX_BATCH} events per request ({n} sent)",
            fields={"events": [f"at most {MAX_BATCH} events, got {n}"]},
        )


def parse_event_body(body: bytes, content_type: str) -> list[Any]:
    """The records of an intake body: a JSON array of event objects, or NDJSON (one object per line) when
    ``content_type`` is ``application/x-ndjson`` (blank lines are skipped but keep their index).

    Raises ``Invalid`` (422) for a body that is neither, ``BatchTooLarge`` (413) above :data:`MAX_BATCH`.
    """
    media = (content_type or "").split(";")[0].strip().lower()
    if media in NDJSON_TYPES:
        try:
            lines = body.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            raise Invalid.field("body", "须为 UTF-8 / must be UTF-8", "bad_encoding") from None
        _check_batch_size(sum(1 for line in lines if line.strip()))
        return lines
    try:
        records = json.loads(body or b"null")
    except ValueError as exc:
        raise Invalid.field("body", f"JSON 解析失败 / bad JSON: {exc}", "bad_json") from None
    if not isinstance(records, list):
        raise Invalid.field(
            "body", "须为事件数组或 NDJSON / must be a JSON array of events, or NDJSON", "not_an_array"
        )
    _check_batch_size(len(records))
    # Strings inside a JSON array would be read as NDJSON lines by the validator: refuse them here.
    bad = [
        EventError(i, "*", "not_an_object", f"{type(r).__name__} is not an object")
        for i, r in enumerate(records)
        if not isinstance(r, dict)
    ]
    if bad:
        raise invalid_batch(EventValidationError(bad))
    return records


def events_ingest_body(*, actor, body: bytes, content_type: str) -> AppendResult:
    """:func:`events_ingest` of a raw request body (JSON array or NDJSON); the right is checked first."""
    require_right(actor, "event", "create")
    return events_ingest(actor=actor, records=parse_event_body(body, content_type))


def events_ingest(*, actor, records: list[Any]) -> AppendResult:
    """Store a batch posted to the API: the right, a valid batch, every session writable by ``actor``.

    Refusals change nothing: 403 without the right, 422 naming each bad event's index and rule, 404 for a
    session the actor may not write to (or that does not exist), 409 for a cancelled session.
    """
    require_right(actor, "event", "create")
    _check_batch_size(sum(1 for r in records if not isinstance(r, str) or r.strip()))
    try:
        table = validate_events(records)
    except EventValidationError as exc:
        raise invalid_batch(exc) from None
    if table.num_rows == 0:
        return AppendResult(0, 0)
    codes = set(pc.unique(table["session_id"]).to_pylist())
    allowed = dict(
        LiveSession.objects.restrict(actor, "change").filter(code__in=codes).values_list("code", "status")
    )
    missing = sorted(codes - allowed.keys())
    if missing:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise NotFound(
            f"场次不存在或无权写入 / unknown session or not yours to write: {shown}",
            fields={"session_id": [f"unknown or not writable: {c}" for c in missing[:10]]},
            code="unknown_session",
        )
    cancelled = sorted(c for c, s in allowed.items() if s == SessionStatus.CANCELLED)
    if cancelled:
        raise Conflict(
            f"场次已取消 / session cancelled: {', '.join(cancelled[:10])}",
            fields={"session_id": [f"cancelled: {c}" for c in cancelled[:10]]},
            code="session_cancelled",
        )
    return events_append(table)


# --- file import and simulation (the CLI) ---------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import stored: ``accepted`` new events and ``duplicates`` (already stored or repeated)."""

    events: int
    accepted: int
    duplicates: int
    batches: int


class ImportFailed(ServiceError):
    status = 422
    code = "invalid_event"


def _text_lines(path: Path, done: Callable[[int], None]) -> Iterator[str]:
    """The file's lines as text, reporting the bytes read so far."""
    read = 0
    with open(path, "rb") as fh:
        for raw in fh:
            read += len(raw)
            done(read)
            yield raw.decode("utf-8")


def _record_batches(path: Path, batch_size: int, done: Callable[[int], None]) -> Iterator[tuple[int, Any]]:
    """(index of the first event in the file, batch) pairs; a batch is a table or a list of records."""
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix.lower() == ".gz" else path.suffix.lower()
    if suffix == ".parquet":
        parquet = pq.ParquetFile(path)
        offset = 0
        for batch in parquet.iter_batches(batch_size=batch_size):
            table = pa.Table.from_batches([batch])
            yield offset, table
            offset += table.num_rows
            done(offset)
    elif suffix in (".ndjson", ".jsonl"):
        lines: list[str] = []
        offset = 0
        for line in _text_lines(path, done):
            lines.append(line)
            if len(lines) >= batch_size:
                yield offset, lines
                offset += len(lines)
                lines = []
        if lines:
            yield offset, lines
    elif suffix == ".csv":
        reader = csv.DictReader(_text_lines(path, done))
        rows: list[dict[str, Any]] = []
        offset = 0
        for row in reader:
            rows.append({k if k is not None else "*extra cells*": v for k, v in row.items()})
            if len(rows) >= batch_size:
                yield offset, rows
                offset += len(rows)
                rows = []
        if rows:
            yield offset, rows
    else:
        raise Invalid.field("file", "须为 .ndjson、.jsonl、.csv 或 .parquet / unknown format", "format")


def import_units(path: Path) -> int:
    """The progress total of :func:`events_import_file`: rows of a Parquet file, else bytes."""
    if path.suffix.lower() == ".parquet":
        return pq.ParquetFile(path).metadata.num_rows
    return path.stat().st_size


def events_import_file(
    path: Path, *, batch_size: int = 50_000, progress: Callable[[int], None] | None = None
) -> ImportResult:
    """Import an NDJSON, CSV or Parquet file of events batch by batch (CLI; the operator is trusted).

    Each batch is committed on its own, so an import that is killed can simply be run again: the store drops
    the events it already holds and every event counts exactly once. A bad event stops the import at its
    batch (earlier batches stay stored) with :class:`ImportFailed` naming the event's position in the file
    (0-based; for NDJSON its line index, for CSV its data row) and the rule. ``progress`` receives the units
    done (see :func:`import_units`).
    """
    done = progress or (lambda n: None)
    events = accepted = duplicates = batches = 0
    for offset, batch in _record_batches(Path(path), batch_size, done):
        try:
            result = events_append(batch)
        except EventValidationError as exc:
            first = exc.first
            where = "batch" if first.index < 0 else f"event {offset + first.index}"
            raise ImportFailed(
                f"{path}: {where}: {first.field}: {first.rule} ({first.message}); "
                f"{accepted} events stored before it",
                fields={f"events[{offset + e.index}].{e.field}": [e.rule] for e in exc.errors[:20]},
            ) from None
        batches += 1
        events += result.accepted + result.duplicates
        accepted += result.accepted
        duplicates += result.duplicates
    return ImportResult(events, accepted, duplicates, batches)


def _write_ndjson(table: pa.Table, out: Path) -> None:
    ts = pc.strftime(table["ts"], format="%Y-%m-%dT%H:%M:%SZ")  # milliseconds included (ms unit)
    table = table.set_column(table.schema.get_field_index("ts"), "ts", ts)
    with open(out, "w", encoding="utf-8") as fh:
        for batch in table.to_batches(max_chunksize=50_000):
            for row in batch.to_pylist():
                fh.write(json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False))
                fh.write("\n")


def events_simulate_to_file(
    *,
    session_id: str,
    viewers: int,
    out: Path,
    seed: int = 0,
    minutes: int = 60,
    start: dt.datetime | None = None,
    dup_share: float = 0.0,
    disorder_share: float = 0.0,
) -> int:
    """Simulate a session's events (engine simulator) into ``out`` (.parquet or .ndjson); returns the count.

    ``start`` defaults to the session's actual or planned start when a session with that code exists, else the
    simulator's default.
    """
    out = Path(out)
    if out.suffix.lower() not in (".parquet", ".ndjson", ".jsonl"):
        raise Invalid.field("out", "须为 .parquet 或 .ndjson / must end in .parquet or .ndjson", "format")
    if start is None:
        session = LiveSession.objects.filter(code=session_id).only("started_at", "planned_start").first()
        if session is not None:
            start = session.started_at or session.planned_start
    kwargs: dict[str, Any] = {"start": start} if start is not None else {}
    table = simulate(
        session_id,
        viewers=viewers,
        seed=seed,
        minutes=minutes,
        dup_share=dup_share,
        disorder_share=disorder_share,
        **kwargs,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        pq.write_table(table, out, compression="zstd")
    else:
        _write_ndjson(table, out)
    return table.num_rows


# --- sessions ---------------------------------------------------------------------------------------------


def _is_admin(actor) -> bool:
    return bool(actor.is_superuser or actor.role == Role.PARK_ADMIN)


def _new_code() -> str:
    return f"LS{timezone.localdate():%y%m%d}{secrets.token_hex(3).upper()}"


def _int_or_none(errors: FieldErrors, name: str, value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(name, "应为整数 ID / must be an integer id")
        return None
    return value


def _clean_session(actor, data: dict[str, Any], *, instance: LiveSession | None) -> dict[str, Any]:
    """Every rule of a session at once (field by field); returns the model fields to set (plus
    ``co_anchor_ids`` when given)."""
    errors = FieldErrors()
    merged: dict[str, Any] = {
        "title": getattr(instance, "title", ""),
        "room_id": getattr(instance, "room_id", None),
        "anchor_id": getattr(instance, "anchor_id", None),
        "enterprise_id": getattr(instance, "enterprise_id", None),
        "account_id": getattr(instance, "account_id", None),
        "booking_id": getattr(instance, "booking_id", None),
        "planned_start": getattr(instance, "planned_start", None),
        "planned_end": getattr(instance, "planned_end", None),
        "notes": getattr(instance, "notes", ""),
    }
    given = {k: v for k, v in data.items() if k in merged}
    merged.update(given)
    touched = set(merged) if instance is None else set(given)
    out: dict[str, Any] = {}

    if instance is not None:
        if instance.status == SessionStatus.CANCELLED:
            raise Conflict("场次已取消，不能修改 / the session is cancelled", code="session_cancelled")
        if instance.status != SessionStatus.PLANNED:
            for name in PLAN_FIELDS:
                if name in given and given[name] != getattr(instance, name):
                    errors.add(name, "开播后不能修改 / cannot change once the session has started")
        if "code" in data and data["code"] not in (None, instance.code):
            errors.add("code", "场次编号不可修改 / the code cannot change (it keys the events)")
    else:
        code = (data.get("code") or "").strip() or _new_code()
        if not CODE_RE.fullmatch(code):
            errors.add("code", "1–40 位字母、数字或 ._:- / 1–40 letters, digits or ._:-")
        elif LiveSession.objects.filter(code=code).exists():
            errors.add("code", "场次编号已存在 / code already used")
        out["code"] = code

    if "title" in touched:
        out["title"] = required_text(errors, "title", merged["title"], 128)
    if "notes" in touched:
        notes = (merged["notes"] or "").strip()
        if len(notes) > 500:
            errors.add("notes", "最多 500 个字符 / at most 500 characters")
        out["notes"] = notes

    # The seller: an enterprise user sells for its own enterprise; the park admin names one.
    if "enterprise_id" in touched:
        enterprise_id = _int_or_none(errors, "enterprise_id", merged["enterprise_id"])
        if not _is_admin(actor):
            if enterprise_id not in (None, actor.enterprise_id):
                errors.add("enterprise_id", "只能为本企业创建场次 / you sell for your own enterprise only")
            enterprise_id = actor.enterprise_id
        if enterprise_id is None:
            errors.add("enterprise_id", "必填 / required")
        elif not registry_selectors.enterprise_exists(enterprise_id):
            errors.add("enterprise_id", "企业不存在 / unknown enterprise")
        out["enterprise_id"] = merged["enterprise_id"] = enterprise_id

    if "room_id" in touched:
        room_id = _int_or_none(errors, "room_id", merged["room_id"])
        if room_id is None:
            errors.add("room_id", "必填 / required")
        elif not registry_selectors.room_list(actor).filter(pk=room_id).exists():
            errors.add("room_id", "直播间不存在 / unknown room")
        out["room_id"] = room_id

    # Anchors: the park admin any live anchor, an enterprise its contracted anchors.
    anchors = registry_selectors.anchor_list(actor)
    if "anchor_id" in touched:
        anchor_id = _int_or_none(errors, "anchor_id", merged["anchor_id"])
        if anchor_id is None:
            errors.add("anchor_id", "必填 / required")
        elif not anchors.filter(pk=anchor_id).exists():
            errors.add("anchor_id", "主播不存在或未与本企业签约 / unknown anchor or not contracted to you")
        out["anchor_id"] = anchor_id
    if "co_anchor_ids" in data or instance is None:
        co = data.get("co_anchor_ids") or []
        if not isinstance(co, list | tuple) or not all(
            isinstance(x, int) and not isinstance(x, bool) for x in co
        ):
            errors.add("co_anchor_ids", "应为主播 ID 列表 / must be a list of anchor ids")
            co = []
        co = sorted(set(co))
        if len(co) > MAX_CO_ANCHORS:
            errors.add("co_anchor_ids", f"最多 {MAX_CO_ANCHORS} 位 / at most {MAX_CO_ANCHORS}")
        if merged["anchor_id"] in co:
            errors.add("co_anchor_ids", "不能包含主讲主播 / must not repeat the primary anchor")
        unknown = set(co) - set(anchors.filter(pk__in=co).values_list("pk", flat=True))
        if unknown:
            errors.add("co_anchor_ids", f"主播不存在或未签约 / unknown or not contracted: {sorted(unknown)}")
        out["co_anchor_ids"] = co

    # The account must stay the anchor's or the seller's when either of them changes.
    account_touched = bool({"account_id", "anchor_id", "enterprise_id"} & touched)
    if account_touched and merged["account_id"] is not None:
        account_id = _int_or_none(errors, "account_id", merged["account_id"])
        account = registry_selectors.account_list(actor).filter(pk=account_id).first() if account_id else None
        if account is None:
            errors.add("account_id", "平台账号不存在 / unknown platform account")
        elif (
            account.owner_anchor_id != merged["anchor_id"]
            and account.owner_enterprise_id != merged["enterprise_id"]
        ):
            errors.add(
                "account_id", "账号须属于主播或销售企业 / the account must belong to the anchor or the seller"
            )
        out["account_id"] = account_id
    elif "account_id" in touched:
        out["account_id"] = None

    times_touched = bool({"planned_start", "planned_end"} & touched)
    start, end = merged["planned_start"], merged["planned_end"]
    for name, value in (("planned_start", start), ("planned_end", end)):
        if name not in touched and not times_touched:
            continue
        if not isinstance(value, dt.datetime):
            errors.add(name, "必填时间 / a date-time is required")
        elif timezone.is_naive(value):
            errors.add(name, "须带时区 / must carry a UTC offset (ISO 8601)")
    times_ok = not errors.fields.get("planned_start") and not errors.fields.get("planned_end")
    if times_touched and times_ok:
        if end <= start:
            errors.add("planned_end", "结束时间须晚于开始时间 / must be after planned_start")
        elif end - start > MAX_SESSION:
            errors.add("planned_end", "单场不超过 24 小时 / a session lasts at most 24 hours")
        out["planned_start"], out["planned_end"] = start, end

    # A booking, when given, holds the room for the whole planned session.
    booking_touched = bool({"booking_id", "room_id", "planned_start", "planned_end"} & touched)
    if booking_touched and merged["booking_id"] is not None:
        booking_id = _int_or_none(errors, "booking_id", merged["booking_id"])
        booking = registry_selectors.booking_list(actor).filter(pk=booking_id).first() if booking_id else None
        if booking is None:
            errors.add("booking_id", "预订不存在 / unknown booking")
        else:
            if booking.room_id != merged["room_id"]:
                errors.add("booking_id", "预订的直播间与场次不一致 / the booking is for another room")
            inside = times_ok and isinstance(start, dt.datetime) and isinstance(end, dt.datetime)
            if inside and (start < booking.start or end > booking.end):
                local = timezone.localtime
                errors.add(
                    "planned_start",
                    f"须在预订时段内 / must lie within the booking "
                    f"({local(booking.start):%Y-%m-%d %H:%M}–{local(booking.end):%H:%M})",
                )
        out["booking_id"] = booking_id
    elif "booking_id" in touched:
        out["booking_id"] = None
    errors.raise_if_any()
    return out


def _audit_co_anchors(actor, session: LiveSession, old: list[int], new: list[int]) -> None:
    if old != new:
        session.co_anchors.set(new)
        audit.record(
            actor=actor, action=AuditLog.Action.UPDATE, obj=session, changes={"co_anchors": [old, new]}
        )


@transaction.atomic
def session_create(*, actor, data: dict[str, Any]) -> LiveSession:
    """Plan a session (park admin, or enterprise owner/staff selling for their enterprise)."""
    require_right(actor, "session", "create")
    fields = _clean_session(actor, data, instance=None)
    co = fields.pop("co_anchor_ids", [])
    session = LiveSession(**fields)
    save_audited(actor=actor, obj=session, before=None, group=GROUP)
    _audit_co_anchors(actor, session, [], co)
    return session


@transaction.atomic
def session_update(*, actor, pk: int, data: dict[str, Any]) -> LiveSession:
    """Change a session; room, anchor, seller, booking and planned times only before it starts."""
    session = scoped_for_update(LiveSession, actor, pk, "change")
    fields = _clean_session(actor, data, instance=session)
    co = fields.pop("co_anchor_ids", None)
    before = apply(session, fields)
    save_audited(actor=actor, obj=session, before=before, group=GROUP)
    if co is not None:
        _audit_co_anchors(actor, session, sorted(session.co_anchors.values_list("pk", flat=True)), co)
    return session


def _moment(name: str, at: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise Invalid.field(name, "须带时区 / must carry a UTC offset (ISO 8601)", "naive")
    if at > now + CLOCK_SKEW:
        raise Invalid.field(name, "不能晚于当前时间 / must not lie in the future", "future")
    return at


def _transition(session: LiveSession, allowed_from: SessionStatus, to: SessionStatus) -> None:
    if session.status != allowed_from:
        raise Conflict(
            f"场次状态为 {session.status}，不能变为 {to.value} / cannot move from {session.status} to {to.value}",
            fields={"status": [f"{session.status} -> {to.value} not allowed"]},
            code="transition",
        )


@transaction.atomic
def session_start(*, actor, pk: int, at: dt.datetime | None = None) -> LiveSession:
    """Go live (planned → live) at ``at`` (default now); 409 when another session is live in the room."""
    session = scoped_for_update(LiveSession, actor, pk, "operate")
    _transition(session, SessionStatus.PLANNED, SessionStatus.LIVE)
    started = _moment("at", at)
    busy = (
        LiveSession.objects.filter(room_id=session.room_id, status=SessionStatus.LIVE).exclude(pk=pk).first()
    )
    if busy is not None:
        raise Conflict(
            f"该直播间正在直播另一场次 / the room is live with session {busy.code}",
            fields={"room_id": [f"live: {busy.code}"]},
            code="room_busy",
        )
    before = apply(session, {"status": SessionStatus.LIVE, "started_at": started})
    save_audited(actor=actor, obj=session, before=before, group=GROUP)
    return session


@transaction.atomic
def session_end(*, actor, pk: int, at: dt.datetime | None = None) -> LiveSession:
    """End a live session (live → ended) at ``at`` (default now), never before its start."""
    session = scoped_for_update(LiveSession, actor, pk, "operate")
    _transition(session, SessionStatus.LIVE, SessionStatus.ENDED)
    ended = _moment("at", at)
    if ended < session.started_at:
        raise Invalid.field("at", "结束时间不能早于开始时间 / must not be before started_at", "range")
    before = apply(session, {"status": SessionStatus.ENDED, "ended_at": ended})
    save_audited(actor=actor, obj=session, before=before, group=GROUP)
    return session


@transaction.atomic
def session_cancel(*, actor, pk: int) -> LiveSession:
    """Cancel a planned session (planned → cancelled); it stays in the history."""
    session = scoped_for_update(LiveSession, actor, pk, "change")
    _transition(session, SessionStatus.PLANNED, SessionStatus.CANCELLED)
    before = apply(session, {"status": SessionStatus.CANCELLED})
    save_audited(actor=actor, obj=session, before=before, group=GROUP)
    return session


def _allowed_products(actor, ids: list[int]) -> set[int]:
    """Of ``ids``, the products ``actor`` may put on a run-of-show: live products it may view, or any
    product on sale (an MCN sells other firms' goods; a product on sale is public on the platforms)."""
    visible = catalog_selectors.product_list(actor).values("pk")
    return set(
        Product.objects.filter(pk__in=ids, archived_at__isnull=True)
        .filter(Q(status=ProductStatus.ACTIVE) | Q(pk__in=visible))
        .values_list("pk", flat=True)
    )


@transaction.atomic
def run_of_show_set(*, actor, pk: int, items: list[dict[str, Any]]) -> list[RunOfShowItem]:
    """Replace a session's run-of-show with ``items`` in order (``product_id``, ``planned_minutes``,
    ``talking_points``); allowed until the session ends."""
    session = scoped_for_update(LiveSession, actor, pk, "change")
    if session.status not in (SessionStatus.PLANNED, SessionStatus.LIVE):
        raise Conflict(
            "场次已结束或取消，排品不能修改 / the session has ended or was cancelled", code="session_closed"
        )
    errors = FieldErrors()
    if len(items) > MAX_RUN_OF_SHOW:
        errors.add("items", f"最多 {MAX_RUN_OF_SHOW} 个商品 / at most {MAX_RUN_OF_SHOW} items")
    ids = [i.get("product_id") for i in items]
    allowed = _allowed_products(actor, [i for i in ids if isinstance(i, int)])
    rows = []
    for n, item in enumerate(items):
        product_id, minutes = item.get("product_id"), item.get("planned_minutes")
        points = (item.get("talking_points") or "").strip()
        if product_id not in allowed:
            errors.add(f"items[{n}].product_id", "商品不存在或不可选 / unknown product or not available")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 600:
            errors.add(f"items[{n}].planned_minutes", "应为 1–600 的整数 / an integer from 1 to 600")
        if len(points) > 2000:
            errors.add(f"items[{n}].talking_points", "最多 2000 个字符 / at most 2000 characters")
        rows.append(
            RunOfShowItem(
                session=session,
                position=n + 1,
                product_id=product_id,
                planned_minutes=minutes,
                talking_points=points,
            )
        )
    errors.raise_if_any()
    old = [[i.product_id, i.planned_minutes] for i in session.run_of_show.order_by("position")]
    session.run_of_show.all().delete()
    RunOfShowItem.objects.bulk_create(rows)
    new = [[r.product_id, r.planned_minutes] for r in rows]
    if old != new or any(r.talking_points for r in rows):
        audit.record(
            actor=actor, action=AuditLog.Action.UPDATE, obj=session, changes={"run_of_show": [old, new]}
        )
    counting.bump(GROUP)
    return list(session.run_of_show.select_related("product").order_by("position"))
