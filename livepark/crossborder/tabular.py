"""Reading the operator's and the platforms' files (csv or xlsx) by header, and the row report of a refused file.

The loaders of the positive list, bonded stock entries and platform order exports read a file through
`read_table` (the first xlsx sheet via `core.xlsx_import.read_rows`, or a UTF-8/GB18030 CSV) and answer with a
`FileReport`: every bad row with its fields and rules; a file with any bad row changes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from livepark.core.xlsx_import import MAX_ROWS, cell, read_rows


@dataclass
class FileReport:
    """What a file load did, or why it was refused (all or nothing)."""

    kind: str
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # {"row": n, "fields": {...}}
    file_error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the whole file was accepted."""
        return not self.errors and not self.file_error

    def add(self, row: int, name: str, message: str) -> None:
        """Note that field `name` of spreadsheet row `row` broke a rule."""
        for e in self.errors:
            if e["row"] == row:
                e["fields"].setdefault(name, []).append(message)
                return
        self.errors.append({"row": row, "fields": {name: [message]}})

    @property
    def detail(self) -> str:
        """One line saying why nothing was loaded."""
        if self.file_error:
            return self.file_error
        return f"{len(self.errors)} 行有误，未导入任何数据 / {len(self.errors)} bad rows, nothing imported"

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly report."""
        return {
            "kind": self.kind,
            "ok": self.ok,
            "rows": self.rows,
            "created": self.created,
            "unchanged": self.unchanged,
            "file_error": self.file_error,
            "errors": sorted(self.errors, key=lambda e: e["row"]),
            **self.extra,
        }


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("encoding")


def read_table(
    columns: list[tuple[str, str]], required: set[str], data: bytes, filename: str
) -> tuple[list[tuple[int, dict[str, str]]], str]:
    """Rows of a csv or xlsx file as (spreadsheet row number, {field: text}); returns (rows, file error).

    `columns` are (Chinese header, field name); either may head a column. The header is row 1.
    """
    if not data:
        return [], "文件为空 / the file is empty"
    if data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm")):
        rows, error = read_rows(columns, required, data)
        return [(n, row) for n, row in enumerate(rows, start=2)], error
    try:
        text = _decode(data)
    except ValueError:
        return [], "CSV 应为 UTF-8 或 GB18030 编码 / CSV must be UTF-8 or GB18030"
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    by_header = {h: f for h, f in columns} | {f: f for _, f in columns}
    fields = [by_header.get(h) for h in header]
    missing = required - set(fields)
    if missing:
        names = [h for h, f in columns if f in missing]
        return [], f"缺少列 / missing columns: {', '.join(names)}"
    out = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        out.append((number, {f: cell(v) for f, v in zip(fields, values, strict=False) if f}))
        if len(out) > MAX_ROWS:
            return [], f"超过 {MAX_ROWS} 行 / more than {MAX_ROWS} rows"
    return out, ""
