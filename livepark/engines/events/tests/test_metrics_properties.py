"""The Ibis metrics equal the plain-Python reference exactly, on generated adversarial event sets."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livepark.engines.events.metrics import rollup, session_reports
from livepark.engines.events.schema import validate_events

from . import reference
from .strategies import SESSIONS, batches, session_specs

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _diff(got: dict, want: dict) -> dict:
    return {k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)}


@SETTINGS
@given(rows=batches(), specs=session_specs())
def test_every_session_metric_equals_the_reference(rows: list[dict], specs: list[dict]) -> None:
    table = validate_events(rows)
    got = session_reports(table, specs)
    valid = table.to_pylist()
    for spec in specs:
        want = reference.session_report(
            valid, spec["session_id"], spec.get("started_at"), spec.get("ended_at")
        )
        assert got[spec["session_id"]] == want, _diff(got[spec["session_id"]], want)


@SETTINGS
@given(rows=batches(), specs=session_specs(), groups=st.lists(st.sampled_from("xy"), min_size=4, max_size=4))
def test_rollups_equal_the_reference(rows: list[dict], specs: list[dict], groups: list[str]) -> None:
    table = validate_events(rows)
    sessions = [spec | {"group": g} for spec, g in zip(specs, groups, strict=True)]
    got = rollup(table, sessions)
    want = reference.rollup(table.to_pylist(), sessions)
    assert got == want, [(g, w, _diff(g, w)) for g, w in zip(got, want, strict=False)]


@settings(max_examples=25, deadline=None)
@given(rows=batches())
def test_a_rollup_of_one_session_is_that_sessions_report(rows: list[dict]) -> None:
    table = validate_events(rows)
    reports = session_reports(table, SESSIONS)
    for row in rollup(table, [{"session_id": s, "group": s} for s in SESSIONS]):
        report = reports[row["group"]]
        assert {k: report[k] for k in row if k != "group"} == {k: v for k, v in row.items() if k != "group"}
