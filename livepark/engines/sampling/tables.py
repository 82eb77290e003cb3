"""GB/T 2828.1-2012 (= ISO 2859-1:1999) single-sampling tables, transcribed as printed.

Source: the QC sampling reference, ``shared/specs/qc-sampling.md`` §2 (Table 1), §3.1 (Table 2-A),
§4.1 (Table 2-B) and §5.1 (Table 2-C).

Nothing here is resolved. Master-table cells keep their arrows exactly as the standard prints them, and
:mod:`livepark.engines.sampling.plans` follows the arrows. Keeping the printed form means every row can be
checked by eye against the standard page, and the tests can check the arrow rules against the spec's
separately published resolved tables instead of against a copy of them.

The text blocks below are parsed once at import; the parser is strict (wrong column count, unknown token,
inconsistent n) so a transcription slip fails loudly instead of producing a wrong plan.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

__all__ = [
    "AQLS",
    "CODE_LETTERS",
    "DISPUTED_CELLS",
    "LEVELS",
    "MASTER_TABLES",
    "SEVERITIES",
    "TABLE_1",
    "AcRe",
    "Arrow",
    "Cell",
    "DisputedCell",
    "LotSizeRange",
    "MasterTable",
]

SEVERITIES: tuple[str, ...] = ("normal", "tightened", "reduced")
"""Inspection severities; each has its own master table (2-A, 2-B, 2-C)."""

LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
"""Inspection levels, in Table 1's column order (special S-1…S-4, then general I, II, III)."""

CODE_LETTERS: tuple[str, ...] = tuple("ABCDEFGHJKLMNPQR")
"""Sample size code letters Table 1 can give. The standard skips I and O; Table 2-B adds a row S."""

# fmt: off
AQLS: tuple[Decimal, ...] = tuple(Decimal(label) for label in (
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65", "1.0", "1.5", "2.5",
    "4.0", "6.5", "10", "15", "25", "40", "65", "100", "150", "250", "400", "650", "1000",
))
# fmt: on
"""The 26 AQL columns, smallest (tightest) first, written as printed (``str(aql)`` gives the label)."""


class Arrow(enum.Enum):
    """An arrow cell: use the first plan below (DOWN) or above (UP) in the same AQL column."""

    DOWN = "↓"
    UP = "↑"


@dataclass(frozen=True)
class AcRe:
    """A printed plan cell: acceptance number Ac and rejection number Re."""

    ac: int
    re: int

    def __str__(self) -> str:
        return f"{self.ac}/{self.re}"


Cell = AcRe | Arrow | None
"""A master-table cell. ``None`` is a blank cell, which occurs only in row S of Table 2-B."""


@dataclass(frozen=True)
class LotSizeRange:
    """One row of Table 1: lots of ``low``…``high`` items (``high`` None = "and over")."""

    low: int
    high: int | None
    letters: Mapping[str, str]


@dataclass(frozen=True)
class MasterTable:
    """One printed master table (2-A, 2-B or 2-C): rows top to bottom, with each row's own n."""

    severity: str
    name: str
    letters: tuple[str, ...]
    sample_sizes: Mapping[str, int]
    cells: Mapping[tuple[str, Decimal], Cell]

    def cell(self, code_letter: str, aql: Decimal) -> Cell:
        """The cell as printed (an :class:`AcRe`, an :class:`Arrow`, or None for blank)."""
        return self.cells[(code_letter, aql)]


@dataclass(frozen=True)
class DisputedCell:
    """A printed cell on which the sources disagree (spec §4.1).

    The master table holds the reading the engine uses; ``alternative`` is the other source's reading.
    Plans whose resolution would change under the alternative are flagged ``disputed``.
    """

    severity: str
    code_letter: str
    aql: Decimal
    alternative: Cell
    note: str


# Table 1 (spec §2). Columns: lowest lot size, highest lot size ("-" = and over), then one code letter per
# inspection level in LEVELS order.
_TABLE_1 = """
low     high    S-1 S-2 S-3 S-4  I  II III
2       8       A   A   A   A    A  A  B
9       15      A   A   A   A    A  B  C
16      25      A   A   B   B    B  C  D
26      50      A   B   B   C    C  D  E
51      90      B   B   C   C    C  E  F
91      150     B   B   C   D    D  F  G
151     280     B   C   D   E    E  G  H
281     500     B   C   D   E    F  H  J
501     1200    C   C   E   F    G  J  K
1201    3200    C   D   E   G    H  K  L
3201    10000   C   D   F   G    J  L  M
10001   35000   C   D   F   H    K  M  N
35001   150000  D   E   G   J    L  N  P
150001  500000  D   E   G   J    M  P  Q
500001  -       D   E   H   K    N  Q  R
"""

