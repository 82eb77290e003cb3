"""Where a LivePark instance keeps its local state (database, events, logs, keys)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def livepark_home() -> Path:
    """Return `$LIVEPARK_HOME` (default `./var`), created on first use."""
    home = Path(os.environ.get("LIVEPARK_HOME", "var")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def read_or_create_secret(name: str, nbytes: int = 48) -> str:
    """Read a secret from `$LIVEPARK_HOME/keys/<name>`, generating it (mode 0600) the first time."""
    keys = livepark_home() / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    path = keys / name
    if not path.exists():
        value = secrets.token_urlsafe(nbytes)
        # O_EXCL: two processes starting together must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(value)
        return value
    return path.read_text().strip()
