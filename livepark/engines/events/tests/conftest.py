"""Plain pytest tests of the events engine (no Django, no database)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Ibis 12 still calls DuckDB's fetch_arrow_table() when it reads a table's schema; not ours to fix.
    config.addinivalue_line(
        "filterwarnings", r"ignore:fetch_arrow_table\(\) is deprecated:DeprecationWarning"
    )
