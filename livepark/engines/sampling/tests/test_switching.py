"""Switching rules of spec §6: every transition, the non-transitions next to it, and discontinuation."""

from __future__ import annotations

import pytest

from livepark.engines.sampling import (
    AQLS,
    CODE_LETTERS,
    LotResult,
    SwitchingState,
    next_state,
    plan,
    resolve,
    resume_after_discontinuation,
    switching_score_after,
    tighter_acceptance_number,
)
from livepark.engines.sampling.tables import MASTER_TABLES, AcRe

from . import spec_text

# N = 1000, level II, AQL 2.5 → code letter J: normal 80 5/6, tightened 80 3/4, reduced 32 3/4.
PLANS = {severity: plan(1000, "II", "2.5", severity) for severity in ("normal", "tightened", "reduced")}
ACCEPT, REJECT = 0, 10


def run(state: SwitchingState, defects: list[int], **flags: bool) -> SwitchingState:
    for d in defects:
        state = next_state(state, LotResult(PLANS[state.severity], d), **flags)
    return state


def tightened() -> SwitchingState:
    return run(SwitchingState(), [REJECT, REJECT])


def reduced() -> SwitchingState:
    state = SwitchingState(severity="normal", switching_score=27)
    return run(state, [ACCEPT], authority_approves_reduced=True)


def test_inspection_starts_on_normal_with_zero_score() -> None:
    assert SwitchingState() == SwitchingState(
        severity="normal",
        discontinued=False,
        switching_score=0,
        normal_results=(),
        tightened_consecutive_accepted=0,
        tightened_not_accepted=0,
    )


# --- normal → tightened -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "defects",
    [
        [REJECT, REJECT],
        [REJECT, ACCEPT, REJECT],
        [REJECT, ACCEPT, ACCEPT, ACCEPT, REJECT],
        [ACCEPT, ACCEPT, ACCEPT, ACCEPT, ACCEPT, ACCEPT, REJECT, ACCEPT, ACCEPT, ACCEPT, REJECT],
    ],
)
def test_two_rejections_within_five_lots_tighten(defects: list[int]) -> None:
    state = run(SwitchingState(), defects[:-1])
    assert state.severity == "normal"
    assert run(state, defects[-1:]) == SwitchingState(severity="tightened")


@pytest.mark.parametrize(
    "defects",
    [
        [REJECT],
        [REJECT, ACCEPT, ACCEPT, ACCEPT, ACCEPT, REJECT],  # 6 lots apart: not within 5 consecutive lots
        [REJECT, ACCEPT, ACCEPT, ACCEPT, ACCEPT, REJECT, ACCEPT, ACCEPT, ACCEPT, ACCEPT, REJECT],
        [ACCEPT] * 20,
    ],
)
def test_rejections_further_apart_do_not_tighten(defects: list[int]) -> None:
    assert run(SwitchingState(), defects).severity == "normal"


def test_normal_window_keeps_the_last_five_results() -> None:
    state = run(SwitchingState(), [REJECT, ACCEPT, ACCEPT, ACCEPT, ACCEPT, ACCEPT])
    assert state.normal_results == (True, True, True, True, True)


# --- tightened → normal, discontinuation ---------------------------------------------------------------


def test_five_consecutive_acceptances_on_tightened_restore_normal() -> None:
    state = run(tightened(), [ACCEPT] * 4)
    assert (state.severity, state.tightened_consecutive_accepted) == ("tightened", 4)
    assert run(state, [ACCEPT]) == SwitchingState(severity="normal")


def test_a_rejection_restarts_the_consecutive_count_on_tightened() -> None:
    state = run(tightened(), [ACCEPT, ACCEPT, ACCEPT, ACCEPT, REJECT, ACCEPT, ACCEPT, ACCEPT, ACCEPT])
    assert (state.severity, state.tightened_consecutive_accepted, state.tightened_not_accepted) == (
        "tightened",
        4,
        1,
    )
    assert run(state, [ACCEPT]).severity == "normal"


def test_tightened_uses_the_tightened_plan_for_acceptance() -> None:
    # d = 4 passes normal J/2.5 (Ac 5) but fails tightened J/2.5 (Ac 3).
    state = run(tightened(), [4])
    assert (state.tightened_consecutive_accepted, state.tightened_not_accepted) == (0, 1)


