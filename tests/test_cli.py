"""The `livepark` console script end to end, in a fresh LIVEPARK_HOME: migrate, demo, users, tokens, serve."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

LIVEPARK = str(Path(sys.executable).with_name("livepark"))


def run(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "LIVEPARK_SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    }
    env["LIVEPARK_HOME"] = str(home)
    return subprocess.run(
        [LIVEPARK, *args], env=env, capture_output=True, text=True, check=check, timeout=300
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("home")
    run(home, "migrate", "--noinput", "-v0")
    return home


def test_state_lives_under_livepark_home(home):
    assert (home / "livepark.sqlite3").is_file()
    key = (home / "keys" / "django-secret-key").read_text()
    assert len(key) >= 50
    assert oct((home / "keys" / "django-secret-key").stat().st_mode)[-3:] == "600"
    # A second start reuses the generated key.
    run(home, "check")
    assert (home / "keys" / "django-secret-key").read_text() == key
    import sqlite3

    with sqlite3.connect(home / "livepark.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_demo_is_deterministic_and_idempotent(home):
    first = json.loads(run(home, "demo", "--scale", "small", "--json").stdout)
    second = json.loads(run(home, "demo", "--scale", "small", "--json").stdout)
    assert first["counts"] == second["counts"]
    assert (
        first["counts"]["enterprises"] == 14
        and first["counts"]["anchors"] == 40
        and first["counts"]["rooms"] == 8
    )
    assert first["counts"]["users"] == 8 and first["counts"]["live_sessions"] == 10
    assert (
        first["counts"]["products"] == 19 and first["counts"]["skus"] == 34 and first["counts"]["lots"] == 68
    )
    assert 0 < first["counts"]["returns"] < first["counts"]["shipments"] <= first["counts"]["orders"] <= 60
    out = run(home, "demo", "--scale", "small").stdout
    for login in (
        "admin",
        "owner",
        "staff",
        "anchor",
        "bank",
        "broker",
        "inspector",
        "factory",
        "livepark-demo",
    ):
        assert login in out


def test_createuser_validates_role_and_enterprise(home):
    bad = run(home, "createuser", "x1", "--role", "enterprise_owner", check=False)
    assert bad.returncode != 0 and "enterprise" in bad.stderr
    bad = run(home, "createuser", "x2", "--role", "wizard", check=False)
    assert bad.returncode != 0 and "invalid choice" in bad.stderr
    ok = run(home, "createuser", "ops", "--role", "park_admin", "--password", "ops-pass-2026")
    assert "created ops" in ok.stdout


def test_token_create_serve_and_revoke(home):
    run(home, "demo", "--scale", "small", "--json")  # idempotent; this test may run on its own xdist worker
    token = run(home, "token", "create", "admin").stdout.strip().splitlines()[-1]
    assert token.startswith("lp_") and len(token) > 40
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"LIVEPARK_HOME": str(home)}
    server = subprocess.Popen(
        [LIVEPARK, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not start")
        status, body = get(f"{base}/api/v1/registry/rooms", token)
        assert status == 200 and json.loads(body)["count"] == 8
        assert get(f"{base}/api/v1/registry/rooms")[0] == 401
        status, body = get(f"{base}/static/vendor/htmx.min.js")
        assert status == 200 and b"htmx" in body
        login = get(f"{base}/login/")
        assert login[0] == 200 and "登录".encode() in login[1]
        run(home, "token", "revoke", token)
        assert get(f"{base}/api/v1/registry/rooms", token)[0] == 401
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_qc_plan_runs_without_django(home):
    out = run(home, "qc", "plan", "--lot-size", "1000", "--level", "II", "--aql", "1.0", "--json").stdout
    plan = json.loads(out)
    assert (plan["code_letter"], plan["sample_size"], plan["ac"], plan["re"]) == ("J", 80, 2, 3)


def test_customs_commands_dispatch_to_the_engine(home):
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "ceb" / "samples" / "import"
    ok = run(home, "customs", "validate", "--schema-only", str(shared / "CEB311Message.xml"))
    assert json.loads(ok.stdout)["ok"] is True
    checked = run(
        home,
        "customs",
        "check",
        *(str(shared / f"CEB{n}Message.xml") for n in (311, 411, 511, 621)),
        check=False,
    )
    report = json.loads(checked.stdout)
    assert checked.returncode == 1 and report["ok"] is False
    assert {"document", "field", "values", "rule"} <= set(report["discrepancies"][0])
