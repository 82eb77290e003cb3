"""Choosing a single-sampling plan and judging a lot (spec qc-sampling.md §1).

Procedure: Table 1 gives a code letter from the lot size and inspection level; the master table for the
current severity gives Ac/Re at that letter and AQL, following ↓/↑ arrows to the first plan in the same
AQL column and taking *that* row's sample size (and letter); if the sample would be at least the lot, the
whole lot is inspected.
"""

from __future__ import annotations

import enum
import functools
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .tables import (
    AQLS,
    CODE_LETTERS,
    DISPUTED_CELLS,
    LEVELS,
    MASTER_TABLES,
    SEVERITIES,
    TABLE_1,
    AcRe,
    Arrow,
    Cell,
    MasterTable,
)

__all__ = [
    "AQLLike",
    "ResolvedCell",
    "SamplingPlan",
    "Verdict",
    "code_letter",
    "parse_aql",
    "parse_level",
    "parse_lot_size",
    "parse_severity",
    "plan",
    "resolve",
    "verdict",
]

AQLLike = str | Decimal | int
"""An AQL as a column label ("1.0", "0.65", "10"), a Decimal, or an int. Never a float."""

_AQL_LABELS = ", ".join(str(aql) for aql in AQLS)

DISPUTED_CAVEAT = (
    "Table 2-B cell A / AQL 10 (tightened) is unresolved (spec §4.1): the GB/T 2828.1 transcription gives "
    "n = 2, Ac 0, Re 1, the MIL-STD-105E/Z1.4 encoding gives n = 8, Ac 1, Re 2. "
    "Check the printed standard before relying on this plan."
)
REDUCED_CAVEAT = (
    "Table 2-C (reduced) comes from a single source (spec §9, medium confidence); check it against the "
    "printed standard before using reduced inspection in production."
)


def parse_aql(aql: AQLLike) -> Decimal:
    """Return the canonical AQL column value (as printed, e.g. ``Decimal("1.0")``) for ``aql``.

    Accepts column labels as strings ("1.0", "1", "0.65"), Decimals and ints; equal values name the same
    column. Floats are refused because binary floats cannot hold values such as 0.65 exactly.

    Raises:
        TypeError: ``aql`` is a float, bool or another non-numeric type.
        ValueError: ``aql`` is not one of the 26 AQL columns; the message names the value and lists them.
    """
    if isinstance(aql, bool | float) or not isinstance(aql, str | Decimal | int):
        raise TypeError(f"AQL must be a str, Decimal or int (not {type(aql).__name__}): got {aql!r}")
    try:
        value = Decimal(aql.strip()) if isinstance(aql, str) else Decimal(aql)
    except InvalidOperation:
        value = None
    # is_finite() first: NaN never equals a column and a signalling NaN cannot even be compared.
    if value is not None and value.is_finite():
        for column in AQLS:
            if column == value:
                return column
    raise ValueError(f"unknown AQL {aql!s}; allowed values: {_AQL_LABELS}")


def parse_level(level: str) -> str:
    """Return the canonical inspection level ("S-1"…"S-4", "I", "II", "III"); case-insensitive.

    Raises:
        ValueError: ``level`` is not one of the seven levels of Table 1.
    """
    canonical = level.strip().upper() if isinstance(level, str) else None
    if canonical not in LEVELS:
        raise ValueError(f"unknown inspection level {level!r}; allowed: {', '.join(LEVELS)}")
    return canonical


def parse_severity(severity: str) -> str:
    """Return the canonical severity ("normal", "tightened" or "reduced"); case-insensitive.

    Raises:
        ValueError: ``severity`` is not one of the three severities.
    """
    canonical = severity.strip().lower() if isinstance(severity, str) else None
    if canonical not in SEVERITIES:
        raise ValueError(f"unknown inspection severity {severity!r}; allowed: {', '.join(SEVERITIES)}")
    return canonical


