"""Live sessions: the role × action × tenant matrix over every live endpoint and page, then the rules of
sessions, transitions and run-of-show.

Matrix: for each row, every actor (anonymous, the park admin, owner/staff of MCN A, the owners of brand B and MCN
C, anchors A and C, a bank viewer, a broker, an inspector) calls it inside a transaction that is rolled back
afterwards, so each actor meets the same data; a denied call must change nothing (database and event store).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.db.models import Max
from django.test import Client

from livepark.core.errors import Conflict
from livepark.core.models import AuditLog, DataVersion
from livepark.live import services
from livepark.live.models import LiveSession, RunOfShowItem
from tests.conftest import Api
from tests.factories import PASSWORD, monday_9
from tests.test_live_fixtures import LiveData, build_live, event, store_count

pytestmark = pytest.mark.django_db

ACTORS = [
    "anon",
    "admin",
    "owner_a",
    "staff_a",
    "owner_b",
    "owner_c",
    "anchor_a",
    "anchor_c",
    "bank",
    "broker",
    "inspector",
]
VIEWERS = {a: 200 for a in ("admin", "owner_a", "staff_a", "owner_b", "owner_c", "anchor_a", "anchor_c")}
SEE_A = {
    "admin": 200,
    "owner_a": 200,
    "staff_a": 200,
    "anchor_a": 200,
    "owner_b": 404,
    "owner_c": 404,
    "anchor_c": 404,
}
SEE_B = {
    "admin": 200,
    "owner_b": 200,
    "owner_a": 200,
    "staff_a": 200,
    "anchor_a": 200,
    "owner_c": 404,
    "anchor_c": 404,
}


@pytest.fixture
def live(park, settings, tmp_path) -> LiveData:
    settings.HOME = tmp_path
    return build_live(park)


def db_state() -> tuple:
    """Everything a live call could change: sessions, co-anchors, run-of-show, audit, versions, the store."""
    return (
        LiveSession.objects.count(),
        LiveSession.objects.aggregate(x=Max("updated_at"))["x"],
        sorted(LiveSession.objects.values_list("code", "status", "title")),
        LiveSession.co_anchors.through.objects.count(),
        sorted(RunOfShowItem.objects.values_list("session_id", "position", "product_id")),
        AuditLog.objects.count(),
        sorted(DataVersion.objects.values_list("key", "version")),
        store_count(),
    )


@dataclass
class Row:
    name: str
    method: str
    url: Callable[[LiveData], str]
    expect: dict[str, int]  # actor -> status; others get `default`
    default: int = 403
    body: Callable[[LiveData], object] | None = None


def _new_session(d: LiveData) -> dict:
    tuesday = monday_9() + dt.timedelta(days=1)
    return {
        "title": "新场次",
        "room_id": d.park.room2.pk,
        "anchor_id": d.park.anchor_a.pk,
        "enterprise_id": d.park.mcn_a.pk,
        "planned_start": tuesday.isoformat(),
        "planned_end": (tuesday + dt.timedelta(hours=2)).isoformat(),
    }


API_ROWS = [
    Row("list", "get", lambda d: "/live/sessions", VIEWERS),
    Row(
        "create",
        "post",
        lambda d: "/live/sessions",
        {"admin": 201, "owner_a": 201, "staff_a": 201, "owner_b": 422, "owner_c": 422},
        body=_new_session,
    ),
    Row("read a", "get", lambda d: f"/live/sessions/{d.a.pk}", SEE_A),
    Row("read b", "get", lambda d: f"/live/sessions/{d.b.pk}", SEE_B),
    Row(
        "update b",
        "patch",
        lambda d: f"/live/sessions/{d.b.pk}",
        {"admin": 200, "owner_b": 200, "owner_a": 404, "staff_a": 404, "owner_c": 404},
        body=lambda d: {"title": "改名"},
    ),
    Row(
        "start a",
        "post",
        lambda d: f"/live/sessions/{d.a.pk}/start",
        SEE_A,
    ),
    Row(
        "end b",
        "post",
        lambda d: f"/live/sessions/{d.b.pk}/end",
        {
            "admin": 200,
            "owner_b": 200,
            "anchor_a": 200,
            "owner_a": 404,
            "staff_a": 404,
            "owner_c": 404,
            "anchor_c": 404,
        },
    ),
    Row(
        "cancel c",
        "post",
        lambda d: f"/live/sessions/{d.c.pk}/cancel",
        {"admin": 200, "owner_c": 200, "owner_a": 404, "staff_a": 404, "owner_b": 404},
    ),
    Row("run-of-show get a", "get", lambda d: f"/live/sessions/{d.a.pk}/run-of-show", SEE_A),
    Row(
        "run-of-show put a",
        "put",
        lambda d: f"/live/sessions/{d.a.pk}/run-of-show",
        {"admin": 200, "owner_a": 200, "staff_a": 200, "owner_b": 404, "owner_c": 404},
        body=lambda d: {
            "items": [{"product_id": d.product.pk, "planned_minutes": 20, "talking_points": "酥"}]
        },
    ),
    Row("report a", "get", lambda d: f"/live/sessions/{d.a.pk}/report", SEE_A),
    Row("overview", "get", lambda d: "/live/overview?group=enterprise&period=week", VIEWERS),
    Row(
        "events for a",
        "post",
        lambda d: "/events",
        {"admin": 200, "owner_a": 200, "staff_a": 200, "owner_b": 404, "owner_c": 404},
        body=lambda d: [event(1, "S-A"), event(2, "S-A", "comment")],
    ),
]


class _Rollback(Exception):
    pass


def put(client: Api, path: str, body) -> object:
    """PUT JSON (the shared Api client has no put)."""
    return client.client.put(
        f"/api/v1{path}", json.dumps(body), content_type="application/json", **client.headers
    )


def _call(client: Api, row: Row, d: LiveData):
    url = row.url(d)
    if row.method == "get":
        return client.get(url)
    body = row.body(d) if row.body else {}
    if row.method == "put":
        return put(client, url, body)
    if row.method == "patch":
        return client.patch(url, body)
    return client.post(url, body)


@pytest.mark.parametrize("row", API_ROWS, ids=lambda r: r.name)
def test_api_matrix(live, row):
    """Every actor on every endpoint: the status, the error shape, and that a refusal changed nothing."""
    wrong = []
    for actor in ACTORS:
        client = Api(live.park.tokens[actor] if actor != "anon" else None)
        expected = 401 if actor == "anon" else row.expect.get(actor, row.default)
        try:
            with transaction.atomic():
                before = db_state()
                r = _call(client, row, live)
                if r.status_code != expected:
                    wrong.append((actor, r.status_code, expected, r.content[:200]))
                if r.status_code >= 400:
                    if set(r.json()) != {"detail", "code", "fields"}:
                        wrong.append((actor, "error shape", r.json()))
                    if db_state() != before:
                        wrong.append((actor, "changed the database or the store"))
                raise _Rollback
        except _Rollback:
            pass
    assert not wrong, (row.name, wrong)


PAGE_ROWS = [
    Row("list", "get", lambda d: "/live/sessions/", VIEWERS),
    Row("report a", "get", lambda d: f"/live/sessions/{d.a.pk}/", SEE_A),
    Row("xlsx a", "get", lambda d: f"/live/sessions/{d.a.pk}/report.xlsx", SEE_A),
    Row("screen b", "get", lambda d: f"/live/sessions/{d.b.pk}/screen/", SEE_B),
    Row("screen figures b", "get", lambda d: f"/live/sessions/{d.b.pk}/screen/figures/", SEE_B),
    Row("anchor overview", "get", lambda d: "/live/overview/anchors/", VIEWERS),
    Row("enterprise overview", "get", lambda d: "/live/overview/enterprises/?period=week&days=7", VIEWERS),
    Row(
        "start a (page)",
        "post",
        lambda d: f"/live/sessions/{d.a.pk}/start/",
        {k: (302 if v == 200 else v) for k, v in SEE_A.items()},
    ),
]


@pytest.mark.parametrize("row", PAGE_ROWS, ids=lambda r: r.name)
def test_page_matrix(live, row):
    """Pages: anonymous users go to the login page; otherwise the same statuses as the API."""
    wrong = []
    for actor in ACTORS:
        client = Client()
        if actor != "anon":
            client.force_login(live.park.users[actor])
        expected = 302 if actor == "anon" else row.expect.get(actor, row.default)
        try:
            with transaction.atomic():
                before = db_state()
                url = row.url(live)
                r = client.get(url) if row.method == "get" else client.post(url)
                if r.status_code != expected:
                    wrong.append((actor, r.status_code, expected))
                if actor == "anon" and not r["Location"].startswith("/login/"):
                    wrong.append((actor, r["Location"]))
                if (expected >= 400 or actor == "anon") and db_state() != before:
                    wrong.append((actor, "changed the database"))
                raise _Rollback
        except _Rollback:
            pass
    assert not wrong, (row.name, wrong)


LIST_COUNTS = {
    "admin": {"S-A", "S-B", "S-C"},
    "owner_a": {"S-A", "S-B"},  # its own, and brand B's session with its contracted anchor
    "staff_a": {"S-A", "S-B"},
    "owner_b": {"S-B"},
    "owner_c": {"S-C"},
    "anchor_a": {"S-A", "S-B"},
    "anchor_c": {"S-C"},
}


@pytest.mark.parametrize("actor", list(LIST_COUNTS))
def test_lists_are_scoped(live, actor):
    r = Api(live.park.tokens[actor]).get("/live/sessions")
    assert r.status_code == 200
    assert r.json()["count"] == len(LIST_COUNTS[actor])
    assert {s["code"] for s in r.json()["items"]} == LIST_COUNTS[actor]


# --- the rules ----------------------------------------------------------------------------------------------


def test_create_fills_the_seller_and_audits(live):
    api = Api(live.park.tokens["staff_a"])
    body = _new_session(live) | {"enterprise_id": None, "co_anchor_ids": []}
    r = api.post("/live/sessions", body)
    assert r.status_code == 201, r.content
    s = r.json()
    assert s["enterprise_id"] == live.park.mcn_a.pk  # an enterprise sells for itself
    assert s["status"] == "planned" and s["started_at"] is None
    assert s["code"].startswith("LS") and len(s["code"]) == 14
    assert s["planned_start"].endswith("+08:00")  # shown in Asia/Shanghai
    log = AuditLog.objects.filter(object_type="live.livesession", object_id=str(s["id"])).get()
    assert log.action == "create" and log.changes["title"] == [None, "新场次"]
    assert DataVersion.objects.get(key="live").version >= 1


def test_create_names_every_broken_rule(live):
    api = Api(live.park.tokens["admin"])
    start = monday_9()
    r = api.post(
        "/live/sessions",
        {
            "code": "S-A",  # taken
            "title": " ",
            "room_id": live.park.room2.pk,  # the booking is for room 1
            "anchor_id": live.park.anchor_a.pk,
            "enterprise_id": live.park.mcn_a.pk,
            "booking_id": live.park.booking_a.pk,
            "planned_start": (start - dt.timedelta(hours=1)).isoformat(),  # before the booking
            "planned_end": (start + dt.timedelta(hours=1)).isoformat(),
            "co_anchor_ids": [live.park.anchor_a.pk],
        },
    )
    assert r.status_code == 422
    fields = r.json()["fields"]
    assert set(fields) == {"code", "title", "booking_id", "planned_start", "co_anchor_ids"}
    assert fields["booking_id"] == ["预订的直播间与场次不一致 / the booking is for another room"]
    assert fields["planned_start"][0].startswith("须在预订时段内 / must lie within the booking")
    assert LiveSession.objects.count() == 3


def test_create_refuses_naive_and_backwards_times(live):
    api = Api(live.park.tokens["admin"])
    body = _new_session(live)
    r = api.post("/live/sessions", body | {"planned_start": "2026-12-01T09:00:00"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"planned_start"}
    r = api.post("/live/sessions", body | {"planned_end": body["planned_start"]})
    assert r.json()["fields"] == {"planned_end": ["结束时间须晚于开始时间 / must be after planned_start"]}
    r = api.post("/live/sessions", body | {"code": "has space"})
    assert set(r.json()["fields"]) == {"code"}


def test_an_enterprise_cannot_use_other_anchors_or_accounts(live):
    api = Api(live.park.tokens["owner_b"])
    body = _new_session(live) | {"enterprise_id": None, "account_id": live.park.account_a.pk}
    r = api.post("/live/sessions", body)
    assert r.status_code == 422
    assert set(r.json()["fields"]) == {"anchor_id", "account_id"}


def test_plan_fields_freeze_once_live(live):
    api = Api(live.park.tokens["owner_b"])
    r = api.patch(f"/live/sessions/{live.b.pk}", {"room_id": live.park.room.pk, "title": "新标题"})
    assert r.status_code == 422
    assert r.json()["fields"] == {"room_id": ["开播后不能修改 / cannot change once the session has started"]}
    r = api.patch(f"/live/sessions/{live.b.pk}", {"title": "新标题", "code": "S-B"})
    assert r.status_code == 200 and r.json()["title"] == "新标题"
    r = api.patch(f"/live/sessions/{live.b.pk}", {"code": "S-X"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"code"}


def test_transitions(live):
    admin = Api(live.park.tokens["admin"])
    # Room 2 is live with session B: another session cannot go live there.
    s = admin.post("/live/sessions", _new_session(live)).json()
    r = admin.post(f"/live/sessions/{s['id']}/start")
    assert r.status_code == 409 and r.json()["code"] == "room_busy"
    r = admin.post(f"/live/sessions/{live.b.pk}/end", {"at": "2025-06-18T11:59:00Z"})
    assert r.status_code == 422 and r.json()["fields"] == {
        "at": ["结束时间不能早于开始时间 / must not be before started_at"]
    }
    r = admin.post(f"/live/sessions/{live.b.pk}/end", {"at": "2025-06-18T13:00:00Z"})
    assert r.status_code == 200 and r.json()["status"] == "ended"
    assert r.json()["ended_at"] == "2025-06-18T21:00:00+08:00"
    r = admin.post(f"/live/sessions/{live.b.pk}/end")
    assert r.status_code == 409 and r.json()["code"] == "transition"
    r = admin.post(f"/live/sessions/{s['id']}/start", {"at": "2999-01-01T00:00:00Z"})
    assert r.status_code == 422 and r.json()["fields"] == {
        "at": ["不能晚于当前时间 / must not lie in the future"]
    }
    r = admin.post(f"/live/sessions/{s['id']}/start")
    assert r.status_code == 200 and r.json()["status"] == "live" and r.json()["started_at"] is not None
    r = admin.post(f"/live/sessions/{s['id']}/cancel")
    assert r.status_code == 409
    r = admin.post(f"/live/sessions/{live.c.pk}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = admin.patch(f"/live/sessions/{live.c.pk}", {"title": "x"})
    assert r.status_code == 409 and r.json()["code"] == "session_cancelled"


def test_co_anchors_see_their_sessions(live):
    admin = Api(live.park.tokens["admin"])
    r = admin.patch(f"/live/sessions/{live.a.pk}", {"co_anchor_ids": [live.park.anchor_c.pk]})
    assert r.status_code == 200 and r.json()["co_anchor_ids"] == [live.park.anchor_c.pk]
    anchor_c = Api(live.park.tokens["anchor_c"])
    assert {s["code"] for s in anchor_c.get("/live/sessions").json()["items"]} == {"S-A", "S-C"}
    assert (
        anchor_c.post(f"/live/sessions/{live.a.pk}/start").status_code == 404
    )  # only the lead anchor operates
    log = AuditLog.objects.filter(object_id=str(live.a.pk), changes__has_key="co_anchors").get()
    assert log.changes["co_anchors"] == [[], [live.park.anchor_c.pk]]


def test_run_of_show_round_trip(live):
    api = Api(live.park.tokens["owner_a"])
    url = f"/live/sessions/{live.a.pk}/run-of-show"
    items = [
        {"product_id": live.product.pk, "planned_minutes": 20, "talking_points": "开场福利"},
        {"product_id": live.product.pk, "planned_minutes": 10, "talking_points": ""},
    ]
    r = put(api, url, {"items": items})
    assert r.status_code == 200, r.content
    got = api.get(url).json()
    assert got["session_id"] == live.a.pk
    assert [(i["position"], i["product_name"], i["planned_minutes"]) for i in got["items"]] == [
        (1, "东阳酥饼", 20),
        (2, "东阳酥饼", 10),
    ]
    bad = [{"product_id": 999999, "planned_minutes": 0}]
    r = put(api, url, {"items": bad})
    assert r.status_code == 422
    assert set(r.json()["fields"]) == {"items[0].product_id", "items[0].planned_minutes"}
    assert RunOfShowItem.objects.filter(session=live.a).count() == 2  # unchanged


def test_run_of_show_closes_with_the_session(live):
    services.session_end(actor=live.park.users["admin"], pk=live.b.pk)
    with pytest.raises(Conflict):
        services.run_of_show_set(actor=live.park.users["admin"], pk=live.b.pk, items=[])


def test_list_filters(live):
    api = Api(live.park.tokens["admin"])
    assert [s["code"] for s in api.get("/live/sessions", status="live").json()["items"]] == ["S-B"]
    assert {
        s["code"] for s in api.get("/live/sessions", anchor_id=live.park.anchor_a.pk).json()["items"]
    } == {
        "S-A",
        "S-B",
    }
    assert [s["code"] for s in api.get("/live/sessions", q="丙").json()["items"]] == ["S-C"]
    assert [s["code"] for s in api.get("/live/sessions", room_id=live.park.room2.pk).json()["items"]] == [
        "S-B"
    ]


def test_login_password_still_works(live):
    client = Client()
    assert client.login(username="anchor_a", password=PASSWORD)
    assert client.get("/live/sessions/").status_code == 200


def test_the_account_follows_the_anchor(live):
    admin = Api(live.park.tokens["admin"])
    r = admin.patch(f"/live/sessions/{live.a.pk}", {"anchor_id": live.park.anchor_c.pk})
    assert r.status_code == 422
    assert r.json()["fields"] == {
        "account_id": ["账号须属于主播或销售企业 / the account must belong to the anchor or the seller"]
    }
    r = admin.patch(f"/live/sessions/{live.a.pk}", {"anchor_id": live.park.anchor_c.pk, "account_id": None})
    assert r.status_code == 200 and (r.json()["anchor_id"], r.json()["account_id"]) == (
        live.park.anchor_c.pk,
        None,
    )
