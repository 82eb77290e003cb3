"""Shared fixtures for the sampling-engine tests. No Django: these are plain pytest tests."""

from __future__ import annotations

import pytest

from . import spec_text


@pytest.fixture(scope="session")
def spec() -> str:
    """Text of ``shared/specs/qc-sampling.md``; the tests check the engine against it, not against a copy."""
    path = spec_text.spec_path()
    if not path.is_file():
        pytest.fail(f"QC sampling spec not found at {path}; set LIVEPARK_SHARED to the shared/ directory")
    return spec_text.read_spec()
