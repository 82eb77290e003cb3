"""Read the tables out of the QC sampling spec (``shared/specs/qc-sampling.md``) at test time.

The tests compare the engine with the spec's own text, not with a copy kept beside the tests, so an edit
to either side that breaks agreement fails the suite. The parser is strict: unexpected shapes raise.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

SPEC_RELATIVE_PATH = Path("specs") / "qc-sampling.md"
FOOTNOTE = "¹"


def shared_dir() -> Path:
    """``$LIVEPARK_SHARED`` if set, else the ``shared`` directory beside the repository checkout."""
    override = os.environ.get("LIVEPARK_SHARED")
    if override:
        return Path(override)
    return Path(__file__).parents[4] / ".." / "shared"


def spec_path() -> Path:
    return shared_dir() / SPEC_RELATIVE_PATH


Row = list[str]


def _split_row(line: str) -> Row:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def section_lines(text: str, heading_prefix: str) -> list[str]:
    """Lines after the heading starting with ``heading_prefix``, up to the next heading or rule."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(heading_prefix)]
    if len(starts) != 1:
        raise ValueError(f"expected one heading starting {heading_prefix!r}, found {len(starts)}")
    body: list[str] = []
    for line in lines[starts[0] + 1 :]:
        if line.startswith("#") or line.strip() == "---":
            break
        body.append(line)
    return body


@dataclass
class MarkdownTable:
    preceding_text: str
    header: Row
    rows: list[Row]


def tables_in(lines: list[str]) -> list[MarkdownTable]:
    """Markdown pipe tables in ``lines``, each with the text of the paragraph before it."""
    tables: list[MarkdownTable] = []
    current: list[Row] | None = None
    paragraph: list[str] = []
    last_paragraph = ""
    for line in lines:
        if line.startswith("|"):
            if paragraph:
                last_paragraph, paragraph = " ".join(paragraph), []
            if current is None:
                current = []
                tables.append(MarkdownTable(last_paragraph, _split_row(line), current))
            elif not re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line.strip()):
                current.append(_split_row(line))
        elif line.strip():
            current = None
            paragraph.append(line.strip())
        else:
            current = None
            if paragraph:
                last_paragraph, paragraph = " ".join(paragraph), []
    return tables


def parse_int(text: str) -> int:
    """An integer written with thousands spaces, e.g. "2 000 000"."""
    return int(re.sub(r"\s", "", text))


def read_spec() -> str:
    return spec_path().read_text(encoding="utf-8")


# --- Table 1 -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table1Row:
    low: int
    high: int | None
    letters: dict[str, str]


def table_1(text: str) -> list[Table1Row]:
    tables = tables_in(section_lines(text, "## 2. Table 1"))
    lot_table = next(t for t in tables if t.header[0] == "Lot or batch size")
    levels = lot_table.header[1:]
    rows = []
    for row in lot_table.rows:
        size = row[0]
        if size.endswith("and over"):
            low, high = parse_int(size.removesuffix("and over")), None
        else:
            low_s, high_s = size.split("–")
            low, high = parse_int(low_s), parse_int(high_s)
        rows.append(Table1Row(low, high, dict(zip(levels, row[1:], strict=True))))
    return rows


def letter_sample_sizes(text: str) -> dict[str, dict[str, int]]:
    """Severity → {code letter → n} from the "sample size for each code letter" table of §2."""
    tables = tables_in(section_lines(text, "## 2. Table 1"))
    sizes_table = next(t for t in tables if t.header[0] == "Code")
    letters = sizes_table.header[1:]
    severity_of = {"Normal (2-A)": "normal", "Tightened (2-B)": "tightened", "Reduced (2-C)": "reduced"}
    result: dict[str, dict[str, int]] = {}
    for row in sizes_table.rows:
        result[severity_of[row[0]]] = {
            letter: int(n) for letter, n in zip(letters, row[1:], strict=True) if n != "–"
        }
    return result


# --- Master and resolved tables ----------------------------------------------------------------------

MASTER_SECTIONS = {"normal": "### 3.1", "tightened": "### 4.1", "reduced": "### 5.1"}
RESOLVED_SECTIONS = {"normal": "### 3.2", "tightened": "### 4.2", "reduced": "### 5.2"}