def parse_lot_size(lot_size: int) -> int:
    """Return ``lot_size`` as an int after checking it is a whole number of at least 2 (Table 1 starts at 2).

    Raises:
        TypeError: ``lot_size`` is not an integer (floats and bools are refused).
        ValueError: ``lot_size`` is below 2.
    """
    if isinstance(lot_size, bool):
        raise TypeError(f"lot size must be an integer, not bool: got {lot_size!r}")
    try:
        value = operator.index(lot_size)
    except TypeError:
        raise TypeError(f"lot size must be an integer: got {lot_size!r}") from None
    if value < TABLE_1[0].low:
        raise ValueError(f"lot size must be at least {TABLE_1[0].low} (Table 1 starts at 2–8): got {value}")
    return value


def code_letter(lot_size: int, level: str = "II") -> str:
    """Table 1: the sample size code letter for a lot of ``lot_size`` items at inspection ``level``.

    This is the letter *before* any arrow is followed; :func:`plan` reports both.
    Level II is the standard's default.
    """
    size = parse_lot_size(lot_size)
    canonical_level = parse_level(level)
    for row in TABLE_1:
        if row.high is None or size <= row.high:
            return row.letters[canonical_level]
    raise AssertionError("unreachable: Table 1 ends with an open-ended row")


@dataclass(frozen=True)
class ResolvedCell:
    """A master-table cell after the arrow rules: the plan's own letter, n, Ac and Re."""

    code_letter: str
    sample_size: int
    ac: int
    re: int
    disputed: bool = False
    """True when the result would differ under the other reading of a disputed cell (spec §4.1)."""


def _landing_letter(
    table: MasterTable, cells: Mapping[tuple[str, Decimal], Cell], letter: str, aql: Decimal
) -> str:
    """Row holding the plan for (letter, aql): the cell itself, or the first plan along its arrow."""
    cell = cells[(letter, aql)]
    if isinstance(cell, AcRe):
        return letter
    if cell is None:
        raise LookupError(f"Table {table.name} cell {letter}/{aql} is blank")
    # Spec §1 step 3: "go down (up) the same AQL column to the first cell that holds a plan". Blank cells
    # (row S of 2-B) and further arrows are passed over; the tests check no opposite arrow is ever crossed.
    step = 1 if cell is Arrow.DOWN else -1
    index = table.letters.index(letter) + step
    while 0 <= index < len(table.letters):
        candidate = table.letters[index]
        if isinstance(cells[(candidate, aql)], AcRe):
            return candidate
        index += step
    raise LookupError(f"Table {table.name} cell {letter}/{aql}: arrow {cell.value} leads off the table")


@functools.cache
def _resolve(severity: str, letter: str, aql: Decimal) -> ResolvedCell:
    table = MASTER_TABLES[severity]
    cells = table.cells
    landing = _landing_letter(table, cells, letter, aql)
    found = cells[(landing, aql)]
    assert isinstance(found, AcRe)
    disputed = False
    for dispute in DISPUTED_CELLS:
        if dispute.severity != severity or dispute.aql != aql:
            continue
        # Re-resolve with the other source's reading; if anything changes, this plan rests on the dispute.
        alternative = dict(cells)
        alternative[(dispute.code_letter, dispute.aql)] = dispute.alternative
        other_landing = _landing_letter(table, alternative, letter, aql)
        if other_landing != landing or alternative[(other_landing, aql)] != found:
            disputed = True
    return ResolvedCell(
        code_letter=landing,
        sample_size=table.sample_sizes[landing],
        ac=found.ac,
        re=found.re,
        disputed=disputed,
    )


def resolve(severity: str, code_letter: str, aql: AQLLike) -> ResolvedCell:
    """Follow the arrow rules of spec §1 step 3 from the master-table cell (``code_letter``, ``aql``).

    ``code_letter`` is a Table 1 letter (A…R). The result carries the letter and sample size n of the row
    where the plan was found, which differ from the input when an arrow was followed.
    """
    canonical_letter = code_letter.strip().upper() if isinstance(code_letter, str) else None
    if canonical_letter not in CODE_LETTERS:
        raise ValueError(f"unknown code letter {code_letter!r}; allowed: {', '.join(CODE_LETTERS)}")
    return _resolve(parse_severity(severity), canonical_letter, parse_aql(aql))


