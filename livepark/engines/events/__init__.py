"""Live-room events: the envelope (pyarrow), an append-only columnar store, the metrics (Ibis), a simulator.

Implements ``shared/specs/metrics.md``. No Django here. Submodules load on first use, so that a process that
only validates or stores events (an intake worker) does not import Ibis::

    from livepark.engines.events import EventStore, session_report, simulate

    table = simulate("s1", viewers=5_000, seed=1)
    with EventStore(home / "events") as store:
        store.append(table)
        report = session_report(store, "s1")
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "EVENT_SCHEMA": "schema",
    "EVENT_TYPES": "schema",
    "SOURCES": "schema",
    "EventError": "schema",
    "EventValidationError": "schema",
    "validate_csv": "schema",
    "validate_events": "schema",
    "validate_ndjson": "schema",
    "validate_table": "schema",
    "AppendResult": "store",
    "EventStore": "store",
    "StoreLockedError": "store",
    "rollup": "metrics",
    "session_report": "metrics",
    "session_reports": "metrics",
    "simulate": "simulator",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
