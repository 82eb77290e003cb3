"""Session reports: the API answer equals the engine's report on the same data; the report page, its xlsx, the
live screen's figures and the overviews show those numbers."""

from __future__ import annotations

import datetime as dt
import io
import json

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from django.test import Client
from openpyxl import load_workbook

from livepark.engines.events import EventStore, rollup, session_report, simulate
from livepark.live import selectors, services
from livepark.live.models import RunOfShowItem
from tests.conftest import Api
from tests.test_live_fixtures import LiveData, build_live, event

pytestmark = pytest.mark.django_db

START = dt.datetime(2025, 6, 18, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def live(park, settings, tmp_path) -> LiveData:
    settings.HOME = tmp_path
    return build_live(park)


def _with_products(table: pa.Table, product_id: int) -> pa.Table:
    """The simulator's first product becomes the catalog product (events carry its pk as text)."""
    column = table["product_id"]
    renamed = pc.if_else(pc.ends_with(column, "-p0"), str(product_id), column)
    return table.set_column(table.schema.get_field_index("product_id"), "product_id", renamed)


@pytest.fixture
def ended(live) -> LiveData:
    """Session B ended after 30 minutes, with 300 simulated viewers' events (duplicates and late ones too)."""
    table = simulate("S-B", viewers=300, seed=3, minutes=30, dup_share=0.05, disorder_share=0.05, start=START)
    services.events_append(_with_products(table, live.product.pk))
    RunOfShowItem.objects.create(session=live.b, position=1, product=live.product, planned_minutes=10)
    live.b = services.session_end(
        actor=live.park.users["admin"], pk=live.b.pk, at=START + dt.timedelta(minutes=30)
    )
    return live


def test_the_report_endpoint_equals_the_engine(ended, settings):
    r = Api(ended.park.tokens["owner_b"]).get(f"/live/sessions/{ended.b.pk}/report")
    assert r.status_code == 200
    expected = session_report(
        EventStore(settings.HOME / "events"), "S-B", ended.b.started_at, ended.b.ended_at
    )
    assert r.json() == json.loads(json.dumps(expected))
    assert r.json()["watch_uv"] > 0 and r.json()["gmv_fen"] > 0 and len(r.json()["online_curve"]) == 31
    assert set(r.json()["stay_buckets"]) == {"lt_5s", "5_30s", "30_60s", "1_3m", "3_10m", "ge_10m"}
    assert str(ended.product.pk) in {p["product_id"] for p in r.json()["products"]}
    # Scoped like the session: brand B's owner sees it, MCN C's owner does not.
    assert Api(ended.park.tokens["owner_c"]).get(f"/live/sessions/{ended.b.pk}/report").status_code == 404


def test_the_report_page(ended):
    client = Client()
    client.force_login(ended.park.users["anchor_a"])
    r = client.get(f"/live/sessions/{ended.b.pk}/")
    assert r.status_code == 200
    report = Api(ended.park.tokens["admin"]).get(f"/live/sessions/{ended.b.pk}/report").json()
    html = r.content.decode()
    gmv = report["gmv_fen"]
    assert f'data-testid="m-gmv_fen">¥{gmv // 100:,}.{gmv % 100:02d}<' in html
    assert f'data-testid="m-watch_uv">{report["watch_uv"]:,}<' in html
    assert f'data-testid="m-peak_online">{report["peak_online"]}<' in html
    chart = r.context["chart"]
    assert chart["values"] == report["online_curve"]
    assert chart["labels"][0] == "20:00" and len(chart["labels"]) == 31  # Asia/Shanghai
    assert [f["value"] for f in chart["funnel"]] == [
        report[k] for k in ("exposure_uv", "watch_uv", "product_exposure_uv", "product_click_uv", "buyers")
    ]
    # Explain slots become marked areas on the curve, named after the run-of-show's products.
    assert chart["slots"] and all(0 <= s["from"] <= s["to"] <= 30 for s in chart["slots"])
    assert "东阳酥饼" in {s["name"] for s in chart["slots"]}
    assert "东阳酥饼" in html  # the products table


def test_the_xlsx_export(ended):
    client = Client()
    client.force_login(ended.park.users["owner_b"])
    r = client.get(f"/live/sessions/{ended.b.pk}/report.xlsx")
    assert r.status_code == 200
    assert r["Content-Disposition"] == 'attachment; filename="session-S-B.xlsx"'
    report = Api(ended.park.tokens["admin"]).get(f"/live/sessions/{ended.b.pk}/report").json()
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["概览", "在线人数", "商品", "流量来源", "停留分布"]
    rows = {row[1]: row[2] for row in wb["概览"].iter_rows(min_row=2, values_only=True) if row[1]}
    assert rows["watch_uv"] == report["watch_uv"]
    assert rows["gmv_fen"] == round(report["gmv_fen"] / 100, 2)  # yuan in the sheet
    assert rows["bounce_rate"] == report["bounce_rate"]
    curve = [row[1] for row in wb["在线人数"].iter_rows(min_row=2, values_only=True)]
    assert curve == report["online_curve"]


def test_the_live_screen_follows_the_events(live):
    client = Client()
    client.force_login(live.park.users["owner_b"])
    url = f"/live/sessions/{live.b.pk}/screen/figures/"
    r = client.get(url)
    assert (r.context["online_now"], r.context["gmv"], r.context["buyers"]) == ("0", "¥0.00", "0")
    api = Api(live.park.tokens["owner_b"])
    api.post(
        "/events",
        [
            event(1, "S-B", "enter"),
            event(2, "S-B", "enter", ts="2025-06-18T12:00:30Z"),
            event(1, "S-B", "order_pay", ts="2025-06-18T12:01:00Z", order_id="o1", amount_fen=12345)
            | {"event_id": "p1"},
        ],
    )
    r = client.get(url)
    assert (r.context["online_now"], r.context["gmv"], r.context["buyers"]) == ("2", "¥123.45", "1")
    assert 'data-testid="online-now">2<' in r.content.decode()
    assert 'hx-trigger="every 3s"' in r.content.decode()
    api.post("/events", [event(1, "S-B", "leave", ts="2025-06-18T12:02:00Z") | {"event_id": "l1"}])
    assert client.get(url).context["online_now"] == "1"


def test_the_sessions_list_shows_figures(ended):
    client = Client()
    client.force_login(ended.park.users["owner_a"])
    r = client.get("/live/sessions/")
    rows = {row["s"].code: row["figures"] for row in r.context["rows"]}
    report = Api(ended.park.tokens["admin"]).get(f"/live/sessions/{ended.b.pk}/report").json()
    assert rows == {
        "S-A": None,
        "S-B": {k: report[k] for k in ("watch_uv", "peak_online", "gmv_fen", "buyers")},
    }
    r = client.get("/live/sessions/?status=planned", HTTP_HX_REQUEST="true")
    assert [row["s"].code for row in r.context["rows"]] == ["S-A"]
    assert r.templates[0].name == "live/_session_table.html"


def test_overviews_are_rollups(ended, settings):
    today = dt.date(2025, 6, 20)
    data = selectors.overview(ended.park.users["anchor_a"], group="anchor", period="day", days=7, today=today)
    expected = rollup(
        EventStore(settings.HOME / "events"),
        [
            {
                "session_id": "S-B",
                "started_at": ended.b.started_at,
                "ended_at": ended.b.ended_at,
                "group_id": ended.park.anchor_a.pk,
                "period": "2025-06-18",
            }
        ],
        by=["group_id", "period"],
    )
    assert len(data["rows"]) == 1
    row = data["rows"][0]
    assert row == expected[0] | {"group_name": "小甲", "sessions": 1}
    assert data["periods"] == [{"period": "2025-06-18", "sessions": 1, "gmv_fen": expected[0]["gmv_fen"]}]
    week = selectors.overview(
        ended.park.users["admin"], group="enterprise", period="week", days=7, today=today
    )
    assert [(r["group_name"], r["period"]) for r in week["rows"]] == [("乙电子商务有限公司", "2025-06-16")]
    # Outside the window, or outside the user's scope: nothing.
    assert selectors.overview(ended.park.users["admin"], days=7, today=dt.date(2025, 7, 1))["rows"] == []
    assert selectors.overview(ended.park.users["owner_c"], days=7, today=today)["rows"] == []