# Master tables as printed (spec §3.1, §4.1, §5.1), each in the standard's two halves of 13 AQL columns.
# Row = code letter and that letter's own sample size n; cells are Ac/Re, ↓, ↑, or "." for blank.
# Table 2-C's n column is the *reduced* sample size of the letter (e.g. K is 50, not 125).

_NORMAL_LOW = """
Code    n 0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5
A       2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
B       3     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
C       5     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1
D       8     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑
E      13     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓
F      20     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2
G      32     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3
H      50     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4
J      80     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6
K     125     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8
L     200     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11
M     315     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15
N     500     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22
P     800     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑
Q    1250   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑
R    2000     ↑     ↑   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑
"""
_NORMAL_HIGH = """
Code    n   4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
A       2     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
B       3   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45
C       5     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑
D       8     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑     ↑
E      13   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑     ↑     ↑
F      20   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑
G      32   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑
H      50   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
J      80   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
K     125 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
L     200 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
M     315 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
N     500     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
P     800     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
Q    1250     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
R    2000     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
"""

_TIGHTENED_LOW = """
Code    n 0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5
A       2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
B       3     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
C       5     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
D       8     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1
E      13     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓
F      20     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓
G      32     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2
H      50     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3
J      80     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4
K     125     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6
L     200     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9
M     315     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13
N     500     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19
P     800     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑
Q    1250     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑
R    2000   0/1     ↑     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑
S    3150     .     .   1/2     .     .     .     .     .     .     .     .     .     .
"""
# Row A at AQL 10 (0/1) is disputed between the sources: see _DISPUTED / DISPUTED_CELLS below.
_TIGHTENED_HIGH = """
Code    n   4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
A       2     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28
B       3     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42
C       5   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ↑
D       8     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ↑     ↑
E      13     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ↑     ↑     ↑
F      20   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑
G      32   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑
H      50   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
J      80   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
K     125   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
L     200 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
M     315 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
N     500     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
P     800     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
Q    1250     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
R    2000     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
S    3150     .     .     .     .     .     .     .     .     .     .     .     .     .
"""

_REDUCED_LOW = """
Code    n 0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5
A       2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
B       2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
C       2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1
D       3     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑
E       5     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓
F       8     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓     ↓
G      13     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓     ↓   1/2
H      20     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓     ↓   1/2   2/3
J      32     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓     ↓   1/2   2/3   3/4
K      50     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓     ↓   1/2   2/3   3/4   5/6
L      80     ↓     ↓     ↓     ↓   0/1     ↑     ↓     ↓   1/2   2/3   3/4   5/6   6/7
M     125     ↓     ↓     ↓   0/1     ↑     ↓     ↓   1/2   2/3   3/4   5/6   6/7   8/9
N     200     ↓     ↓   0/1     ↑     ↓     ↓   1/2   2/3   3/4   5/6   6/7   8/9 10/11
P     315     ↓   0/1     ↑     ↓     ↓   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ↑
Q     500   0/1     ↑     ↑     ↓   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ↑     ↑
R     800     ↑     ↑     ↑   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ↑     ↑     ↑
"""
_REDUCED_HIGH = """
Code    n   4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
A       2     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
B       2   0/1     ↑     ↓     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
C       2     ↑     ↓     ↓   1/2   2/3   3/4   5/6   6/7   8/9 10/11 14/15 21/22     ↑
D       3     ↓     ↓   1/2   2/3   3/4   5/6   6/7   8/9 10/11 14/15 21/22     ↑     ↑
E       5     ↓   1/2   2/3   3/4   5/6   6/7   8/9 10/11 14/15 21/22     ↑     ↑     ↑
F       8   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ↑     ↑     ↑     ↑     ↑     ↑
G      13   2/3   3/4   5/6   6/7   8/9 10/11     ↑     ↑     ↑     ↑     ↑     ↑     ↑
H      20   3/4   5/6   6/7   8/9 10/11     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
J      32   5/6   6/7   8/9 10/11     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
K      50   6/7   8/9 10/11     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
L      80   8/9 10/11     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
M     125 10/11     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
N     200     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
P     315     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
Q     500     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
R     800     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
"""

# Spec §4.1 footnote 1: the GB/T 2828.1-2012 transcription prints 0/1 (n = 2) here, and that is what the
# Table 2-B block above holds; the AQLSchemes (MIL-STD-105E/Z1.4) encoding has ↓ (resolving to n = 8, 1/2).
# Until someone checks the printed GB/T 2828.1 / IS 2500-1 page, plans that depend on this cell are flagged.
_DISPUTED = (
    ("tightened", "A", "10", Arrow.DOWN, "spec §4.1: GB/T transcription 0/1 (n = 2) vs Z1.4 encoding ↓"),
)

_TOKEN = re.compile(r"^(\d+)/(\d+)$")
_TABLE_NAMES = {"normal": "2-A", "tightened": "2-B", "reduced": "2-C"}


