"""The ``qc`` command line (``livepark qc ...`` dispatches to ``main``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from livepark.engines.sampling.cli import main
from livepark.engines.sampling.plans import DISPUTED_CAVEAT, REDUCED_CAVEAT

REPO_ROOT = Path(__file__).parents[4]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "plan", "--lot-size", "400", "--level", "II", "--aql", "0.65", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "code_letter": "J",
        "sample_size": 80,
        "ac": 1,
        "re": 2,
        "inspection": "normal",
        "level": "II",
        "aql": "0.65",
        "lot_size": 400,
        "whole_lot": False,
        "table_code_letter": "H",
        "table_sample_size": 80,
        "caveats": [],
    }


def test_json_output_for_a_whole_lot(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", "--lot-size", "8", "--aql", "0.65", "--json")
    payload = json.loads(out)
    assert code == 0
    assert (payload["code_letter"], payload["sample_size"], payload["table_sample_size"]) == ("F", 8, 20)
    assert (payload["ac"], payload["re"], payload["whole_lot"], payload["level"]) == (0, 1, True, "II")


def test_json_output_tightened_row_s(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "plan", "--lot-size", "2000000", "--aql", "0.025", "--inspection", "tightened", "--json"
    )
    payload = json.loads(out)
    assert code == 0
    assert (payload["code_letter"], payload["sample_size"], payload["ac"], payload["re"]) == ("S", 3150, 1, 2)
    assert (payload["inspection"], payload["aql"], payload["table_code_letter"]) == (
        "tightened",
        "0.025",
        "Q",
    )


def test_reduced_and_disputed_plans_warn_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "plan", "--lot-size", "1000", "--aql", "2.5", "--inspection", "reduced", "--json"
    )
    assert code == 0
    assert json.loads(out)["caveats"] == [REDUCED_CAVEAT]
    assert err == f"warning: {REDUCED_CAVEAT}\n"
    code, out, err = run(capsys, "plan", "--lot-size", "5", "--aql", "10", "--inspection", "tightened")
    assert code == 0
    assert err == f"warning: {DISPUTED_CAVEAT}\n"


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "plan", "--lot-size", "400", "--aql", "0.65")
    assert (code, err) == (0, "")
    assert out == (
        "lot size N       400\n"
        "inspection level II\n"
        "AQL              0.65\n"
        "inspection       normal\n"
        "code letter      J (Table 1 gives H; arrow followed)\n"
        "sample size n    80\n"
        "Ac               1\n"
        "Re               2\n"
    )


def test_text_output_for_a_whole_lot_and_plain_cell(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "plan", "--lot-size", "8", "--aql", "0.65")
    assert "sample size n    8 (inspect the whole lot: table n = 20 >= N)\n" in out
    _, out, _ = run(capsys, "plan", "--lot-size", "1000", "--aql", "2.5", "--level", "ii")
    assert "code letter      J\n" in out
    assert "inspection level II\n" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["plan", "--lot-size", "100", "--aql", "0.3"],
            "qc plan: error: unknown AQL 0.3; allowed values: 0.010,",
        ),
        (["plan", "--lot-size", "1", "--aql", "1.0"], "qc plan: error: lot size must be at least 2"),
        (
            ["plan", "--lot-size", "100", "--aql", "1.0", "--level", "IV"],
            "qc plan: error: unknown inspection level",
        ),
        (
            ["plan", "--lot-size", "100", "--aql", "1.0", "--inspection", "strict"],
            "qc plan: error: unknown inspection severity 'strict'",
        ),
        (["plan", "--lot-size", "abc", "--aql", "1.0"], "argument --lot-size: invalid int value: 'abc'"),
        (["plan", "--lot-size", "100"], "the following arguments are required: --aql"),
        (["plan", "--aql", "1.0"], "the following arguments are required: --lot-size"),
        ([], "the following arguments are required: COMMAND"),
        (["sample"], "invalid choice: 'sample'"),
        (["plan", "--lot-size", "100", "--aql", "1.0", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert message in err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", "--help")
    assert code == 0
    assert "--lot-size N" in out


def test_module_runs_without_importing_django() -> None:
    script = (
        "import sys\n"
        "from livepark.engines.sampling.cli import main\n"
        "code = main(['plan', '--lot-size', '1000', '--aql', '2.5', '--json'])\n"
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')], 'django imported'\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout)["sample_size"] == 80
