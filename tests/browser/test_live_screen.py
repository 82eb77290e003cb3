"""In a real browser: a session report draws its figures and charts, and the live screen's figures change as
events are posted to the API while it is open."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request

import pytest

from livepark.engines.events import simulate
from livepark.live import services
from tests.factories import PASSWORD, build_park
from tests.test_live_fixtures import build_live, event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = dt.datetime(2025, 6, 17, 12, 0, tzinfo=dt.UTC)


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def post_events(base: str, token: str, events: list[dict]) -> dict:
    request = urllib.request.Request(
        f"{base}/api/v1/events",
        data=json.dumps(events).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())


def test_report_and_live_screen(live_server, page, shot, settings, tmp_path):
    settings.HOME = tmp_path
    park = build_park()
    data = build_live(park)
    admin = park.users["admin"]
    # Session A happened yesterday (30 minutes, simulated viewers); session B is live with no events yet.
    services.session_start(actor=admin, pk=data.a.pk, at=START)
    services.session_end(actor=admin, pk=data.a.pk, at=START + dt.timedelta(minutes=30))
    services.events_append(simulate("S-A", viewers=150, seed=2, minutes=30, start=START))
    base = live_server.url
    login(page, base, "admin")

    # The report: cards with the API's numbers, the ECharts charts drawn, the xlsx export.
    report = json.loads(
        urllib.request.urlopen(
            urllib.request.Request(
                f"{base}/api/v1/live/sessions/{data.a.pk}/report",
                headers={"Authorization": f"Bearer {park.tokens['admin']}"},
            ),
            timeout=10,
        ).read()
    )
    page.click("text=直播场次")
    page.click("text=甲专场")
    page.wait_for_selector("#curve-chart canvas")
    assert page.get_by_test_id("m-watch_uv").inner_text() == f"{report['watch_uv']:,}"
    assert page.get_by_test_id("m-peak_online").inner_text() == str(report["peak_online"])
    gmv = report["gmv_fen"]
    assert page.get_by_test_id("m-gmv_fen").inner_text() == f"¥{gmv // 100:,}.{gmv % 100:02d}"
    for chart in ("curve", "funnel", "stay", "sources"):
        assert page.locator(f"#{chart}-chart canvas").count() == 1, chart
    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    assert download.value.suggested_filename == "session-S-A.xlsx"
    shot(page, "live-report")

    # The live screen of session B, polling every second while events arrive through the API.
    page.goto(f"{base}/live/sessions/{data.b.pk}/screen/?every=1")
    assert page.get_by_test_id("online-now").inner_text() == "0"
    assert page.get_by_test_id("gmv").inner_text() == "¥0.00"
    assert page.get_by_test_id("buyers").inner_text() == "0"
    token = park.tokens["owner_b"]
    answer = post_events(
        base,
        token,
        [
            event(1, "S-B", "enter", ts="2025-06-18T12:00:05Z", source="recommend"),
            event(2, "S-B", "enter", ts="2025-06-18T12:00:10Z", source="follow"),
            event(3, "S-B", "enter", ts="2025-06-18T12:01:00Z"),
            event(
                1,
                "S-B",
                "order_pay",
                ts="2025-06-18T12:01:30Z",
                order_id="o1",
                amount_fen=9900,
                product_id="1",
            )
            | {"event_id": "pay1"},
        ],
    )
    assert answer == {"accepted": 4, "duplicates": 0}
    page.wait_for_function(
        "document.querySelector('[data-testid=online-now]').textContent === '3'", timeout=10_000
    )
    assert page.get_by_test_id("gmv").inner_text() == "¥99.00"
    assert page.get_by_test_id("buyers").inner_text() == "1"
    assert page.get_by_test_id("watch-uv").inner_text() == "3"
    assert page.locator("#live-curve canvas").count() == 1
    post_events(base, token, [event(2, "S-B", "leave", ts="2025-06-18T12:02:00Z") | {"event_id": "leave2"}])
    page.wait_for_function(
        "document.querySelector('[data-testid=online-now]').textContent === '2'", timeout=10_000
    )
    assert page.get_by_test_id("peak-online").inner_text() == "3"
    shot(page, "live-screen")
