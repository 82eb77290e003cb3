"""Table 1: code letter for every inspection level at every lot-size boundary (spec §2)."""

from __future__ import annotations

import re

import pytest

from livepark.engines.sampling import LEVELS, code_letter

from . import spec_text


def test_every_boundary_of_every_level_matches_spec(spec: str) -> None:
    rows = spec_text.table_1(spec)
    assert len(rows) == 15
    checked = 0
    for row in rows:
        sizes = [row.low, row.high] if row.high is not None else [row.low, row.low + 1, 10**12]
        for level in LEVELS:
            for size in sizes:
                assert (size, level, code_letter(size, level)) == (size, level, row.letters[level])
                checked += 1
    assert checked == 14 * 2 * 7 + 3 * 7


def test_table_1_rows_tile_all_lot_sizes(spec: str) -> None:
    rows = spec_text.table_1(spec)
    assert rows[0].low == 2
    assert [row.low for row in rows[1:]] == [row.high + 1 for row in rows[:-1] if row.high is not None]
    assert rows[-1].high is None


@pytest.mark.parametrize(
    ("lot_size", "level", "letter"),
    [
        (2, "II", "A"),
        (8, "II", "A"),
        (9, "II", "B"),
        (15, "II", "B"),
        (16, "II", "C"),
        (280, "II", "G"),
        (281, "II", "H"),
        (1200, "II", "J"),
        (1201, "II", "K"),
        (500_000, "II", "P"),
        (500_001, "II", "Q"),
        (2, "III", "B"),
        (500_001, "III", "R"),
        (50, "S-1", "A"),
        (51, "S-1", "B"),
        (35_001, "S-1", "D"),
        (3_200, "S-4", "G"),
        (50_000, "I", "L"),
        (100_000, "S-2", "E"),
    ],
)
def test_code_letter_spot_values(lot_size: int, level: str, letter: str) -> None:
    assert code_letter(lot_size, level) == letter


def test_level_defaults_to_ii_and_is_case_insensitive() -> None:
    assert code_letter(1000) == "J"
    assert code_letter(1000, "s-4") == "F"
    assert code_letter(1000, " iii ") == "K"


@pytest.mark.parametrize("lot_size", [1, 0, -5])
def test_lot_size_below_two_is_refused(lot_size: int) -> None:
    message = f"lot size must be at least 2 (Table 1 starts at 2–8): got {lot_size}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        code_letter(lot_size, "II")


@pytest.mark.parametrize("lot_size", [2.0, "10", True, None])
def test_lot_size_must_be_an_integer(lot_size: object) -> None:
    with pytest.raises(TypeError, match=r"^lot size must be an integer"):
        code_letter(lot_size, "II")  # type: ignore[arg-type]


@pytest.mark.parametrize("level", ["IV", "S-5", "", "general", 2])
def test_unknown_level_is_refused(level: object) -> None:
    message = f"unknown inspection level {level!r}; allowed: S-1, S-2, S-3, S-4, I, II, III"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        code_letter(100, level)  # type: ignore[arg-type]