def _parse_cell(token: str) -> Cell:
    if token == ".":
        return None
    for arrow in Arrow:
        if token == arrow.value:
            return arrow
    match = _TOKEN.match(token)
    if match is None:
        raise ValueError(f"unparseable master-table cell {token!r}")
    return AcRe(int(match.group(1)), int(match.group(2)))


def _parse_table_1(text: str) -> tuple[LotSizeRange, ...]:
    lines = text.strip().splitlines()
    header = lines[0].split()
    if tuple(header[2:]) != LEVELS:
        raise ValueError(f"Table 1 header {header!r} does not list the levels {LEVELS!r}")
    rows: list[LotSizeRange] = []
    expected_low = 2  # Table 1's first row is 2–8: a "lot" of one item is not sampled.
    for line in lines[1:]:
        low_s, high_s, *letters = line.split()
        low, high = int(low_s), (None if high_s == "-" else int(high_s))
        # Ranges must tile the integers with no gap or overlap, so every lot size maps to exactly one row.
        if low != expected_low or len(letters) != len(LEVELS) or (high is not None and high < low):
            raise ValueError(f"Table 1 row {line!r} is malformed or not contiguous")
        if any(letter not in CODE_LETTERS for letter in letters):
            raise ValueError(f"Table 1 row {line!r} has an unknown code letter")
        rows.append(LotSizeRange(low, high, MappingProxyType(dict(zip(LEVELS, letters, strict=True)))))
        if high is None:
            break
        expected_low = high + 1
    if rows[-1].high is not None or len(rows) != len(lines) - 1:
        raise ValueError("Table 1 must end with one open-ended ('and over') row")
    return tuple(rows)


def _parse_master(severity: str, halves: tuple[str, ...]) -> MasterTable:
    letters: list[str] = []
    sample_sizes: dict[str, int] = {}
    cells: dict[tuple[str, Decimal], Cell] = {}
    seen_aqls: list[Decimal] = []
    for half in halves:
        lines = half.strip().splitlines()
        header = lines[0].split()
        aqls = [Decimal(label) for label in header[2:]]
        seen_aqls.extend(aqls)
        row_letters = []
        for line in lines[1:]:
            letter, n_s, *tokens = line.split()
            if len(tokens) != len(aqls):
                raise ValueError(f"Table {_TABLE_NAMES[severity]} row {line!r}: expected {len(aqls)} cells")
            n = int(n_s)
            # Each half repeats the row's n; a mismatch means a transcription slip.
            if sample_sizes.setdefault(letter, n) != n:
                raise ValueError(f"Table {_TABLE_NAMES[severity]} row {letter}: n differs between halves")
            row_letters.append(letter)
            for aql, token in zip(aqls, tokens, strict=True):
                cell = _parse_cell(token)
                if isinstance(cell, AcRe) and cell.re != cell.ac + 1:
                    # Spec §1 step 5: in GB/T 2828.1-2012 every single-sampling plan has Re = Ac + 1.
                    raise ValueError(f"Table {_TABLE_NAMES[severity]} {letter}/{aql}: Re must be Ac + 1")
                cells[(letter, aql)] = cell
        if letters and row_letters != letters:
            raise ValueError(f"Table {_TABLE_NAMES[severity]}: the two halves list different rows")
        letters = row_letters
    if tuple(seen_aqls) != AQLS or [str(a) for a in seen_aqls] != [str(a) for a in AQLS]:
        raise ValueError(f"Table {_TABLE_NAMES[severity]}: AQL columns differ from {AQLS!r}")
    if tuple(letters[: len(CODE_LETTERS)]) != CODE_LETTERS:
        raise ValueError(f"Table {_TABLE_NAMES[severity]}: rows must start with A…R in order")
    return MasterTable(
        severity=severity,
        name=_TABLE_NAMES[severity],
        letters=tuple(letters),
        sample_sizes=MappingProxyType(sample_sizes),
        cells=MappingProxyType(cells),
    )


TABLE_1: tuple[LotSizeRange, ...] = _parse_table_1(_TABLE_1)
"""Table 1 rows, smallest lots first."""

MASTER_TABLES: Mapping[str, MasterTable] = MappingProxyType(
    {
        "normal": _parse_master("normal", (_NORMAL_LOW, _NORMAL_HIGH)),
        "tightened": _parse_master("tightened", (_TIGHTENED_LOW, _TIGHTENED_HIGH)),
        "reduced": _parse_master("reduced", (_REDUCED_LOW, _REDUCED_HIGH)),
    }
)
"""Printed master tables keyed by severity (arrows not resolved)."""

DISPUTED_CELLS: tuple[DisputedCell, ...] = tuple(
    DisputedCell(severity, letter, Decimal(aql), alternative, note)
    for severity, letter, aql, alternative, note in _DISPUTED
)
"""Cells whose printed value the sources dispute; the master tables hold the reading in use."""
