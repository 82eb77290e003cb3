"""The `livepark` console script: Django's management commands plus the engine commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Dispatch `livepark <command> ...`; engine commands run without loading Django."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "qc":
        from livepark.engines.sampling.cli import main as qc_main

        return qc_main(argv[1:])
    if argv and argv[0] == "customs":
        from livepark.engines.customs.cli import main as customs_main

        # Default schema folder: the shared China E-port XSDs beside the checkout, unless LIVEPARK_CEB_XSD says.
        default_xsd = Path(__file__).resolve().parents[1].parent / "shared" / "ceb" / "xsd"
        return customs_main(argv[1:], xsd_dir=str(default_xsd) if default_xsd.is_dir() else None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livepark.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["livepark", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
