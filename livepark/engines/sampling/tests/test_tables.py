"""The printed master tables and Table 1 in tables.py against the spec text (§2, §3.1, §4.1, §5.1)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from livepark.engines.sampling.tables import (
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
)

from . import spec_text


def _printed(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Arrow):
        return cell.value
    return str(cell)


def _disputed_keys(severity: str) -> set[tuple[str, Decimal]]:
    return {(d.code_letter, d.aql) for d in DISPUTED_CELLS if d.severity == severity}


@pytest.mark.parametrize("severity", SEVERITIES)
def test_master_table_transcription_matches_spec(spec: str, severity: str) -> None:
    sizes, printed = spec_text.master_table(spec, severity)
    table = MASTER_TABLES[severity]
    assert dict(table.sample_sizes) == sizes
    assert list(table.letters) == list(sizes)
    assert set(table.cells) == set(printed)
    mismatches = {
        key: (_printed(table.cells[key]), cell.text)
        for key, cell in printed.items()
        if key not in _disputed_keys(severity) and _printed(table.cells[key]) != cell.text
    }
    assert mismatches == {}


def test_disputed_cells_are_exactly_the_spec_footnotes(spec: str) -> None:
    footnoted = {
        (severity, *key)
        for severity in SEVERITIES
        for key, cell in spec_text.master_table(spec, severity)[1].items()
        if cell.footnote
    }
    assert {(d.severity, d.code_letter, d.aql) for d in DISPUTED_CELLS} == footnoted
    assert footnoted == {("tightened", "A", Decimal("10"))}


def test_disputed_cell_holds_one_of_the_two_readings(spec: str) -> None:
    # Spec §4.1: do not pin either reading; only require that the table holds one of them.
    (dispute,) = DISPUTED_CELLS
    printed = spec_text.master_table(spec, "tightened")[1][("A", Decimal("10"))].text
    held = MASTER_TABLES["tightened"].cell("A", Decimal("10"))
    assert {_printed(held), _printed(dispute.alternative)} == {printed, "↓"}


def test_letter_sample_sizes_match_spec_table(spec: str) -> None:
    expected = spec_text.letter_sample_sizes(spec)
    assert {sev: dict(table.sample_sizes) for sev, table in MASTER_TABLES.items()} == expected


def test_reduced_sample_sizes_differ_from_normal() -> None:
    # Spec §2: reduced K is n = 50 while normal K is n = 125; a shared map would be wrong.
    assert MASTER_TABLES["reduced"].sample_sizes["K"] == 50
    assert MASTER_TABLES["normal"].sample_sizes["K"] == 125


def test_table_1_matches_spec(spec: str) -> None:
    expected = [(row.low, row.high, row.letters) for row in spec_text.table_1(spec)]
    assert [(row.low, row.high, dict(row.letters)) for row in TABLE_1] == expected
    assert list(spec_text.table_1(spec)[0].letters) == list(LEVELS)


def test_aql_columns_match_spec_headers(spec: str) -> None:
    for severity in SEVERITIES:
        tables = spec_text.tables_in(spec_text.section_lines(spec, spec_text.MASTER_SECTIONS[severity]))
        labels = [label for table in tables for label in table.header[2:]]
        assert labels == [str(aql) for aql in AQLS]


@pytest.mark.parametrize("severity", SEVERITIES)
def test_every_printed_plan_has_re_equal_ac_plus_1(severity: str) -> None:
    plans = [cell for cell in MASTER_TABLES[severity].cells.values() if isinstance(cell, AcRe)]
    assert plans
    assert [cell for cell in plans if cell.re != cell.ac + 1] == []


def _compact_normal(i: int, j: int) -> str:
    """Spec §3.3, with its edge cells."""
    aql = AQLS[j]
    if i == 0 and aql == Decimal("10"):
        return "↓"
    if i == 15 and j in (0, 1):
        return "↑"
    k = i + j
    series = ["1/2", "2/3", "3/4", "5/6", "7/8", "10/11", "14/15", "21/22"]
    if k <= 13:
        return "↓"
    if k == 14:
        return "0/1"
    if k == 15:
        return "↑"
    if k == 16:
        return "↓"
    if 17 <= k <= 24:
        return series[k - 17]
    if k == 25 and aql >= Decimal("150"):
        return "30/31"
    if k == 26 and aql >= Decimal("250"):
        return "44/45"
    return "↑"


def _compact_tightened(i: int, j: int) -> str:
    """Spec §4.3, with its edge cells."""
    aql = AQLS[j]
    if i == 15 and j == 1:
        return "↑"
    k = i + j
    series = ["1/2", "2/3", "3/4", "5/6", "8/9", "12/13", "18/19"]
    if k <= 14:
        return "↓"
    if k == 15:
        return "0/1"
    if k in (16, 17):
        return "↓"
    if 18 <= k <= 24:
        return series[k - 18]
    if k == 25 and aql >= Decimal("150"):
        return "27/28"
    if k == 26 and aql >= Decimal("250"):
        return "41/42"
    return "↑"


@pytest.mark.parametrize(
    ("severity", "rule"), [("normal", _compact_normal), ("tightened", _compact_tightened)]
)
def test_compact_rule_reproduces_master_table(severity: str, rule) -> None:
    table = MASTER_TABLES[severity]
    mismatches = {
        (letter, str(aql)): (_printed(table.cell(letter, aql)), rule(i, j))
        for i, letter in enumerate(CODE_LETTERS)
        for j, aql in enumerate(AQLS)
        if (letter, aql) not in _disputed_keys(severity) and _printed(table.cell(letter, aql)) != rule(i, j)
    }
    assert mismatches == {}


def test_tightened_row_s_has_a_plan_only_under_0_025() -> None:
    table = MASTER_TABLES["tightened"]
    assert table.letters[-1] == "S"
    assert table.sample_sizes["S"] == 3150
    assert {str(aql): table.cell("S", aql) for aql in AQLS if table.cell("S", aql) is not None} == {
        "0.025": AcRe(1, 2)
    }


@pytest.mark.parametrize("severity", SEVERITIES)
def test_no_arrow_passes_an_opposite_arrow_before_its_plan(severity: str) -> None:
    # "First plan in the arrow's direction" and "follow the chain of arrows" then give the same answer.
    table = MASTER_TABLES[severity]
    crossings = []
    for aql in AQLS:
        for index, letter in enumerate(CODE_LETTERS):
            cell = table.cell(letter, aql)
            if not isinstance(cell, Arrow):
                continue
            step = 1 if cell is Arrow.DOWN else -1
            probe = index + step
            while not isinstance(table.cell(table.letters[probe], aql), AcRe):
                if table.cell(table.letters[probe], aql) not in (cell, None):
                    crossings.append((letter, str(aql)))
                probe += step
    assert crossings == []
