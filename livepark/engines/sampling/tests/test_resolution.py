"""Arrow resolution against every cell of the spec's resolved tables (§3.2, §4.2, §5.2).

The resolved tables are parsed from the spec text at test time; the engine computes its answers from the
printed master tables by the arrow rules, so agreement checks the rules and the transcription together.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from livepark.engines.sampling import AQLS, CODE_LETTERS, SEVERITIES, resolve
from livepark.engines.sampling.tables import MASTER_TABLES, AcRe, Arrow

from . import spec_text

# Spec §4.1: the two readings of the disputed cell (tightened, A, AQL 10) as (n, Ac, Re).
GBT_READING = (2, 0, 1)
Z14_READING = (8, 1, 2)


@pytest.mark.parametrize("letter", CODE_LETTERS)
@pytest.mark.parametrize("severity", SEVERITIES)
def test_resolved_row_matches_spec(spec: str, severity: str, letter: str) -> None:
    expected = spec_text.resolved_table(spec, severity)
    mismatches = {}
    for aql in AQLS:
        cell = expected[(letter, aql)]
        got = resolve(severity, letter, aql)
        if cell.footnote:
            # Unresolved in the spec: require the flag and one of the two readings, pin neither.
            ok = got.disputed and (got.sample_size, got.ac, got.re) in (GBT_READING, Z14_READING)
        else:
            ok = not got.disputed and (got.sample_size, got.ac, got.re) == (cell.n, cell.ac, cell.re)
        if not ok:
            mismatches[str(aql)] = (got, cell)
    assert mismatches == {}


def test_resolved_tables_have_every_cell(spec: str) -> None:
    for severity in SEVERITIES:
        cells = spec_text.resolved_table(spec, severity)
        assert set(cells) == {(letter, aql) for letter in CODE_LETTERS for aql in AQLS}


def test_only_the_footnoted_cell_is_disputed(spec: str) -> None:
    disputed = {
        (severity, letter, str(aql))
        for severity in SEVERITIES
        for letter in CODE_LETTERS
        for aql in AQLS
        if resolve(severity, letter, aql).disputed
    }
    footnoted = {
        (severity, letter, str(aql))
        for severity in SEVERITIES
        for (letter, aql), cell in spec_text.resolved_table(spec, severity).items()
        if cell.footnote
    }
    assert disputed == footnoted == {("tightened", "A", "10")}


def test_alternative_reading_of_disputed_cell_resolves_as_spec_says() -> None:
    # With ↓ at A/10 (the Z1.4 reading) the first plan below in Table 2-B's AQL 10 column is D: n = 8, 1/2.
    table = MASTER_TABLES["tightened"]
    column = [(letter, table.cell(letter, Decimal("10"))) for letter in table.letters[1:]]
    first_plan = next((letter, cell) for letter, cell in column if isinstance(cell, AcRe))
    assert (table.sample_sizes[first_plan[0]], first_plan[1].ac, first_plan[1].re) == Z14_READING


@pytest.mark.parametrize(
    ("severity", "letter", "aql", "expected"),
    [
        ("normal", "H", "0.65", ("J", 80, 1, 2)),  # ↓ to a larger sample
        ("normal", "F", "1.0", ("E", 13, 0, 1)),  # ↑ to a smaller sample
        ("normal", "A", "0.010", ("Q", 1250, 0, 1)),  # ↓ through 14 rows
        ("normal", "R", "0.010", ("Q", 1250, 0, 1)),  # ↑ at the bottom-left edge
        ("normal", "R", "1000", ("B", 3, 44, 45)),  # ↑ through 14 rows
        ("normal", "A", "10", ("C", 5, 1, 2)),  # edge: no row above A, so ↓
        ("normal", "J", "2.5", ("J", 80, 5, 6)),  # plain cell
        ("tightened", "Q", "0.025", ("S", 3150, 1, 2)),  # ↓ into row S
        ("tightened", "R", "0.025", ("S", 3150, 1, 2)),
        ("tightened", "R", "0.015", ("Q", 1250, 0, 1)),  # ↑: row S is blank there
        ("tightened", "J", "0.40", ("L", 200, 1, 2)),
        ("reduced", "Q", "0.025", ("N", 200, 0, 1)),  # ↑ where Z1.4 had 0/2
        ("reduced", "B", "6.5", ("A", 2, 0, 1)),  # ↑ between rows of equal n
        ("reduced", "H", "0.65", ("K", 50, 1, 2)),
        ("reduced", "C", "100", ("C", 2, 6, 7)),  # Z1.4's 5/8 becomes 6/7
    ],
)
def test_resolution_examples(severity: str, letter: str, aql: str, expected: tuple) -> None:
    got = resolve(severity, letter, aql)
    assert (got.code_letter, got.sample_size, got.ac, got.re) == expected


def test_resolve_validates_inputs() -> None:
    with pytest.raises(ValueError, match=r"^unknown code letter 'S'; allowed: A, B, C, D, E, F, G, H, J, K"):
        resolve("tightened", "S", "0.025")
    with pytest.raises(ValueError, match=r"^unknown code letter 'I'"):
        resolve("normal", "I", "1.0")
    with pytest.raises(ValueError, match=r"^unknown inspection severity 'strict'"):
        resolve("strict", "A", "1.0")
    assert resolve("normal", "j", "2.5").code_letter == "J"


def test_arrow_cells_resolve_in_their_direction() -> None:
    for severity in SEVERITIES:
        table = MASTER_TABLES[severity]
        for index, letter in enumerate(CODE_LETTERS):
            for aql in AQLS:
                cell = table.cell(letter, aql)
                landing = table.letters.index(resolve(severity, letter, aql).code_letter)
                if cell is Arrow.DOWN:
                    assert landing > index
                elif cell is Arrow.UP:
                    assert landing < index
                else:
                    assert landing == index
