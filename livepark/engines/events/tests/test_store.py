"""The event store: de-duplication, all-or-nothing batches, crash safety under SIGKILL, compaction."""

from __future__ import annotations

import functools
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from livepark.engines.events import store as store_module
from livepark.engines.events.metrics import session_reports
from livepark.engines.events.schema import EventValidationError, validate_events
from livepark.engines.events.simulator import simulate
from livepark.engines.events.store import AppendResult, EventStore, StoreLockedError, session_bucket

from . import crash_child

T0 = 1_735_725_600_000  # 2025-01-01T10:00:00Z


def ev(eid: str, session: str = "s", at: int = 0, kind: str = "enter", viewer: str = "a") -> dict:
    return {"event_id": eid, "session_id": session, "ts": T0 + at, "type": kind, "viewer_id": viewer}


def stored(store: EventStore) -> pa.Table:
    """Every stored row, read straight from the committed files (sorted by event_id)."""
    files = store.files()
    if not files:
        return validate_events([])
    return pa.concat_tables(pq.read_table(f) for f in files).sort_by("event_id")


def test_append_then_scan(tmp_path: Path) -> None:
    with EventStore(tmp_path / "events") as store:
        assert store.append([ev("e1"), ev("e2", at=5, kind="leave")]) == AppendResult(2, 0)
        assert store.count() == 2 and store.version == 1
        t = store.scan()
        assert t.count().to_pyarrow().as_py() == 2
        assert sorted(t.event_id.to_pyarrow().to_pylist()) == ["e1", "e2"]


def test_duplicates_within_and_across_batches_the_first_stored_wins(tmp_path: Path) -> None:
    with EventStore(tmp_path) as store:
        first = [ev("e1", viewer="a"), ev("e2"), ev("e1", viewer="b")]  # e1 twice: the first row wins
        assert store.append(first) == AppendResult(2, 1)
        later = [ev("e2", viewer="z", at=9), ev("e3")]  # e2 already stored: the stored one wins
        assert store.append(later) == AppendResult(1, 1)
        rows = {r["event_id"]: r for r in stored(store).to_pylist()}
        assert sorted(rows) == ["e1", "e2", "e3"]
        assert rows["e1"]["viewer_id"] == "a" and rows["e2"]["viewer_id"] == "a"
    with EventStore(tmp_path) as reopened:  # the ids survive a restart (index rebuilt from the files)
        assert reopened.append([ev("e3"), ev("e1"), ev("e4")]) == AppendResult(1, 2)


def test_a_resent_batch_is_idempotent(tmp_path: Path) -> None:
    batch = simulate("s", viewers=200, seed=1, minutes=5)
    with EventStore(tmp_path) as store:
        first = store.append(batch)
        assert first == AppendResult(batch.num_rows, 0)
        version = store.version
        assert store.append(batch) == AppendResult(0, batch.num_rows)
        assert store.version == version and store.count() == batch.num_rows


def test_an_invalid_batch_changes_nothing(tmp_path: Path) -> None:
    with EventStore(tmp_path) as store:
        store.append([ev("e1")])
        with pytest.raises(EventValidationError) as err:
            store.append([ev("e2"), {**ev("e3"), "type": "teleport"}])
        assert err.value.first.index == 1 and err.value.first.rule == "unknown_type"
        assert store.count() == 1 and store.version == 1
        assert store.append([ev("e2")]) == AppendResult(1, 0)  # e2 was not half-stored


def test_a_failed_write_leaves_nothing_visible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Sessions in different buckets, so that the batch needs several files.
    sessions = [f"s{i}" for i in range(40)]
    assert len({session_bucket(s, 16) for s in sessions}) > 3
    batch = [ev(f"e{i}", session=s) for i, s in enumerate(sessions)]
    calls = {"n": 0}
    real = store_module._write_parquet

    def failing(path: Path, table: pa.Table) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        real(path, table)

    with EventStore(tmp_path) as store:
        store.append([ev("e-old")])
        monkeypatch.setattr(store_module, "_write_parquet", failing)
        with pytest.raises(OSError, match="disk full"):
            store.append(batch)
        assert store.count() == 1 and store.version == 1
        on_disk = {p.relative_to(tmp_path).as_posix() for p in (tmp_path / "data").rglob("*") if p.is_file()}
        assert on_disk == {str(p.relative_to(tmp_path)) for p in store.files()}  # the written files are gone
        monkeypatch.setattr(store_module, "_write_parquet", real)
        assert store.append(batch) == AppendResult(40, 0)


