"""`livepark events simulate|import|report|compact` round trips, an import killed half-way and run again, and
the live demo (idempotent, fast)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from livepark.engines.events import EventStore, session_report
from livepark.live import services
from livepark.live.demo import build_live_demo
from livepark.live.models import LiveSession, RunOfShowItem
from tests.conftest import Api
from tests.test_live_fixtures import LiveData, build_live, store_count

pytestmark = pytest.mark.django_db
MANAGE = Path(__file__).resolve().parents[1] / "manage.py"


@pytest.fixture
def live(park, settings, tmp_path) -> LiveData:
    settings.HOME = tmp_path
    return build_live(park)


def events_cmd(*args: str) -> str:
    out = io.StringIO()
    call_command("events", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("suffix", [".parquet", ".ndjson"])
def test_simulate_import_report(live, tmp_path, settings, suffix):
    path = tmp_path / f"s-b{suffix}"
    out = json.loads(
        events_cmd(
            "simulate", "--session", "S-B", "--viewers", "200", "--seed", "5", "--minutes", "20",
            "--out", str(path), "--json",
        )
    )  # fmt: skip
    assert out["events"] > 500 and path.is_file()
    imported = json.loads(events_cmd("import", str(path), "--batch-size", "250", "--json"))
    assert imported["events"] == out["events"]
    assert imported["accepted"] == out["events"] and imported["duplicates"] == 0
    assert imported["batches"] == -(-out["events"] // 250)
    again = json.loads(events_cmd("import", str(path), "--json"))
    assert (again["accepted"], again["duplicates"]) == (0, out["events"])
    # The session's start (from the database) is the simulation's start: 2025-06-18 12:00 UTC.
    report = json.loads(events_cmd("report", "S-B", "--json"))
    store = EventStore(settings.HOME / "events")
    assert report == json.loads(json.dumps(session_report(store, "S-B", live.b.started_at, None)))
    assert report["online_curve_start"] == "2025-06-18T12:00Z"
    assert {"online_curve", "stay_buckets", "products", "sources", "gmv_fen", "watch_uv"} <= set(report)
    assert all("product_id" in p for p in report["products"])
    api = Api(live.park.tokens["admin"]).get(f"/live/sessions/{live.b.pk}/report").json()
    assert api == report
    table = events_cmd("report", "S-B")
    assert "观看人数" in table and "watch_uv" in table


def test_import_csv_and_a_bad_file(live, tmp_path):
    rows = [
        {
            "event_id": "c1",
            "session_id": "S-A",
            "ts": "2025-06-18T12:00:00Z",
            "type": "enter",
            "viewer_id": "v1",
        },
        {
            "event_id": "c2",
            "session_id": "S-A",
            "ts": "1750248060000",
            "type": "like",
            "viewer_id": "v1",
            "qty": "3",
        },
    ]
    path = tmp_path / "e.csv"
    pacsv.write_csv(pa.Table.from_pylist(rows), path)
    assert json.loads(events_cmd("import", str(path), "--json"))["accepted"] == 2
    bad = tmp_path / "bad.ndjson"
    lines = [json.dumps(r | {"event_id": f"b{i}"}) for i, r in enumerate(rows * 3)]
    lines[4] = json.dumps(rows[0] | {"event_id": "b4", "type": "wave"})
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(CommandError, match=r"event 4: type: unknown_type"):
        events_cmd("import", str(bad), "--batch-size", "2")
    assert store_count() == 2 + 4  # the batches before the bad one stay; re-running after a fix is harmless
    with pytest.raises(CommandError, match="unknown format"):
        (tmp_path / "x.txt").write_text("")
        events_cmd("import", str(tmp_path / "x.txt"))
    assert json.loads(events_cmd("compact", "--json"))["replaced_files"] >= 2


def test_an_import_killed_half_way_counts_every_event_once(live, tmp_path, settings):
    path = tmp_path / "big.ndjson"
    events_cmd("simulate", "--session", "S-B", "--viewers", "20000", "--minutes", "60", "--out", str(path))
    total = sum(1 for _ in path.open())
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["LIVEPARK_HOME"] = str(settings.HOME)
    services.event_store().close()  # this process gives up the writer role to the importer
    child = subprocess.Popen(
        [sys.executable, str(MANAGE), "events", "import", str(path), "--batch-size", "500", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    store = EventStore(settings.HOME / "events")
    deadline = time.monotonic() + 60
    while store.version < 4 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait()
    stored = store.count()
    assert 0 < stored < total, (stored, total, child.stderr.read()[-500:])
    result = json.loads(events_cmd("import", str(path), "--json"))
    assert result["events"] == total
    assert result["duplicates"] == stored  # what the killed run committed is recognised...
    assert store_count() == total == result["accepted"] + stored  # ...and every event is stored exactly once


def test_the_live_demo_is_idempotent_and_fast(live):
    started = time.monotonic()
    counts = build_live_demo("small", seed=11)
    assert time.monotonic() - started < 5
    demo = LiveSession.objects.filter(code__startswith="demo-11-")
    assert demo.count() == 10 == counts["live_sessions"] - 3
    assert set(demo.values_list("status", flat=True)) == {"ended"}
    assert counts["events"] == store_count() > 0
    # The run-of-show uses the catalog's product, and the events carry its id.
    assert RunOfShowItem.objects.filter(session__in=demo, product=live.product).count() == 10
    first = demo.order_by("code").first()
    report = Api(live.park.tokens["admin"]).get(f"/live/sessions/{first.pk}/report").json()
    assert report["watch_uv"] > 0 and [p["product_id"] for p in report["products"]] == [str(live.product.pk)]
    assert build_live_demo("small", seed=11) == counts  # a second run adds nothing


def test_simulate_writes_what_the_store_accepts(live, tmp_path):
    path = tmp_path / "x.parquet"
    events_cmd("simulate", "--session", "S-Z", "--viewers", "50", "--dup-share", "0.1", "--out", str(path))
    table = pq.read_table(path)
    ids = table["event_id"].to_pylist()
    assert len(ids) > len(set(ids))  # re-delivered copies
    assert json.loads(events_cmd("import", str(path), "--json"))["accepted"] == len(set(ids))
    with pytest.raises(CommandError, match=r"must end in \.parquet or \.ndjson"):
        events_cmd("simulate", "--session", "S-Z", "--viewers", "5", "--out", str(tmp_path / "x.csv"))