@dataclass(frozen=True)
class PrintedCell:
    text: str  # "↓", "↑", "" (blank) or "Ac/Re"
    footnote: bool


def master_table(text: str, severity: str) -> tuple[dict[str, int], dict[tuple[str, Decimal], PrintedCell]]:
    """Row n by letter, and every printed cell by (letter, AQL), from the spec's master table."""
    sizes: dict[str, int] = {}
    cells: dict[tuple[str, Decimal], PrintedCell] = {}
    tables = tables_in(section_lines(text, MASTER_SECTIONS[severity]))
    if len(tables) != 2:
        raise ValueError(f"expected two halves of the {severity} master table, found {len(tables)}")
    for table in tables:
        if table.header[:2] != ["Code", "n"]:
            raise ValueError(f"unexpected master-table header {table.header!r}")
        aqls = [Decimal(label) for label in table.header[2:]]
        for row in table.rows:
            letter, n = row[0], int(row[1])
            sizes[letter] = n
            for aql, raw in zip(aqls, row[2:], strict=True):
                cells[(letter, aql)] = PrintedCell(raw.replace(FOOTNOTE, "").strip(), FOOTNOTE in raw)
    return sizes, cells


@dataclass(frozen=True)
class ResolvedSpecCell:
    n: int
    ac: int
    re: int
    footnote: bool


_RESOLVED = re.compile(r"^(\d+): (\d+)/(\d+)( ¹)?$")


def resolved_table(text: str, severity: str) -> dict[tuple[str, Decimal], ResolvedSpecCell]:
    """Every ``n: Ac/Re`` cell of the spec's resolved table, by (Table 1 letter, AQL)."""
    cells: dict[tuple[str, Decimal], ResolvedSpecCell] = {}
    tables = tables_in(section_lines(text, RESOLVED_SECTIONS[severity]))
    if len(tables) != 2:
        raise ValueError(f"expected two halves of the {severity} resolved table, found {len(tables)}")
    for table in tables:
        if table.header[0] != "Code":
            raise ValueError(f"unexpected resolved-table header {table.header!r}")
        aqls = [Decimal(label) for label in table.header[1:]]
        for row in table.rows:
            for aql, raw in zip(aqls, row[1:], strict=True):
                match = _RESOLVED.match(raw)
                if match is None:
                    raise ValueError(f"unparseable resolved cell {raw!r} at {row[0]}/{aql}")
                n, ac, re_, footnote = match.groups()
                cells[(row[0], aql)] = ResolvedSpecCell(int(n), int(ac), int(re_), footnote is not None)
    return cells


# --- Worked examples (§8) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkedExample:
    severity: str
    lot_size: int
    level: str
    aql: str
    table_letter: str
    plan_letter: str
    n: int
    ac: int
    re: int
    note: str


def worked_examples(text: str) -> list[WorkedExample]:
    examples: list[WorkedExample] = []
    for table in tables_in(section_lines(text, "## 8. Worked examples")):
        if table.header[0] == "#":
            severity = "normal"
            rows = [row[1:] for row in table.rows]
        elif table.header[0] == "Lot size N":
            if table.preceding_text.startswith("Tightened"):
                severity = "tightened"
            elif table.preceding_text.startswith("Reduced"):
                severity = "reduced"
            else:
                raise ValueError(f"cannot tell the severity of the table after {table.preceding_text!r}")
            rows = [[*row, ""] for row in table.rows]
        else:
            continue
        for lot, level, aql, letter, plan_letter, n, ac, re_, note in rows:
            examples.append(
                WorkedExample(
                    severity, parse_int(lot), level, aql, letter, plan_letter, int(n), int(ac), int(re_), note
                )
            )
    return examples


def switching_score_example(text: str) -> list[tuple[int, int]]:
    """(d, score after the lot) pairs of the §8 switching-score example."""
    for table in tables_in(section_lines(text, "## 8. Worked examples")):
        if table.header[0] == "d per lot":
            return [(int(row[0].split()[0]), int(row[1])) for row in table.rows]
    raise ValueError("switching-score example table not found")
