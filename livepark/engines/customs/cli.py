"""``customs`` command line: ``validate``, ``check`` (three-document matching) and ``tax``.

    customs validate [--schema-only] [--xsd-dir DIR] FILE.xml…
    customs check [--registry REGISTRY.json] [--verified-platform EBPCODE]… [--tolerance 0.05] FILE.xml…
    customs tax FILE.xml… --rates RATES.csv [--goods GOODS.csv] [--registry REGISTRY.json] [--json]

The project's ``livepark`` console script dispatches ``livepark customs ...`` here with the arguments after
``customs``. Reports are JSON on stdout (``tax`` prints a table unless ``--json``). Exit codes: 0 nothing found,
1 problems or discrepancies found, 2 bad usage or an unusable input (no schema folder, unreadable rate table or
registry). The registry file format is described at `matching.Registry.from_json`; ``tax`` uses only its
``year_totals``. ``tax`` takes each order line's gcode from the CEB621 line of the same gnum (CEB311 lines carry
none), else from ``--goods`` (CSV ``itemNo,gcode``), and the insurance from the CEB621, else the CEB511.

The XSD folder is ``--xsd-dir``, else ``$LIVEPARK_CEB_XSD``, else the ``xsd_dir`` the caller passes to `main`;
the package holds no data paths of its own.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

from .codec import parse
from .errors import CebValidationError
from .matching import (
    DOCUMENTS,
    MatchSettings,
    Registry,
    check_bulk,
    declaration_sets,
    message_discrepancies,
)
from .model import Node, xml_parser
from .tax import MissingRate, RateTableError, TaxEngine, TaxSettings, load_rates
from .validate import schema_errors

__all__ = ["XSD_ENV", "build_parser", "main"]

XSD_ENV = "LIVEPARK_CEB_XSD"
_MATCHED = {f"{code}Message" for code in DOCUMENTS}


class UsageError(Exception):
    """An input the command cannot work with at all (exit 2)."""


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number ≥ 0: {text!r}")
    return value


def _documents(text: str) -> frozenset[str]:
    chosen = frozenset(x.strip().upper() for x in text.split(",") if x.strip())
    if chosen - set(DOCUMENTS):
        raise argparse.ArgumentTypeError(f"choose among {','.join(DOCUMENTS)}")
    return chosen


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for ``customs``."""
    parser = argparse.ArgumentParser(
        prog="customs", description="Cross-border e-commerce customs messages (CEB)."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = commands.add_parser("validate", help="XSD and business-rule validation of single messages")
    v.add_argument("files", nargs="+", type=Path, metavar="FILE.xml")
    v.add_argument("--schema-only", action="store_true", help="only the official XSD")
    v.add_argument("--xsd-dir", type=Path, help=f"the schema folder (default ${XSD_ENV})")
    _tolerance_options(v)

    c = commands.add_parser("check", help="three-document matching of CEB311/411/511/621 files")
    c.add_argument("files", nargs="+", type=Path, metavar="FILE.xml")
    c.add_argument("--registry", type=Path, help="registry JSON: registration, positive list, limits")
    c.add_argument(
        "--verified-platform",
        action="append",
        default=[],
        metavar="EBPCODE",
        help="a platform that verifies buyer identity (buyer need not be the payer); repeatable",
    )
    c.add_argument(
        "--require",
        type=_documents,
        default=frozenset(DOCUMENTS),
        metavar="DOCS",
        help="documents every order must have (default CEB311,CEB411,CEB511,CEB621)",
    )
    _tolerance_options(c)
    _discount_option(c)

    t = commands.add_parser("tax", help="retail-import tax of the orders in CEB311 files, in appTime order")
    t.add_argument(
        "files", nargs="+", type=Path, metavar="FILE.xml", help="CEB311, plus CEB621/CEB511 if any"
    )
    t.add_argument(
        "--rates", type=Path, required=True, help="rate table (.csv or .xlsx: gcode,tariff,vat,consumption)"
    )
    t.add_argument("--goods", type=Path, help="CSV itemNo,gcode for order lines without a CEB621 line")
    t.add_argument("--registry", type=Path, help="registry JSON; its year_totals seed the buyers' years")
    t.add_argument("--json", action="store_true", help="print one JSON object")
    _discount_option(t)
    return parser


def _tolerance_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--tolerance", type=_decimal, default=Decimal(0), help="relative, for the arithmetic (0.05 = 5%%)"
    )
    p.add_argument("--abs-tolerance", type=_decimal, default=Decimal(0), help="in yuan, for the arithmetic")