def test_a_failure_after_the_commit_point_keeps_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = store_module._fsync_dir

    def fsync_dir(path: Path) -> None:
        if Path(path) == tmp_path:  # the manifest is renamed, its directory cannot be synced
            raise OSError("I/O error")
        real(path)

    with EventStore(tmp_path) as store:
        store.append([ev("e1")])
        monkeypatch.setattr(store_module, "_fsync_dir", fsync_dir)
        with pytest.raises(OSError, match="I/O error"):
            store.append([ev("e2"), ev("e3")])
        monkeypatch.setattr(store_module, "_fsync_dir", real)
        assert store.count() == 3  # committed: its files were kept
        assert store.append([ev("e2"), ev("e3"), ev("e4")]) == AppendResult(1, 2)  # and their ids known


def test_readers_see_a_batch_wholly_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    batch = [ev(f"e{i}", session=f"s{i}") for i in range(30)]
    reader = EventStore(tmp_path)
    seen = []
    real_commit = EventStore._commit

    def commit(self: EventStore, manifest: dict) -> None:
        seen.append(reader.count())  # every data file is written, the manifest not yet installed
        real_commit(self, manifest)
        seen.append(reader.count())

    with EventStore(tmp_path) as writer:
        writer.append([ev("first")])
        monkeypatch.setattr(EventStore, "_commit", commit)
        writer.append(batch)
    assert seen == [1, 31]
    assert len(reader.files()) > 2  # the batch was several files, yet became visible at once


def test_leftovers_of_a_dead_writer_are_removed(tmp_path: Path) -> None:
    with EventStore(tmp_path) as store:
        store.append([ev("e1")])
    orphan = tmp_path / "data" / "bucket=003" / "part-000000000009-003.parquet"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"half a parquet file")
    torn = tmp_path / "data" / "bucket=003" / ".tmp-abc.parquet"
    torn.write_bytes(b"PAR1")
    manifest_tmp = tmp_path / ".tmp-abc.json"
    manifest_tmp.write_text("{")
    reader = EventStore(tmp_path)
    assert reader.count() == 1  # readers never look at unlisted files
    with EventStore(tmp_path) as store:
        assert store.append([ev("e2")]) == AppendResult(1, 0)
        assert not orphan.exists() and not torn.exists() and not manifest_tmp.exists()


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    first = EventStore(tmp_path)
    first.append([ev("e1")])
    second = EventStore(tmp_path)
    with pytest.raises(StoreLockedError):
        second.append([ev("e2")])
    assert second.count() == 1  # reading needs no lock
    first.close()
    assert second.append([ev("e2")]) == AppendResult(1, 0)
    second.close()


def test_scan_reads_only_the_sessions_buckets(tmp_path: Path) -> None:
    rows = [ev(f"e{i}", session=f"s{i % 10}", at=i) for i in range(100)]
    with EventStore(tmp_path, buckets=8) as store:
        store.append(rows)
        wanted = ["s3", "s7"]
        assert len(store.files(wanted)) == len({session_bucket(s, 8) for s in wanted}) < len(store.files())
        got = store.scan(wanted).event_id.to_pyarrow().to_pylist()
        assert sorted(got) == sorted(r["event_id"] for r in rows if r["session_id"] in wanted)
        assert store.scan(["nobody"]).count().to_pyarrow().as_py() == 0


def test_hash_collisions_never_lose_or_double_an_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module._IdIndex, "hash", lambda self, ids: np.zeros(len(ids), dtype=np.uint64))
    with EventStore(tmp_path) as store:
        assert store.append([ev("e1"), ev("e2")]) == AppendResult(2, 0)
        assert store.append([ev("e2"), ev("e3"), ev("e1"), ev("e4")]) == AppendResult(2, 2)
        assert stored(store)["event_id"].to_pylist() == ["e1", "e2", "e3", "e4"]


