"""GB/T 2828.1-2012 (= ISO 2859-1:1999) single-sampling acceptance engine.

Django-free. Implements ``shared/specs/qc-sampling.md``: Table 1 code letters, the master tables 2-A/2-B/2-C
with their arrows resolved by rule, the whole-lot rule, the accept/reject verdict, and the switching
rules between normal, tightened and reduced inspection.

    >>> p = plan(400, "II", "0.65")
    >>> (p.table_code_letter, p.code_letter, p.sample_size, p.ac, p.re)
    ('H', 'J', 80, 1, 2)
"""

from .plans import (
    AQLLike,
    ResolvedCell,
    SamplingPlan,
    Verdict,
    code_letter,
    parse_aql,
    parse_level,
    parse_lot_size,
    parse_severity,
    plan,
    resolve,
    verdict,
)
from .switching import (
    LotResult,
    SwitchingState,
    next_state,
    resume_after_discontinuation,
    switching_score_after,
    tighter_acceptance_number,
)
from .tables import AQLS, CODE_LETTERS, DISPUTED_CELLS, LEVELS, SEVERITIES

__all__ = [
    "AQLS",
    "CODE_LETTERS",
    "DISPUTED_CELLS",
    "LEVELS",
    "SEVERITIES",
    "AQLLike",
    "LotResult",
    "ResolvedCell",
    "SamplingPlan",
    "SwitchingState",
    "Verdict",
    "code_letter",
    "next_state",
    "parse_aql",
    "parse_level",
    "parse_lot_size",
    "parse_severity",
    "plan",
    "resolve",
    "resume_after_discontinuation",
    "switching_score_after",
    "tighter_acceptance_number",
    "verdict",
]