def _discount_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--coupons-not-deducted",
        action="store_true",
        help="the discount does not reduce the taxable price (default: it does)",
    )


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None, *, xsd_dir: str | Path | None = None) -> int:
    """Run ``customs`` with ``argv`` (starting with the subcommand); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help (0) and bad usage (2); return instead of exiting
        return _exit_code(exc)
    try:
        if args.command == "validate":
            report = _validate(args, xsd_dir)
        elif args.command == "check":
            report = _check(args)
        else:
            report = _tax(args)
    except UsageError as exc:
        print(f"customs {args.command}: error: {exc}", file=sys.stderr)
        return 2
    if args.command != "tax" or args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(_tax_text(report))
    return 0 if report["ok"] else 1


# ---- reading files ---------------------------------------------------------------------------------------


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _problems(exc: CebValidationError) -> list[dict[str, str]]:
    return [{"path": p.path, "rule": p.rule, "message": p.message} for p in exc.problems]


def _settings(args: argparse.Namespace, **extra: Any) -> MatchSettings:
    return MatchSettings(tolerance=args.tolerance, abs_tolerance=args.abs_tolerance, **extra)


def _parse_files(paths: Sequence[Path], allowed: set[str]) -> tuple[list[Node], list[dict[str, Any]]]:
    messages: list[Node] = []
    files: list[dict[str, Any]] = []
    for path in paths:
        entry: dict[str, Any] = {"file": str(path), "message": None, "problems": []}
        try:
            msg = parse(_read(path))
        except CebValidationError as exc:
            entry["problems"] = _problems(exc)
        else:
            entry["message"] = msg.spec.name
            if msg.spec.name in allowed:
                messages.append(msg)
            else:
                entry["problems"] = [
                    {
                        "path": msg.spec.name,
                        "rule": "message",
                        "message": f"not one of {', '.join(sorted(allowed))}",
                    }
                ]
        files.append(entry)
    return messages, files


# ---- validate --------------------------------------------------------------------------------------------


def _validate(args: argparse.Namespace, default_xsd: str | Path | None) -> dict[str, Any]:
    folder = args.xsd_dir or os.environ.get(XSD_ENV) or default_xsd
    if not folder:
        raise UsageError(f"no schema folder: pass --xsd-dir or set {XSD_ENV}")
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"schema folder {folder} does not exist")
    settings = _settings(args)
    files: list[dict[str, Any]] = []
    for path in args.files:
        xml = _read(path)
        try:
            errors = schema_errors(xml, folder)
        except OSError as exc:
            raise UsageError(f"cannot read the schemas in {folder}: {exc}") from None
        entry: dict[str, Any] = {"file": str(path), "message": _root_name(xml), "schema_errors": errors}
        if not args.schema_only:
            entry["problems"], entry["discrepancies"] = [], []
            try:
                msg = parse(xml)
            except CebValidationError as exc:
                entry["problems"] = _problems(exc)
            else:
                entry["message"] = msg.spec.name
                entry["discrepancies"] = [d.as_json() for d in message_discrepancies(msg, settings)]
        entry["ok"] = not (errors or entry.get("problems") or entry.get("discrepancies"))
        files.append(entry)
    return {"command": "validate", "ok": all(f["ok"] for f in files), "files": files}


def _root_name(xml: bytes) -> str | None:
    try:
        return etree.QName(etree.fromstring(xml, xml_parser())).localname
    except etree.XMLSyntaxError:
        return None


# ---- check -----------------------------------------------------------------------------------------------


def _load_registry(path: Path | None) -> Registry | None:
    if path is None:
        return None
    try:
        return Registry.load(path)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, json.JSONDecodeError) as exc:
        raise UsageError(f"bad registry {path}: {exc}") from None


def _check(args: argparse.Namespace) -> dict[str, Any]:
    registry = _load_registry(args.registry)
    settings = _settings(
        args,
        platform_verifies_identity=frozenset(args.verified_platform),
        required_documents=args.require,
        discount_reduces_price=not args.coupons_not_deducted,
    )
    messages, files = _parse_files(args.files, _MATCHED)
    sets = declaration_sets(messages)
    found = check_bulk(sets, settings, registry)
    unreadable = any(f["problems"] for f in files)
    return {
        "command": "check",
        "ok": not found and not unreadable,
        "files": files,
        "sets": len(sets),
        "registry": registry is not None,
        "summary": dict(Counter(d.rule for d in found)),
        "discrepancies": [d.as_json() for d in found],
    }


# ---- tax -------------------------------------------------------------------------------------------------


def _load_goods(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if rows and not {"itemNo", "gcode"} <= set(rows[0]):
        raise UsageError(f"{path}: the goods map needs the columns itemNo,gcode")
    return {r["itemNo"].strip(): r["gcode"].strip() for r in rows if r.get("itemNo") and r.get("gcode")}


def _tax(args: argparse.Namespace) -> dict[str, Any]:
    try:
        rates = load_rates(args.rates)
    except OSError as exc:
        raise UsageError(f"cannot read {args.rates}: {exc.strerror or exc}") from None
    except RateTableError as exc:
        raise UsageError(str(exc)) from None
    goods = _load_goods(args.goods)
    registry = _load_registry(args.registry)
    settings = TaxSettings(discount_reduces_price=not args.coupons_not_deducted)
    engine = TaxEngine(rates, settings, dict(registry.year_totals) if registry else {})

    messages, files = _parse_files(args.files, {"CEB311Message", "CEB511Message", "CEB621Message"})
    problems: list[dict[str, Any]] = [
        {"order_no": None, "file": f["file"], "message": p["message"], "path": p["path"]}
        for f in files
        for p in f["problems"]
    ]
    sets = [s for s in declaration_sets(messages) if s.order is not None]
    if not sets and not problems:
        problems.append({"order_no": None, "message": "no CEB311 order in the files"})
    # appTime order (stable: files and positions break ties), so each buyer's year builds up as it happened.
    sets.sort(key=lambda s: s.order.appTime)  # type: ignore[union-attr]
    orders: list[dict[str, Any]] = []
    for s in sets:
        if s.context.order_copies > 1:
            problems.append(
                {"order_no": s.order_no, "message": f"order given {s.context.order_copies} times; taxed once"}
            )
        try:
            assessed = engine.assess(s.tax_order(goods))
        except MissingRate as exc:
            problems.append({"order_no": s.order_no, "message": str(exc)})
        except ValueError as exc:
            problems.append({"order_no": s.order_no, "message": str(exc)})
        else:
            orders.append(assessed.as_json())
    totals = {
        name: format(sum((Decimal(o[name]) for o in orders), Decimal("0.00")), "f")
        for name in ("taxable_price", "customs_tax", "consumption_tax", "vat", "tax_total")
    }
    return {
        "command": "tax",
        "ok": not problems,
        "orders": orders,
        "totals": totals,
        "problems": problems,
    }


def _tax_text(report: dict[str, Any]) -> str:
    columns = ("order_no", "mode", "taxable_price", "customs_tax", "consumption_tax", "vat", "tax_total")
    rows = [columns, *[tuple(str(o[c]) for c in columns) for o in report["orders"]]]
    rows.append(("total", "", *(report["totals"][c] for c in columns[2:])))
    widths = [max(len(r[i]) for r in rows) for i in range(len(columns))]
    lines = [
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    lines += [f"problem: {p.get('order_no') or p.get('file')}: {p['message']}" for p in report["problems"]]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
