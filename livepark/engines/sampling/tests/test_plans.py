"""plan(), the whole-lot rule, AQL parsing and verdict() (spec §1, §8)."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

import pytest

from livepark.engines.sampling import (
    AQLS,
    SamplingPlan,
    Verdict,
    parse_aql,
    parse_severity,
    plan,
    verdict,
)
from livepark.engines.sampling.plans import DISPUTED_CAVEAT, REDUCED_CAVEAT

from . import spec_text

_AQL_LIST = (
    "0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5, 10, 15, 25, "
    "40, 65, 100, 150, 250, 400, 650, 1000"
)

# Spec §8, transcribed here as well as parsed below so a parser slip cannot silently test nothing.
# (severity, N, level, AQL, Table 1 letter, plan letter, n, Ac, Re)
WORKED_EXAMPLES = [
    ("normal", 1000, "II", "2.5", "J", "J", 80, 5, 6),
    ("normal", 2400, "II", "2.5", "K", "K", 125, 7, 8),
    ("normal", 4000, "II", "1.0", "L", "L", 200, 5, 6),
    ("normal", 1000, "II", "4.0", "J", "J", 80, 7, 8),
    ("normal", 400, "II", "0.65", "H", "J", 80, 1, 2),
    ("normal", 150, "II", "1.0", "F", "E", 13, 0, 1),
    ("normal", 8, "II", "0.65", "A", "F", 20, 0, 1),
    ("normal", 10, "II", "10", "B", "C", 5, 1, 2),
    ("normal", 50000, "I", "1.5", "L", "L", 200, 7, 8),
    ("normal", 3000, "S-4", "4.0", "G", "G", 32, 3, 4),
    ("normal", 100000, "S-2", "6.5", "E", "E", 13, 2, 3),
    ("normal", 600000, "III", "0.010", "R", "Q", 1250, 0, 1),
    ("normal", 2000000, "II", "0.015", "Q", "P", 800, 0, 1),
    ("normal", 20000, "II", "0.025", "M", "N", 500, 0, 1),
    ("normal", 500, "II", "40", "H", "G", 32, 21, 22),
    ("normal", 30, "II", "250", "D", "D", 8, 30, 31),
    ("tightened", 1000, "II", "2.5", "J", "J", 80, 3, 4),
    ("tightened", 1000, "II", "0.40", "J", "L", 200, 1, 2),
    ("tightened", 2000000, "II", "0.025", "Q", "S", 3150, 1, 2),
    ("reduced", 1000, "II", "2.5", "J", "J", 32, 3, 4),
    ("reduced", 3000, "II", "1.0", "K", "K", 50, 2, 3),
    ("reduced", 400, "II", "0.65", "H", "K", 50, 1, 2),
]


@pytest.mark.parametrize(
    ("severity", "lot_size", "level", "aql", "table_letter", "plan_letter", "n", "ac", "re_"), WORKED_EXAMPLES
)
def test_worked_example(
    severity: str,
    lot_size: int,
    level: str,
    aql: str,
    table_letter: str,
    plan_letter: str,
    n: int,
    ac: int,
    re_: int,
) -> None:
    p = plan(lot_size, level, aql, severity)
    assert (p.table_code_letter, p.code_letter, p.table_sample_size, p.ac, p.re) == (
        table_letter,
        plan_letter,
        n,
        ac,
        re_,
    )
    assert p.whole_lot is (n >= lot_size)
    assert p.sample_size == (lot_size if n >= lot_size else n)


def test_worked_examples_parsed_from_spec_match_the_engine(spec: str) -> None:
    examples = spec_text.worked_examples(spec)
    parsed = [
        (e.severity, e.lot_size, e.level, e.aql, e.table_letter, e.plan_letter, e.n, e.ac, e.re)
        for e in examples
    ]
    assert parsed == WORKED_EXAMPLES
    for e in examples:
        p = plan(e.lot_size, e.level, e.aql, e.severity)
        assert (p.table_code_letter, p.code_letter, p.table_sample_size, p.ac, p.re) == (
            e.table_letter,
            e.plan_letter,
            e.n,
            e.ac,
            e.re,
        )


def test_example_7_inspects_the_whole_lot() -> None:
    p = plan(8, "II", "0.65")
    assert p == SamplingPlan(
        lot_size=8,
        level="II",
        aql=Decimal("0.65"),
        severity="normal",
        table_code_letter="A",
        code_letter="F",
        table_sample_size=20,
        sample_size=8,
        ac=0,
        re=1,
        whole_lot=True,
        disputed=False,
    )


def test_whole_lot_boundary() -> None:
    exact = plan(8, "II", "1.5")  # A → ↓ → D, n = 8 = N
    assert (exact.table_sample_size, exact.sample_size, exact.whole_lot) == (8, 8, True)
    below = plan(9, "II", "1.5")  # B → ↓ → D, n = 8 < N = 9
    assert (below.table_sample_size, below.sample_size, below.whole_lot) == (8, 8, False)


def test_plan_normalises_inputs() -> None:
    p = plan(1000, " ii ", Decimal("2.50"), "Normal")
    assert (p.level, p.aql, str(p.aql), p.severity) == ("II", Decimal("2.5"), "2.5", "normal")


@pytest.mark.parametrize(
    ("given", "label"),
    [
        ("1.0", "1.0"),
        ("1", "1.0"),
        (" 1.00 ", "1.0"),
        (Decimal("1"), "1.0"),
        (1, "1.0"),
        ("0.65", "0.65"),
        (".65", "0.65"),
        ("0.01", "0.010"),
        ("10", "10"),
        ("10.0", "10"),
        (Decimal("1E+3"), "1000"),
        ("1000", "1000"),
    ],
)
def test_parse_aql_accepts_equal_values(given: object, label: str) -> None:
    parsed = parse_aql(given)  # type: ignore[arg-type]
    assert str(parsed) == label
    assert parsed in AQLS


@pytest.mark.parametrize("given", ["0.3", "0.0", "2000", "-1.0", "abc", "", "NaN", "sNaN", "Infinity", "1,0"])
def test_parse_aql_refuses_unknown_values_naming_value_and_allowed_set(given: str) -> None:
    message = f"unknown AQL {given}; allowed values: {_AQL_LIST}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_aql(given)


@pytest.mark.parametrize("given", [1.0, 0.65, True, None, [1]])
def test_parse_aql_refuses_floats_and_other_types(given: object) -> None:
    with pytest.raises(TypeError, match=r"^AQL must be a str, Decimal or int"):
        parse_aql(given)  # type: ignore[arg-type]


def test_plan_rejects_unknown_aql_and_severity() -> None:
    with pytest.raises(ValueError, match=r"^unknown AQL 0\.3; allowed values: 0\.010, "):
        plan(1000, "II", "0.3")
    with pytest.raises(
        ValueError, match=r"^unknown inspection severity 'strict'; allowed: normal, tightened, reduced$"
    ):
        plan(1000, "II", "1.0", "strict")
    assert parse_severity(" TIGHTENED ") == "tightened"


def test_verdict_accepts_up_to_ac_and_rejects_from_re() -> None:
    p = plan(1000, "II", "2.5")  # 80: 5/6
    assert [verdict(p, d) for d in (0, 5, 6, 80)] == [
        Verdict.ACCEPT,
        Verdict.ACCEPT,
        Verdict.REJECT,
        Verdict.REJECT,
    ]
    assert verdict(p, 5) == "accept"
    assert verdict(p, 6) == "reject"


def test_verdict_allows_more_nonconformities_than_sample_items() -> None:
    p = plan(30, "II", "250")  # per-100-units AQL: 8: 30/31, so d may exceed n
    assert (p.sample_size, p.ac) == (8, 30)
    assert verdict(p, 30) is Verdict.ACCEPT
    assert verdict(p, 31) is Verdict.REJECT


def test_verdict_validates_defect_count() -> None:
    p = plan(1000, "II", "2.5")
    with pytest.raises(ValueError, match=r"^defect count must not be negative: got -1$"):
        verdict(p, -1)
    for bad in (1.0, "1", True):
        with pytest.raises(TypeError, match=r"^defect count must be an integer"):
            verdict(p, bad)  # type: ignore[arg-type]


def test_verdict_refuses_a_plan_with_a_gap() -> None:
    gap = dataclasses.replace(plan(1000, "II", "2.5"), ac=1, re=3)
    with pytest.raises(ValueError, match=r"^plan 1/3 has a gap between Ac and Re"):
        verdict(gap, 2)


def test_plan_is_frozen() -> None:
    p = plan(1000, "II", "2.5")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.ac = 6  # type: ignore[misc]


def test_severity_changes_only_the_table() -> None:
    plans = {severity: plan(1000, "II", "2.5", severity) for severity in ("normal", "tightened", "reduced")}
    assert {(p.level, p.aql, p.table_code_letter) for p in plans.values()} == {("II", Decimal("2.5"), "J")}
    assert [(p.table_sample_size, p.ac, p.re) for p in plans.values()] == [(80, 5, 6), (80, 3, 4), (32, 3, 4)]


def test_caveats() -> None:
    assert plan(1000, "II", "2.5").caveats == ()
    assert plan(1000, "II", "2.5", "tightened").caveats == ()
    assert plan(1000, "II", "2.5", "reduced").caveats == (REDUCED_CAVEAT,)
    disputed = plan(5, "II", "10", "tightened")
    assert disputed.disputed is True
    assert disputed.caveats == (DISPUTED_CAVEAT,)
    # Not pinned (spec §4.1): one of the two readings, GB/T's 2: 0/1 or Z1.4's 8: 1/2.
    assert (disputed.table_sample_size, disputed.ac, disputed.re) in ((2, 0, 1), (8, 1, 2))
    # Lots 9+ at AQL 10 are letter B or later, which the dispute does not reach.
    assert plan(9, "II", "10", "tightened").disputed is False
    assert plan(8, "II", "10", "normal").disputed is False
