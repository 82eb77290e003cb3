"""Child process of the crash tests: imports a fixed sequence of batches into a store, printing an ``ack``
line after each acknowledged append, and optionally dies by SIGKILL at a chosen point of the commit path.

    python -m livepark.engines.events.tests.crash_child ROOT [POINT N]

POINT is where to die, at its N-th occurrence: ``parquet`` (mid-way through writing a data file: a torn
file), ``fsync`` (before an fsync), ``replace`` (before a rename), ``replaced`` (right after a rename,
before the directory fsync). Without POINT it runs to the end.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pyarrow as pa

from livepark.engines.events import store as store_module
from livepark.engines.events.simulator import simulate

BATCH_ROWS = 150


def batches() -> list[pa.Table]:
    """The import: a simulated session with duplicates and late events, cut into batches, every third
    batch followed by a re-send of the previous one (as an intake retrying after a timeout would)."""
    table = simulate("crash-s1", viewers=700, seed=11, minutes=8, dup_share=0.1, disorder_share=0.2)
    other = simulate("crash-s2", viewers=300, seed=12, minutes=5, dup_share=0.05)
    table = pa.concat_tables([table, other]).replace_schema_metadata(None)
    parts = [table.slice(i, BATCH_ROWS) for i in range(0, table.num_rows, BATCH_ROWS)]
    out = []
    for i, part in enumerate(parts):
        out.append(part)
        if i % 3 == 2:
            out.append(parts[i - 1])
    return out


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str, n: int) -> None:
    """Patch the commit path so that the process kills itself at the ``n``-th ``point``."""
    calls = {"count": 0}

    def hit() -> bool:
        calls["count"] += 1
        return calls["count"] == n

    if point == "parquet":
        real = store_module._write_parquet

        def torn(path: Path, table: pa.Table) -> None:
            real(path, table)
            if hit():
                with open(path, "r+b") as fh:  # half a file on disk, then death
                    fh.truncate(path.stat().st_size // 2)
                _die()

        store_module._write_parquet = torn
    elif point == "fsync":
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            if hit():
                _die()
            real_fsync(fd)

        os.fsync = fsync
    elif point in ("replace", "replaced"):
        real_replace = os.replace

        def replace(src, dst) -> None:
            if point == "replace" and hit():
                _die()
            real_replace(src, dst)
            if point == "replaced" and hit():
                _die()

        os.replace = replace
    else:
        raise SystemExit(f"unknown crash point {point!r}")


def main(argv: list[str]) -> None:
    root = Path(argv[0])
    work = batches()
    if len(argv) == 3:
        arm(argv[1], int(argv[2]))
    store = store_module.EventStore(root, buckets=4)
    print("ready", flush=True)
    for i, batch in enumerate(work):
        result = store.append(batch)
        print(f"ack {i} {result.accepted} {result.duplicates}", flush=True)
    store.close()
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
