"""All-or-nothing xlsx imports: read the first sheet by header, run every row through a service, report every bad
row, and write nothing unless every row is good. Each app declares its columns and how a row becomes a service
call (see `registry.imports`, `catalog.imports`).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from openpyxl import load_workbook

from livepark.core import audit
from livepark.core.errors import ServiceError

MAX_ROWS = 20_000


@dataclass
class RowError:
    row: int  # spreadsheet row number (the header is row 1)
    fields: dict[str, list[str]]


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        """True when the whole file was imported."""
        return not self.errors and not self.file_error

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly report."""
        return {
            "kind": self.kind,
            "ok": self.ok,
            "rows": self.rows,
            "created": self.created,
            "file_error": self.file_error,
            "errors": [{"row": e.row, "fields": e.fields} for e in self.errors],
        }


def to_code(choices, value: str) -> str:
    """A cell holding a choice code (`mcn`) or its Chinese label (`MCN 机构`) -> the code."""
    value = value.strip()
    if value in choices.values:
        return value
    for code, label in choices.choices:
        if value == str(label) or value.replace(" ", "") == str(label).replace(" ", ""):
            return code
    return value  # left as is: the service names the rule it breaks


def cell(value) -> str:
    """A cell as stripped text (whole floats as integers)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(
    columns: list[tuple[str, str]], required: set[str], data: bytes
) -> tuple[list[dict[str, str]], str]:
    """Parse the first sheet into dicts keyed by field name; returns (rows, file error)."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        return [], f"不是有效的 xlsx 文件 / not a valid xlsx file ({type(exc).__name__})"
    sheet = wb.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [cell(h) for h in next(rows, ())]
    by_header = {h: f for h, f in columns} | {f: f for _, f in columns}
    fields = [by_header.get(h) for h in header]
    missing = required - set(fields)
    if missing:
        names = [h for h, f in columns if f in missing]
        return [], f"缺少列 / missing columns: {', '.join(names)}"
    out = []
    for values in rows:
        if values is None or all(v in (None, "") for v in values):
            continue
        out.append({f: cell(v) for f, v in zip(fields, values, strict=False) if f})
        if len(out) > MAX_ROWS:
            return [], f"超过 {MAX_ROWS} 行 / more than {MAX_ROWS} rows"
    return out, ""


def import_rows(
    kind: str,
    columns: list[tuple[str, str]],
    required: set[str],
    data: bytes,
    create: Callable[[dict[str, str]], Any],
) -> ImportReport:
    """Read `data` and call `create(row)` for every row inside one transaction; roll all back on any refusal."""
    report = ImportReport(kind=kind)
    rows, report.file_error = read_rows(columns, required, data)
    if report.file_error:
        return report
    report.rows = len(rows)
    with audit.channel("import"), transaction.atomic():
        for number, row in enumerate(rows, start=2):
            try:
                with transaction.atomic():
                    create(row)
                report.created += 1
            except ServiceError as exc:
                report.errors.append(RowError(number, exc.fields or {"__all__": [exc.detail]}))
        if report.errors:
            report.created = 0
            transaction.set_rollback(True)
    return report
