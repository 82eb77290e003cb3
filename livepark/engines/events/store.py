"""Append-only columnar event store: partitioned Parquet plus a manifest, de-duplicated by ``event_id``.

On disk (``root`` is what the caller passes, e.g. ``$LIVEPARK_HOME/events``)::

    root/
      _manifest.json                       the only source of truth: which data files exist
      LOCK                                 flock()ed by the single writer
      data/bucket=07/part-<version>-07.parquet
      data/bucket=07/.tmp-<uuid>.parquet    being written; never read

* **Partitioning**: rows go to ``bucket = blake2b(session_id) mod buckets`` (16 by default, fixed when the
  store is created), so a session's events sit in one bucket and ``scan(session_ids)`` opens only those
  buckets. Inside a file rows are sorted by (``session_id``, ``ts``, ``event_id``), so Parquet row-group
  statistics prune further. Days are not a partition: sessions cross midnight and reports are per session.
* **Manifest**: ``{"format", "version", "buckets", "files": [{path, bucket, rows}], "retired": [...]}``.
  Readers list files from the manifest, never from the directory, so a file is visible exactly when a
  manifest naming it has been installed.
* **Commit protocol** of ``append``: validate the whole batch (a bad batch changes nothing); drop repeated
  ``event_id``\\s (the first row of the batch wins) and ids already stored (the first one stored wins); for
  each bucket write ``.tmp-*.parquet``, fsync it, rename it to its final name, fsync the bucket directory;
  then write ``_manifest.json.tmp-*`` naming the old files plus the new ones, fsync it, ``os.replace`` it
  over ``_manifest.json`` (atomic), fsync ``root``; only then return ``AppendResult``.
* **Crash safety** (SIGKILL or power loss at any instant): before the manifest rename nothing of the batch
  is visible (its files are unreferenced orphans); after it, all of it is, and every file it names was
  already durable. The rename is the single commit point, so a batch is wholly visible or not at all; a
  batch acknowledged to the caller survives because the renamed manifest and its directory entry were
  fsynced before returning. A torn Parquet file can only be a temp file or an orphan, never referenced.
  The writer deletes orphans and temp files when it takes the lock. Re-sending a batch after a crash is
  safe: ids that were committed come back as duplicates, the rest are accepted — exactly once either way.
* **De-duplication index**: in memory only, rebuilt from the committed files when the writer first needs
  it: a sorted array of 64-bit hashes of every stored ``event_id`` with the file holding it (12 bytes per
  event). A hash hit is confirmed by reading the ``event_id`` column of the files concerned, so hash
  collisions cost a read, never a lost event. Being derived from committed files, it cannot disagree with
  them after a crash.
* **Compaction** (``compact``) merges each bucket's small files into one sorted file and commits the swap
  with the same protocol; the rows, hence every query result, are unchanged. Replaced files stay on disk
  for ``retention_seconds`` (listed under ``retired``) so readers still scanning an older manifest keep
  working, then are deleted.
* **Concurrency**: one writer per store — ``append``/``compact`` take an exclusive ``flock`` on ``LOCK``
  (released by the kernel if the process dies, so no stale locks) and a second writer gets
  :class:`StoreLockedError`. Any number of readers (``scan``, ``files``) need no lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .schema import EVENT_SCHEMA, validate_events, validate_table

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["AppendResult", "EventStore", "StoreLockedError", "session_bucket"]

MANIFEST = "_manifest.json"
FORMAT = 1
_SORT_KEYS = [("session_id", "ascending"), ("ts", "ascending"), ("event_id", "ascending")]


class StoreLockedError(RuntimeError):
    """Another process (or another ``EventStore`` object) is the store's writer."""


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What ``append`` did: ``accepted`` new events stored, ``duplicates`` dropped (already stored, or a
    repeated ``event_id`` within the batch). ``accepted + duplicates`` is the batch size."""

    accepted: int
    duplicates: int


def session_bucket(session_id: str, buckets: int) -> int:
    """The bucket of a session: stable across processes, platforms and versions (unlike ``hash()``)."""
    digest = hashlib.blake2b(session_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % buckets


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, write: Callable[[Path], None]) -> None:
    """Write a new file at ``path`` so that it is complete and durable before it has its name."""
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}{path.suffix}")
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _write_parquet(path: Path, table: pa.Table) -> None:
    pq.write_table(table, path, compression="zstd")


class _IdIndex:
    """Which event_ids are stored: sorted 64-bit hashes with the number of the file holding each."""

    def __init__(self) -> None:
        self._con = duckdb.connect()  # DuckDB's vectorised string hash; only ever compared in-process
        self.hashes = np.empty(0, dtype=np.uint64)
        self.where = np.empty(0, dtype=np.int32)
        self.paths: list[Path] = []

    def hash(self, ids: pa.Array) -> np.ndarray:
        self._con.register("lp_ids", pa.table({"id": ids}))
        try:
            return self._con.execute("SELECT hash(id) AS h FROM lp_ids").fetchnumpy()["h"].astype(np.uint64)
        finally:
            self._con.unregister("lp_ids")

    def add(self, files: Sequence[tuple[pa.Array, Path]]) -> None:
        """Record the ids of newly committed files (one sort for the lot: loading a big store is O(n log n))."""
        if not files:
            return
        hashes = [self.hashes]
        where = [self.where]
        for ids, path in files:
            self.paths.append(path)
            hashes.append(self.hash(ids))
            where.append(np.full(len(ids), len(self.paths) - 1, dtype=np.int32))
        h, w = np.concatenate(hashes), np.concatenate(where)
        order = np.argsort(h, kind="stable")
        self.hashes, self.where = h[order], w[order]

    def contains(self, ids: pa.Array) -> np.ndarray:
        """A boolean mask: which of ``ids`` (distinct) are stored already. Exact."""
        if len(ids) == 0 or len(self.hashes) == 0:
            return np.zeros(len(ids), dtype=bool)
        h = self.hash(ids)
        lo = np.searchsorted(self.hashes, h, side="left")
        hi = np.searchsorted(self.hashes, h, side="right")
        maybe = hi > lo
        if not maybe.any():
            return maybe
        files = sorted({int(f) for a, b in zip(lo[maybe], hi[maybe], strict=True) for f in self.where[a:b]})
        stored = pa.concat_arrays(
            [pq.read_table(self.paths[f], columns=["event_id"])["event_id"].combine_chunks() for f in files]
        )
        present = pc.is_in(ids, value_set=stored).to_numpy(zero_copy_only=False)
        return maybe & present

    def close(self) -> None:
        self._con.close()


class EventStore:
    """An append-only, de-duplicating event store under ``root`` (see the module docstring for the design).

    Reading (``scan``, ``files``) needs no lock; the first ``append``/``compact`` makes this object the
    store's single writer until ``close()``.
    """

    def __init__(self, root: str | os.PathLike[str], *, buckets: int = 16, retention_seconds: float = 600.0):
        self.root = Path(root)
        self._new_buckets = buckets
        self.retention_seconds = retention_seconds
        self._lock_fd: int | None = None
        self._index: _IdIndex | None = None
        self._con: Any = None

    # -- manifest -------------------------------------------------------------------------------------

    def _manifest(self) -> dict[str, Any]:
        try:
            with open(self.root / MANIFEST, encoding="utf-8") as fh:
                manifest = json.load(fh)
        except FileNotFoundError:
            return {"format": FORMAT, "version": 0, "buckets": self._new_buckets, "files": [], "retired": []}
        if manifest.get("format") != FORMAT:
            raise RuntimeError(f"{self.root / MANIFEST}: unknown store format {manifest.get('format')!r}")
        return manifest

    def _commit(self, manifest: dict[str, Any]) -> None:
        """Install ``manifest`` atomically and durably: the single commit point of every change."""
        data = json.dumps(manifest, separators=(",", ":"), sort_keys=True).encode("utf-8")
        _write_durably(self.root / MANIFEST, lambda p: p.write_bytes(data))

    @property
    def version(self) -> int:
        """The committed manifest's version (0 for an empty store); every commit adds 1."""
        return int(self._manifest()["version"])

    # -- writer -----------------------------------------------------------------------------------------

    def _acquire(self) -> dict[str, Any]:
        """Become the writer (once), clean up after any crashed writer, and return the manifest."""
        if self._lock_fd is None:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.root / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise StoreLockedError(f"{self.root} has another writer") from None
            self._lock_fd = fd
            (self.root / "data").mkdir(exist_ok=True)
            manifest = self._manifest()
            if not (self.root / MANIFEST).exists():
                self._commit(manifest)
                _fsync_dir(self.root.parent)
            self._collect_garbage(manifest, orphans=True)
        return self._manifest()

    def _collect_garbage(self, manifest: dict[str, Any], *, orphans: bool = False) -> None:
        """Delete retired files past their retention and, with ``orphans``, every file no manifest names
        (the leftovers of a writer that died before its commit). Only the lock holder calls this."""
        now = time.time()
        expired = [r for r in manifest["retired"] if now - r["at"] >= self.retention_seconds]
        if expired:
            manifest = dict(manifest, version=manifest["version"] + 1)
            manifest["retired"] = [r for r in manifest["retired"] if r not in expired]
            self._commit(manifest)  # forget them first: a crash here leaves orphans, never dangling names
            for r in expired:
                with contextlib.suppress(FileNotFoundError):
                    (self.root / r["path"]).unlink()
        if orphans:
            keep = {f["path"] for f in manifest["files"]} | {r["path"] for r in manifest["retired"]}
            for path in (self.root / "data").rglob("*"):
                if path.is_file() and path.relative_to(self.root).as_posix() not in keep:
                    path.unlink()
            for path in self.root.glob(f".tmp-*{Path(MANIFEST).suffix}"):
                path.unlink()

    def _ids(self, manifest: dict[str, Any]) -> _IdIndex:
        if self._index is None:
            index = _IdIndex()
            paths = [self.root / f["path"] for f in manifest["files"]]
            index.add(
                [(pq.read_table(p, columns=["event_id"])["event_id"].combine_chunks(), p) for p in paths]
            )
            self._index = index
        return self._index

    def append(self, batch: pa.Table | Iterable[Mapping[str, Any]]) -> AppendResult:
        """Validate and store a batch (a table of :data:`EVENT_SCHEMA`-like columns, or event dicts).

        All or nothing: an invalid batch raises :class:`~.schema.EventValidationError` and stores nothing;
        once this returns, the accepted events are durable. Idempotent: re-sending a batch stores nothing
        new and counts its events as duplicates.
        """
        table = validate_table(batch) if isinstance(batch, pa.Table) else validate_events(batch)
        manifest = self._acquire()
        total = table.num_rows
        if total == 0:
            return AppendResult(0, 0)
        # The first row of each event_id within the batch, in batch order.
        numbered = table.append_column("_row", pa.array(np.arange(total, dtype=np.int64)))
        firsts = numbered.group_by("event_id", use_threads=False).aggregate([("_row", "min")])
        rows = np.sort(firsts["_row_min"].to_numpy())
        unique = table.take(rows)
        index = self._ids(manifest)
        fresh = unique.filter(pa.array(~index.contains(unique["event_id"].combine_chunks())))
        if fresh.num_rows == 0:
            return AppendResult(0, total)
        buckets = int(manifest["buckets"])
        sessions = fresh["session_id"].combine_chunks().dictionary_encode()
        per_session = np.array(
            [session_bucket(s, buckets) for s in sessions.dictionary.to_pylist()], np.int64
        )
        bucket_of_row = per_session[sessions.indices.to_numpy(zero_copy_only=False)]
        version = int(manifest["version"]) + 1
        written: list[tuple[dict[str, Any], pa.Array]] = []
        try:
            for b in np.unique(bucket_of_row):
                part = fresh.filter(pa.array(bucket_of_row == b)).sort_by(_SORT_KEYS)
                written.append(
                    (self._write_file(part, int(b), f"part-{version:012d}-{int(b):03d}"), part["event_id"])
                )
            new = dict(manifest, version=version, files=manifest["files"] + [entry for entry, _ in written])
            self._commit(new)
        except BaseException:
            self._discard([entry for entry, _ in written], version)
            raise
        index.add([(ids.combine_chunks(), self.root / entry["path"]) for entry, ids in written])
        return AppendResult(fresh.num_rows, total - fresh.num_rows)

    def _discard(self, entries: list[dict[str, Any]], version: int) -> None:
        """After a failed commit, delete the files it wrote — unless the manifest did get installed (the
        failure came after the rename), in which case the index is rebuilt from the files instead."""
        with contextlib.suppress(Exception):
            if int(self._manifest()["version"]) >= version:
                if self._index is not None:
                    self._index.close()
                    self._index = None
                return
        for entry in entries:
            with contextlib.suppress(OSError):
                (self.root / entry["path"]).unlink()

    def _write_file(self, table: pa.Table, bucket: int, stem: str) -> dict[str, Any]:
        directory = self.root / "data" / f"bucket={bucket:03d}"
        if not directory.exists():
            directory.mkdir(parents=True)
            _fsync_dir(directory.parent)
        path = directory / f"{stem}.parquet"
        _write_durably(path, lambda p: _write_parquet(p, table.cast(EVENT_SCHEMA)))
        return {"path": path.relative_to(self.root).as_posix(), "bucket": bucket, "rows": table.num_rows}

    def compact(self, *, target_rows: int = 1_000_000) -> int:
        """Merge each bucket's files smaller than ``target_rows`` into one sorted file; returns how many
        files were replaced. Queries return the same results before and after."""
        manifest = self._acquire()
        version = int(manifest["version"]) + 1
        keep: list[dict[str, Any]] = []
        merged: list[dict[str, Any]] = []
        replaced: list[dict[str, Any]] = []
        by_bucket: dict[int, list[dict[str, Any]]] = {}
        for f in manifest["files"]:
            (by_bucket.setdefault(f["bucket"], []) if f["rows"] < target_rows else keep).append(f)
        try:
            for bucket, files in sorted(by_bucket.items()):
                if len(files) < 2:
                    keep.extend(files)
                    continue
                table = pa.concat_tables(pq.read_table(self.root / f["path"]) for f in files)
                merged.append(
                    self._write_file(table.sort_by(_SORT_KEYS), bucket, f"part-{version:012d}-{bucket:03d}-c")
                )
                replaced.extend(files)
            if not replaced:
                return 0
            now = time.time()
            retired = manifest["retired"] + [{"path": f["path"], "at": now} for f in replaced]
            self._commit(dict(manifest, version=version, files=keep + merged, retired=retired))
        except BaseException:
            self._discard(merged, version)
            raise
        if self._index is not None:  # file numbers changed: rebuild on the next append
            self._index.close()
            self._index = None
        self._collect_garbage(self._manifest())
        return len(replaced)

    def close(self) -> None:
        """Give up the writer role (if held) and free the in-memory index."""
        if self._index is not None:
            self._index.close()
            self._index = None
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- readers ----------------------------------------------------------------------------------------

    def files(self, session_ids: Sequence[str] | None = None) -> list[Path]:
        """The committed data files (of the buckets of ``session_ids`` when given), e.g. for Spark."""
        manifest = self._manifest()
        files = manifest["files"]
        if session_ids is not None:
            wanted = {session_bucket(s, int(manifest["buckets"])) for s in session_ids}
            files = [f for f in files if f["bucket"] in wanted]
        return [self.root / f["path"] for f in files]

    def scan(self, session_ids: Sequence[str] | None = None, *, con: Any = None) -> ir.Table:
        """The committed events (of ``session_ids`` when given) as an Ibis table on DuckDB (``con``, or a
        connection owned by this store). Each event_id appears once."""
        import ibis  # here, so that writers (intake workers) never pay for importing Ibis

        files = self.files(session_ids)
        if not files:
            return ibis.memtable(EVENT_SCHEMA.empty_table())
        if con is None:
            if self._con is None:
                self._con = ibis.duckdb.connect()
            con = self._con
        t = con.read_parquet([str(p) for p in files])
        if session_ids is not None:
            t = t.filter(t.session_id.isin(list(session_ids)))
        return t

    def count(self) -> int:
        """How many events are stored (from the manifest; no data is read)."""
        return sum(int(f["rows"]) for f in self._manifest()["files"])
