"""Hypothesis property tests over the whole input space."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from livepark.engines.sampling import (
    AQLS,
    CODE_LETTERS,
    LEVELS,
    SEVERITIES,
    LotResult,
    SwitchingState,
    Verdict,
    code_letter,
    next_state,
    plan,
    resolve,
    verdict,
)
from livepark.engines.sampling.tables import MASTER_TABLES, AcRe

severities = st.sampled_from(SEVERITIES)
letters = st.sampled_from(CODE_LETTERS)
aqls = st.sampled_from(AQLS)
levels = st.sampled_from(LEVELS)
lot_sizes = st.integers(min_value=2, max_value=10**8)


@given(severities, letters, aqls)
def test_resolved_plan_is_a_printed_plan_with_re_ac_plus_1(severity: str, letter: str, aql) -> None:
    got = resolve(severity, letter, aql)
    table = MASTER_TABLES[severity]
    # Never an arrow: the landing cell holds exactly this plan, and n is that row's own n.
    assert table.cell(got.code_letter, aql) == AcRe(got.ac, got.re)
    assert got.sample_size == table.sample_sizes[got.code_letter]
    assert got.re == got.ac + 1


@given(lot_sizes, levels, aqls, severities)
def test_plan_follows_table_1_and_the_whole_lot_rule(lot_size: int, level: str, aql, severity: str) -> None:
    p = plan(lot_size, level, aql, severity)
    assert p.table_code_letter == code_letter(lot_size, level)
    resolved = resolve(severity, p.table_code_letter, aql)
    assert (p.code_letter, p.table_sample_size, p.ac, p.re) == (
        resolved.code_letter,
        resolved.sample_size,
        resolved.ac,
        resolved.re,
    )
    assert p.whole_lot is (p.table_sample_size >= lot_size)
    assert p.sample_size == min(p.table_sample_size, lot_size)
    assert 1 <= p.sample_size <= lot_size


@given(lot_sizes, lot_sizes, levels)
def test_code_letter_never_decreases_with_lot_size(a: int, b: int, level: str) -> None:
    small, large = sorted((a, b))
    assert CODE_LETTERS.index(code_letter(small, level)) <= CODE_LETTERS.index(code_letter(large, level))


@given(lot_sizes)
def test_code_letter_never_decreases_from_s1_to_iii(lot_size: int) -> None:
    indexes = [CODE_LETTERS.index(code_letter(lot_size, level)) for level in LEVELS]
    assert indexes == sorted(indexes)


@given(lot_sizes, lot_sizes, levels, aqls, severities)
def test_larger_lots_never_get_smaller_samples_or_acceptance_numbers(
    a: int, b: int, level: str, aql, severity: str
) -> None:
    small, large = (plan(size, level, aql, severity) for size in sorted((a, b)))
    assert small.table_sample_size <= large.table_sample_size
    assert small.ac <= large.ac


@given(severities, letters, aqls, aqls)
def test_looser_aql_never_lowers_the_acceptance_number(severity: str, letter: str, x, y) -> None:
    tight, loose = sorted((x, y))
    assert resolve(severity, letter, tight).ac <= resolve(severity, letter, loose).ac


@given(letters, aqls)
def test_reduced_never_samples_more_than_normal(letter: str, aql) -> None:
    assert resolve("reduced", letter, aql).sample_size <= resolve("normal", letter, aql).sample_size


@given(lot_sizes, levels, aqls, severities, st.integers(min_value=0, max_value=10**6))
def test_verdict_is_accept_exactly_when_d_at_most_ac(lot_size, level, aql, severity, defects) -> None:
    p = plan(lot_size, level, aql, severity)
    assert verdict(p, defects) is (Verdict.ACCEPT if defects <= p.ac else Verdict.REJECT)


lot_outcomes = st.lists(st.tuples(st.booleans(), st.booleans()), max_size=80)


@given(lot_outcomes)
def test_switching_invariants_hold_for_any_lot_sequence(outcomes: list[tuple[bool, bool]]) -> None:
    """Random accept/reject sequences on an Ac = 0 plan; flags for reduced inspection always granted."""
    state = SwitchingState()
    trailing_accepted_on_normal = 0
    for accepted, resubmitted in outcomes:
        if state.discontinued:
            break
        p = plan(1000, "II", "0.10", state.severity)  # Ac = 0 in all three tables
        assert p.ac == 0
        before = state
        state = next_state(
            state, LotResult(p, 0 if accepted else 1, resubmitted), authority_approves_reduced=True
        )
        if resubmitted:
            assert state == before
            continue
        if state.severity == "normal" and before.severity == "normal":
            trailing_accepted_on_normal = trailing_accepted_on_normal + 1 if accepted else 0
        elif state.severity == "normal":
            trailing_accepted_on_normal = 0
        if state.severity == "normal":
            assert state.normal_results.count(False) <= 1
            assert len(state.normal_results) <= 5
            # Ac = 0: +2 per accepted lot, reset on a non-acceptance; reduced is entered at 30.
            assert state.switching_score == 2 * trailing_accepted_on_normal < 30
        if state.severity == "tightened":
            assert state.tightened_consecutive_accepted <= 4
            assert state.discontinued is (state.tightened_not_accepted == 5)
        if state.severity != "normal":
            assert state.switching_score == 0
            assert state.normal_results == ()