def test_compaction_changes_no_query_result(tmp_path: Path) -> None:
    table = pa.concat_tables(
        [
            simulate("c1", viewers=400, seed=5, minutes=10, dup_share=0.05, disorder_share=0.2),
            simulate("c2", viewers=200, seed=6, minutes=6),
        ]
    ).replace_schema_metadata(None)
    with EventStore(tmp_path, buckets=4, retention_seconds=0) as store:
        for i in range(0, table.num_rows, 300):
            store.append(table.slice(i, 300))
        before_files = store.files()
        before = session_reports(store, ["c1", "c2"])
        rows_before = stored(store)
        replaced = store.compact()
        assert replaced == len(before_files) > len(store.files())
        assert len(store.files()) <= 4
        assert stored(store).equals(rows_before)
        assert session_reports(store, ["c1", "c2"]) == before
        # replaced files are gone after their retention (0 s here); dedupe still knows every id
        assert all(not p.exists() for p in before_files)
        assert store.append(table) == AppendResult(0, table.num_rows)
        manifest = json.loads((tmp_path / "_manifest.json").read_text())
        assert manifest["retired"] == [] and store.compact() == 0


def test_compaction_keeps_replaced_files_for_readers_during_retention(tmp_path: Path) -> None:
    with EventStore(tmp_path, retention_seconds=3600) as store:
        for i in range(3):
            store.append([ev(f"e{i}")])
        old = store.files()
        store.compact()
        assert all(p.exists() for p in old)  # a reader that listed them a moment ago can still read them
        assert store.count() == 3


# --------------------------------------------------------------------------------------------------------
# Crashes: a child process imports batches and is killed with SIGKILL


@functools.cache
def _expected() -> dict[str, dict]:
    """Every event of the crash import as first delivered (the version the store must keep)."""
    first: dict[str, dict] = {}
    for batch in crash_child.batches():
        for row in batch.to_pylist():
            first.setdefault(row["event_id"], row)
    return first


def _child(root: Path, *crash: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "livepark.engines.events.tests.crash_child", str(root), *crash],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )


def _acked_batches(output: str) -> list[int]:
    return [int(line.split()[1]) for line in output.splitlines() if line.startswith("ack ")]


def _check_consistent(root: Path, acked: list[int]) -> int:
    """What a crash may leave: only whole batches, each event once, as first delivered, every acked batch."""
    store = EventStore(root)
    rows = stored(store).to_pylist()
    ids = [r["event_id"] for r in rows]
    assert len(ids) == len(set(ids)), "an event stored twice"
    expected = _expected()
    for r in rows:
        assert r == expected[r["event_id"]]
    work = crash_child.batches()
    have = set(ids)
    for i in acked:
        assert set(work[i]["event_id"].to_pylist()) <= have, f"acknowledged batch {i} lost"
    return len(rows)


def _finish_and_check(root: Path) -> None:
    child = _child(root)
    out, _ = child.communicate(timeout=120)
    assert child.returncode == 0 and out.strip().endswith("done")
    assert _check_consistent(root, _acked_batches(out)) == len(_expected())  # every event exactly once


@pytest.mark.parametrize(
    ("point", "n"),
    [("parquet", 3), ("fsync", 7), ("replace", 5), ("replace", 6), ("replaced", 5), ("replaced", 6)],
)
def test_sigkill_at_each_step_of_a_commit(tmp_path: Path, point: str, n: int) -> None:
    child = _child(tmp_path, point, str(n))
    out, _ = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, out  # it did die at that point
    _check_consistent(tmp_path, _acked_batches(out))
    _finish_and_check(tmp_path)


def test_sigkill_at_random_moments_then_rerun_counts_each_event_once(tmp_path: Path) -> None:
    rng = random.Random(20250618)
    kills = 0
    for _ in range(4):
        child = _child(tmp_path)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.4))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=60)
        kills += child.returncode == -signal.SIGKILL
        _check_consistent(tmp_path, _acked_batches(out))
    assert kills >= 2  # most runs were cut short mid-import
    _finish_and_check(tmp_path)
