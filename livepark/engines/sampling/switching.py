"""Switching between normal, tightened and reduced inspection (spec qc-sampling.md §6).

A pure state machine: :func:`next_state` takes the current :class:`SwitchingState` and one lot's result and
returns the new state; nothing is mutated or stored. Keep one state per class of nonconformity (critical,
major, minor…), since each has its own AQL and switches on its own.

Transitions (only lots on *original* inspection count; resubmitted lots leave the state unchanged):

* normal → tightened: 2 of the last ≤ 5 consecutive lots on normal inspection not accepted.
* tightened → normal: 5 consecutive lots accepted on tightened inspection.
* tightened → discontinued: the running total of lots not accepted on tightened inspection reaches 5.
  :func:`resume_after_discontinuation` restarts on tightened inspection.
* normal → reduced: switching score ≥ 30 *and* production steady *and* the responsible authority approves.
* reduced → normal: a lot not accepted, *or* production irregular/delayed, *or* other conditions warrant.

GB/T 2828.1 uses the switching score for normal → reduced, not Z1.4's "10 lots + limit numbers" rule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .plans import SamplingPlan, Verdict, verdict
from .tables import AQLS, MASTER_TABLES, SEVERITIES, AcRe

__all__ = [
    "DISCONTINUE_AFTER_REJECTED",
    "REDUCED_SCORE_THRESHOLD",
    "TIGHTENED_TO_NORMAL_ACCEPTED",
    "LotResult",
    "SwitchingState",
    "next_state",
    "resume_after_discontinuation",
    "switching_score_after",
    "tighter_acceptance_number",
]

NORMAL_WINDOW = 5
"""Normal → tightened looks at the last 5 (or fewer) consecutive lots on normal inspection…"""
NORMAL_TO_TIGHTENED_REJECTED = 2
"""…and switches when 2 of them were not accepted."""
TIGHTENED_TO_NORMAL_ACCEPTED = 5
"""Consecutive lots accepted on tightened inspection that restore normal inspection."""
DISCONTINUE_AFTER_REJECTED = 5
"""Total lots not accepted while on tightened inspection that discontinue acceptance inspection."""
REDUCED_SCORE_THRESHOLD = 30
"""Switching score at which reduced inspection becomes possible."""


@dataclass(frozen=True)
class LotResult:
    """One inspected lot: the plan it was inspected under and the defect count d found in the sample.

    ``resubmitted`` marks a lot presented again after rejection; such lots do not count for switching.
    """

    plan: SamplingPlan
    defects: int
    resubmitted: bool = False

    @property
    def accepted(self) -> bool:
        """Whether the lot was accepted under its plan (d ≤ Ac)."""
        return verdict(self.plan, self.defects) is Verdict.ACCEPT


@dataclass(frozen=True)
class SwitchingState:
    """Where the switching scheme stands for one class of nonconformity.

    Attributes:
        severity: the inspection in force for the next lot: "normal", "tightened" or "reduced".
        discontinued: acceptance inspection has stopped (spec §6); no lot may be processed until resumed.
        switching_score: the GB/T 2828.1 switching score; counted on normal inspection only, 0 otherwise.
        normal_results: acceptance (True) / non-acceptance (False) of the most recent ≤ 5 lots since normal
            inspection (re)started, oldest first.
        tightened_consecutive_accepted: lots accepted in a row since the last non-acceptance on tightened.
        tightened_not_accepted: lots not accepted since tightened inspection (re)started.
    """

    severity: str = "normal"
    discontinued: bool = False
    switching_score: int = 0
    normal_results: tuple[bool, ...] = ()
    tightened_consecutive_accepted: int = 0
    tightened_not_accepted: int = 0

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"unknown inspection severity {self.severity!r}; allowed: {', '.join(SEVERITIES)}"
            )
        if self.discontinued and self.severity != "tightened":
            raise ValueError("only tightened inspection can be discontinued")
        if self.switching_score < 0 or len(self.normal_results) > NORMAL_WINDOW:
            raise ValueError("switching score must be >= 0 and at most 5 normal results are kept")
        if self.tightened_consecutive_accepted < 0 or self.tightened_not_accepted < 0:
            raise ValueError("tightened-inspection counters must be >= 0")


def _enter(severity: str) -> SwitchingState:
    # Every counter restarts on entering a severity: the score is "set to 0 at the start of normal
    # inspection and on every return to normal", the 2-of-5 window counts lots on normal inspection only,
    # and the tightened counters count lots on tightened inspection only.
    return SwitchingState(severity=severity)


def tighter_acceptance_number(plan: SamplingPlan) -> int | None:
    """Ac of the plan one AQL step tighter, for the switching score (spec §6 convention).

    Looks up the next smaller AQL column in Table 2-A, in the row of the plan actually in use
    (``plan.code_letter``), so the sample size is the same. Returns None at AQL 0.010, which has no tighter
    column (all its plans have Ac = 0, so the score never needs it).

    Raises:
        ValueError: the plan is not a normal-inspection plan.
        LookupError: the tighter cell is not a plan (the spec says this cannot happen when Ac ≥ 2).
    """
    if plan.severity != "normal":
        raise ValueError(f"the switching score applies to normal inspection only, not {plan.severity}")
    index = AQLS.index(plan.aql)
    if index == 0:
        return None
    cell = MASTER_TABLES["normal"].cell(plan.code_letter, AQLS[index - 1])
    if not isinstance(cell, AcRe):
        raise LookupError(f"Table 2-A {plan.code_letter}/{AQLS[index - 1]} is {cell!r}, not a plan")
    return cell.ac


def switching_score_after(score: int, lot: LotResult) -> int:
    """The switching score after one lot on original normal inspection (ISO 2859-1:1999 9.3.3.2).

    * Ac ≥ 2: add 3 if the lot would also have been accepted at the AQL one step tighter, else reset to 0.
    * Ac = 0 or 1: add 2 if the lot is accepted, else reset to 0.
    """
    if lot.plan.ac >= 2:
        tighter_ac = tighter_acceptance_number(lot.plan)
        assert tighter_ac is not None  # AQL 0.010 plans all have Ac = 0
        return score + 3 if lot.defects <= tighter_ac else 0
    return score + 2 if lot.accepted else 0


def next_state(
    state: SwitchingState,
    lot: LotResult,
    *,
    production_steady: bool = True,
    authority_approves_reduced: bool = False,
    other_conditions_warrant_normal: bool = False,
) -> SwitchingState:
    """Apply the switching rules of spec §6 to one lot and return the state for the next lot.

    Args:
        state: the state the lot was inspected under.
        lot: the lot's plan and defect count. Its plan must be for ``state.severity``.
        production_steady: False when production is irregular or delayed. Needed (True) for normal →
            reduced; False sends reduced inspection back to normal.
        authority_approves_reduced: the responsible authority considers reduced inspection desirable
            (manual approval, the third condition for normal → reduced).
        other_conditions_warrant_normal: manual trigger returning reduced inspection to normal.

    Raises:
        ValueError: inspection is discontinued, or the lot's plan is for another severity.
    """
    if state.discontinued:
        raise ValueError(
            "acceptance inspection is discontinued; resume_after_discontinuation() once the supplier has "
            "acted and the responsible authority agrees"
        )
    if lot.plan.severity != state.severity:
        raise ValueError(
            f"lot was inspected on {lot.plan.severity} inspection but {state.severity} inspection is in force"
        )
    if lot.resubmitted:
        return state  # Only lots on original inspection count.
    accepted = lot.accepted

    if state.severity == "normal":
        window = (*state.normal_results, accepted)[-NORMAL_WINDOW:]
        if window.count(False) >= NORMAL_TO_TIGHTENED_REJECTED:
            return _enter("tightened")
        score = switching_score_after(state.switching_score, lot)
        if score >= REDUCED_SCORE_THRESHOLD and production_steady and authority_approves_reduced:
            return _enter("reduced")
        return replace(state, switching_score=score, normal_results=window)

    if state.severity == "tightened":
        if accepted:
            consecutive = state.tightened_consecutive_accepted + 1
            if consecutive >= TIGHTENED_TO_NORMAL_ACCEPTED:
                return _enter("normal")
            return replace(state, tightened_consecutive_accepted=consecutive)
        not_accepted = state.tightened_not_accepted + 1
        return replace(
            state,
            tightened_consecutive_accepted=0,
            tightened_not_accepted=not_accepted,
            discontinued=not_accepted >= DISCONTINUE_AFTER_REJECTED,
        )

    # Reduced: any one condition returns to normal.
    if not accepted or not production_steady or other_conditions_warrant_normal:
        return _enter("normal")
    return state


def resume_after_discontinuation(state: SwitchingState) -> SwitchingState:
    """Resume after discontinuation, on tightened inspection with fresh counters (spec §6).

    Call only once the supplier has acted on the cause and the responsible authority agrees.

    Raises:
        ValueError: inspection is not discontinued.
    """
    if not state.discontinued:
        raise ValueError("inspection is not discontinued; nothing to resume")
    return _enter("tightened")
