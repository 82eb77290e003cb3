"""Fixtures for the CEB codec tests (plain pytest; no Django)."""

from __future__ import annotations

from pathlib import Path

import pytest

from livepark.engines.customs.signing import LocalKeySigner

from .support import XSD_DIR


@pytest.fixture(scope="session")
def xsd_dir() -> Path:
    """The official schema folder (``$LIVEPARK_SHARED/ceb/xsd``)."""
    return XSD_DIR


@pytest.fixture(scope="session")
def signer() -> LocalKeySigner:
    """One RSA key per test session: key generation is the slow part of signing."""
    return LocalKeySigner.generate()