def test_five_rejections_in_total_on_tightened_discontinue() -> None:
    state = run(tightened(), [REJECT, ACCEPT, REJECT, ACCEPT, ACCEPT, REJECT, REJECT])
    assert (state.discontinued, state.tightened_not_accepted) == (False, 4)
    state = run(state, [ACCEPT, ACCEPT, ACCEPT, ACCEPT, REJECT])
    assert state == SwitchingState(severity="tightened", discontinued=True, tightened_not_accepted=5)


def test_returning_to_normal_clears_the_tightened_total() -> None:
    state = run(tightened(), [REJECT, REJECT, REJECT, REJECT] + [ACCEPT] * 5)
    assert state == SwitchingState(severity="normal")
    state = run(state, [REJECT, REJECT])  # back on tightened, count starts again
    state = run(state, [REJECT] * 4)
    assert (state.severity, state.discontinued, state.tightened_not_accepted) == ("tightened", False, 4)


def test_no_lot_can_be_processed_while_discontinued() -> None:
    state = run(tightened(), [REJECT] * 5)
    assert state.discontinued is True
    with pytest.raises(
        ValueError, match=r"^acceptance inspection is discontinued; resume_after_discontinuation"
    ):
        next_state(state, LotResult(PLANS["tightened"], ACCEPT))


def test_resuming_after_discontinuation_restarts_on_tightened() -> None:
    state = run(tightened(), [REJECT] * 5)
    assert resume_after_discontinuation(state) == SwitchingState(severity="tightened")
    with pytest.raises(ValueError, match=r"^inspection is not discontinued; nothing to resume$"):
        resume_after_discontinuation(SwitchingState(severity="tightened"))


# --- switching score and normal → reduced ------------------------------------------------------------


def test_switching_score_example_from_spec(spec: str) -> None:
    example = spec_text.switching_score_example(spec)
    assert example == [(2, 3), (0, 6), (4, 0), (1, 3)]
    state = SwitchingState()
    for d, expected in example:
        state = next_state(state, LotResult(PLANS["normal"], d))
        assert state.switching_score == expected
    # "Ten further lots with d ≤ 3 each add 3, reaching 33": without approval, no switch.
    state = run(state, [3, 0, 1, 2, 3, 0, 1, 2, 3, 0])
    assert (state.severity, state.switching_score) == ("normal", 33)
    assert run(state, [0], authority_approves_reduced=True) == SwitchingState(severity="reduced")


def test_reduced_starts_at_the_first_lot_reaching_30_when_all_conditions_hold() -> None:
    state = run(SwitchingState(), [2, 0, 4, 1] + [0] * 8, authority_approves_reduced=True)
    assert (state.severity, state.switching_score) == ("normal", 27)
    assert run(state, [0], authority_approves_reduced=True).severity == "reduced"


@pytest.mark.parametrize(
    "flags",
    [
        {"authority_approves_reduced": False},
        {"authority_approves_reduced": True, "production_steady": False},
        {},
    ],
)
def test_score_of_30_without_steady_production_and_approval_stays_normal(flags: dict[str, bool]) -> None:
    state = run(SwitchingState(switching_score=27), [ACCEPT], **flags)
    assert (state.severity, state.switching_score) == ("normal", 30)


def test_score_below_30_stays_normal_even_with_approval() -> None:
    state = run(SwitchingState(switching_score=24), [ACCEPT], authority_approves_reduced=True)
    assert (state.severity, state.switching_score) == ("normal", 27)


def test_ac_two_or_more_adds_three_only_if_accepted_one_step_tighter() -> None:
    lot = PLANS["normal"]  # J 2.5: Ac 5; J 1.5: Ac 3
    assert tighter_acceptance_number(lot) == 3
    assert switching_score_after(9, LotResult(lot, 3)) == 12
    assert switching_score_after(9, LotResult(lot, 4)) == 0  # accepted, but not at AQL 1.5
    assert switching_score_after(9, LotResult(lot, 6)) == 0  # not accepted


