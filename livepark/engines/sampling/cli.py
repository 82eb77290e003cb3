"""``qc`` command line: ``qc plan --lot-size N --level II --aql 1.0 [--inspection normal] [--json]``.

The project's ``livepark`` console script dispatches ``livepark qc ...`` here, passing the arguments after
``qc``. Imports nothing from Django so it stays cheap and usable outside the web app.
"""

from __future__ import annotations

import argparse
import json
import sys

from .plans import SamplingPlan, plan
from .tables import LEVELS, SEVERITIES

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for ``qc``; ``prog`` is "qc" so messages read as the user typed them."""
    parser = argparse.ArgumentParser(
        prog="qc", description="GB/T 2828.1-2012 (ISO 2859-1) single-sampling acceptance plans."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plan_parser = commands.add_parser(
        "plan",
        help="choose the sampling plan for a lot",
        description="Print the code letter, sample size n, Ac and Re for a lot.",
    )
    plan_parser.add_argument("--lot-size", required=True, type=int, metavar="N", help="lot size N (>= 2)")
    plan_parser.add_argument(
        "--level", default="II", metavar="LEVEL", help=f"inspection level: {', '.join(LEVELS)} (default II)"
    )
    plan_parser.add_argument("--aql", required=True, help='AQL column, e.g. "1.0" or "0.65"')
    plan_parser.add_argument(
        "--inspection",
        default="normal",
        metavar="SEVERITY",
        help=f"inspection severity: {', '.join(SEVERITIES)} (default normal)",
    )
    plan_parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _as_json(p: SamplingPlan) -> str:
    payload = {
        "code_letter": p.code_letter,
        "sample_size": p.sample_size,
        "ac": p.ac,
        "re": p.re,
        "inspection": p.severity,
        "level": p.level,
        # A string keeps the Decimal exact and printed as in the tables ("0.010", "1.0").
        "aql": str(p.aql),
        "lot_size": p.lot_size,
        "whole_lot": p.whole_lot,
        "table_code_letter": p.table_code_letter,
        "table_sample_size": p.table_sample_size,
        "caveats": list(p.caveats),
    }
    return json.dumps(payload, ensure_ascii=False)


def _as_text(p: SamplingPlan) -> str:
    letter = p.code_letter
    if p.code_letter != p.table_code_letter:
        letter += f" (Table 1 gives {p.table_code_letter}; arrow followed)"
    size = str(p.sample_size)
    if p.whole_lot:
        size += f" (inspect the whole lot: table n = {p.table_sample_size} >= N)"
    rows = [
        ("lot size N", str(p.lot_size)),
        ("inspection level", p.level),
        ("AQL", str(p.aql)),
        ("inspection", p.severity),
        ("code letter", letter),
        ("sample size n", size),
        ("Ac", str(p.ac)),
        ("Re", str(p.re)),
    ]
    return "\n".join(f"{label:<17}{value}" for label, value in rows)


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Run ``qc`` with ``argv`` (the arguments after the program name); return the exit code.

    Exit codes: 0 on success, 2 on bad usage or input outside the standard's tables.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help (0) and bad usage (2); return instead of exiting.
        return _exit_code(exc)
    try:
        chosen = plan(args.lot_size, args.level, args.aql, args.inspection)
    except (TypeError, ValueError) as exc:
        print(f"qc {args.command}: error: {exc}", file=sys.stderr)
        return 2
    print(_as_json(chosen) if args.json else _as_text(chosen))
    for caveat in chosen.caveats:
        print(f"warning: {caveat}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