@dataclass(frozen=True)
class SamplingPlan:
    """A single-sampling plan for one lot.

    ``sample_size`` is the number of items to inspect: the table's n, or the whole lot (N) when n ≥ N
    (spec §1 step 4), in which case ``whole_lot`` is True. ``table_sample_size`` keeps the table's n.
    ``table_code_letter`` is Table 1's letter; ``code_letter`` is the letter of the row actually used.
    """

    lot_size: int
    level: str
    aql: Decimal
    severity: str
    table_code_letter: str
    code_letter: str
    table_sample_size: int
    sample_size: int
    ac: int
    re: int
    whole_lot: bool
    disputed: bool = False

    @property
    def caveats(self) -> tuple[str, ...]:
        """Human-readable warnings about the confidence of this plan (spec §4.1, §9); empty if none."""
        notes: list[str] = []
        if self.disputed:
            notes.append(DISPUTED_CAVEAT)
        if self.severity == "reduced":
            notes.append(REDUCED_CAVEAT)
        return tuple(notes)


def plan(lot_size: int, level: str, aql: AQLLike, severity: str = "normal") -> SamplingPlan:
    """Choose the single-sampling plan for a lot (spec §1).

    Args:
        lot_size: number of items N in the lot (at least 2).
        level: inspection level, "S-1"…"S-4", "I", "II" (the standard's default) or "III".
        aql: an AQL column, e.g. "1.0", "0.65" or ``Decimal("2.5")``.
        severity: "normal", "tightened" or "reduced" — the current switching state; it selects the table.

    Raises:
        ValueError: an input is outside the standard's tables (the message says which and what is allowed).
        TypeError: ``lot_size`` or ``aql`` has the wrong type (e.g. a float).
    """
    size = parse_lot_size(lot_size)
    canonical_level = parse_level(level)
    column = parse_aql(aql)
    canonical_severity = parse_severity(severity)
    letter = code_letter(size, canonical_level)
    cell = _resolve(canonical_severity, letter, column)
    whole_lot = cell.sample_size >= size
    return SamplingPlan(
        lot_size=size,
        level=canonical_level,
        aql=column,
        severity=canonical_severity,
        table_code_letter=letter,
        code_letter=cell.code_letter,
        table_sample_size=cell.sample_size,
        sample_size=size if whole_lot else cell.sample_size,
        ac=cell.ac,
        re=cell.re,
        whole_lot=whole_lot,
        disputed=cell.disputed,
    )


class Verdict(enum.StrEnum):
    """Outcome of inspecting a lot."""

    ACCEPT = "accept"
    REJECT = "reject"


def verdict(plan: SamplingPlan, defects: int) -> Verdict:
    """Accept if d ≤ Ac, reject if d ≥ Re (spec §1 step 5).

    ``defects`` is the count d of nonconforming items or nonconformities found in the sample. It may exceed
    the sample size when the AQL is in nonconformities per 100 units, so it is not capped.

    Raises:
        TypeError: ``defects`` is not an integer.
        ValueError: ``defects`` is negative.
    """
    if isinstance(defects, bool):
        raise TypeError(f"defect count must be an integer, not bool: got {defects!r}")
    try:
        count = operator.index(defects)
    except TypeError:
        raise TypeError(f"defect count must be an integer: got {defects!r}") from None
    if count < 0:
        raise ValueError(f"defect count must not be negative: got {count}")
    if count <= plan.ac:
        return Verdict.ACCEPT
    if count >= plan.re:
        return Verdict.REJECT
    # Unreachable with GB/T 2828.1 tables (Re = Ac + 1 everywhere); guard against a hand-built plan.
    raise ValueError(f"plan {plan.ac}/{plan.re} has a gap between Ac and Re; GB/T 2828.1 plans have none")