def test_ac_zero_or_one_adds_two_per_accepted_lot() -> None:
    ac1 = plan(400, "II", "0.65")  # J 80: 1/2
    ac0 = plan(1000, "II", "0.10")  # K → ↓ 125: 0/1
    assert (ac1.ac, ac0.ac) == (1, 0)
    assert switching_score_after(4, LotResult(ac1, 1)) == 6
    assert switching_score_after(4, LotResult(ac1, 2)) == 0
    assert switching_score_after(4, LotResult(ac0, 0)) == 6
    assert switching_score_after(4, LotResult(ac0, 1)) == 0
    state = SwitchingState()
    for _ in range(15):
        state = next_state(state, LotResult(ac0, 0), authority_approves_reduced=True)
    assert state.severity == "reduced"


def test_one_step_tighter_is_a_plan_in_the_same_row_for_every_plan_with_ac_2_or_more() -> None:
    table = MASTER_TABLES["normal"]
    checked = 0
    for letter in CODE_LETTERS:
        for index, aql in enumerate(AQLS):
            resolved = resolve("normal", letter, aql)
            if resolved.ac < 2:
                continue
            tighter = table.cell(resolved.code_letter, AQLS[index - 1])
            assert isinstance(tighter, AcRe)
            assert tighter.ac < resolved.ac
            checked += 1
    assert checked > 0


def test_tighter_acceptance_number_edges() -> None:
    assert tighter_acceptance_number(plan(1000, "II", "0.010")) is None
    with pytest.raises(
        ValueError, match=r"^the switching score applies to normal inspection only, not reduced$"
    ):
        tighter_acceptance_number(PLANS["reduced"])


def test_return_to_normal_resets_the_score() -> None:
    state = run(SwitchingState(switching_score=20), [REJECT, REJECT])
    assert state.severity == "tightened"
    assert run(state, [ACCEPT] * 5).switching_score == 0


# --- reduced → normal -----------------------------------------------------------------------------------


def test_reduced_is_entered_with_clean_counters() -> None:
    assert reduced() == SwitchingState(severity="reduced")


def test_accepted_lot_with_steady_production_stays_reduced() -> None:
    assert run(reduced(), [ACCEPT] * 10) == SwitchingState(severity="reduced")


def test_a_lot_not_accepted_on_reduced_returns_to_normal() -> None:
    assert run(reduced(), [4]) == SwitchingState(severity="normal")  # reduced J/2.5 is 32: 3/4


def test_irregular_production_returns_reduced_to_normal() -> None:
    assert run(reduced(), [ACCEPT], production_steady=False) == SwitchingState(severity="normal")


def test_other_conditions_return_reduced_to_normal() -> None:
    assert run(reduced(), [ACCEPT], other_conditions_warrant_normal=True) == SwitchingState(severity="normal")


def test_manual_flags_do_not_affect_normal_or_tightened() -> None:
    assert run(SwitchingState(), [ACCEPT], production_steady=False, other_conditions_warrant_normal=True) == (
        SwitchingState(switching_score=3, normal_results=(True,))
    )
    state = run(tightened(), [ACCEPT], production_steady=False, other_conditions_warrant_normal=True)
    assert (state.severity, state.tightened_consecutive_accepted) == ("tightened", 1)


# --- lots that do not count, misuse ---------------------------------------------------------------------


@pytest.mark.parametrize("make_state", [SwitchingState, tightened, reduced])
def test_resubmitted_lots_are_ignored(make_state) -> None:
    state = make_state()
    for d in (ACCEPT, REJECT):
        lot = LotResult(PLANS[state.severity], d, resubmitted=True)
        assert next_state(state, lot, authority_approves_reduced=True) == state


def test_lot_plan_must_match_the_severity_in_force() -> None:
    with pytest.raises(
        ValueError, match=r"^lot was inspected on tightened inspection but normal inspection is in force$"
    ):
        next_state(SwitchingState(), LotResult(PLANS["tightened"], ACCEPT))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"severity": "strict"}, r"^unknown inspection severity 'strict'"),
        ({"severity": "normal", "discontinued": True}, r"^only tightened inspection can be discontinued$"),
        ({"switching_score": -1}, r"^switching score must be >= 0"),
        ({"normal_results": (True,) * 6}, r"at most 5 normal results are kept$"),
        ({"tightened_not_accepted": -1}, r"^tightened-inspection counters must be >= 0$"),
    ],
)
def test_switching_state_validation(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SwitchingState(**kwargs)


def test_lot_result_accepted() -> None:
    assert LotResult(PLANS["normal"], 5).accepted is True
    assert LotResult(PLANS["normal"], 6).accepted is False
