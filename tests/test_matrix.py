"""Role × action × tenant matrix over every registry endpoint and page.

Each row names an action, how to call it, and the status every actor gets. Actors: anonymous, the park admin,
owners and staff of MCN A, the owner of brand B and of MCN C (other tenants), anchors of A and C, a bank viewer,
a customs broker and a QC inspector. A denied call (401/403/404/409/422) must change nothing at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db.models import Max
from django.test import Client

from livepark.core.models import ApiToken, AuditLog, User
from livepark.registry.models import (
    Anchor,
    Enterprise,
    FollowerSnapshot,
    LiveRoom,
    MCNContract,
    PlatformAccount,
    RoomBooking,
)
from tests.factories import PASSWORD, make_ric, make_uscc, monday_9

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
MODELS = [
    Enterprise,
    Anchor,
    MCNContract,
    PlatformAccount,
    FollowerSnapshot,
    LiveRoom,
    RoomBooking,
    User,
    ApiToken,
    AuditLog,
]


def db_state() -> list:
    """Row counts and the latest change of every table the registry writes."""
    state = []
    for m in MODELS:
        field = "updated_at" if hasattr(m, "updated_at") else None
        state.append(
            (m.__name__, m.objects.count(), m.objects.aggregate(x=Max(field))["x"] if field else None)
        )
    return state


@dataclass
class Row:
    name: str
    method: str
    url: Callable  # park -> str
    expect: dict  # actor -> status; missing actors get `default`
    default: int
    body: Callable | None = None  # park -> dict


def _slot(hours: int) -> dict:
    start = monday_9() + dt.timedelta(days=1, hours=hours)
    return {"start": start.isoformat(), "end": (start + dt.timedelta(hours=1)).isoformat()}


ALL_OK = {a: 200 for a in ACTORS if a != "anon"}
API_ROWS = [
    # enterprises
    Row("enterprise list", "get", lambda p: "/registry/enterprises", ALL_OK, 401),
    Row(
        "enterprise create",
        "post",
        lambda p: "/registry/enterprises",
        {"admin": 201},
        403,
        lambda p: {"name": "新企业", "uscc": make_uscc(90), "kinds": ["brand"], "region_code": "330102"},
    ),
    Row(
        "enterprise read other",
        "get",
        lambda p: f"/registry/enterprises/{p.brand_b.pk}",
        {"admin": 200, "owner_b": 200, "broker": 200, "inspector": 200},
        404,
    ),
    Row(
        "enterprise update",
        "patch",
        lambda p: f"/registry/enterprises/{p.brand_b.pk}",
        {"admin": 200, "owner_b": 200, "owner_a": 404, "owner_c": 404},
        403,
        lambda p: {"address": "新地址"},
    ),
    Row(
        "enterprise archive",
        "post",
        lambda p: f"/registry/enterprises/{p.brand_b.pk}/archive",
        {"admin": 200},
        403,
    ),
    # anchors
    Row(
        "anchor list",
        "get",
        lambda p: "/registry/anchors",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "owner_b": 200,
            "owner_c": 200,
            "anchor_a": 200,
            "anchor_c": 200,
        },
        403,
    ),
    Row(
        "anchor create",
        "post",
        lambda p: "/registry/anchors",
        {"admin": 201, "owner_a": 201, "owner_c": 201, "owner_b": 422},
        403,
        lambda p: {
            "real_name": "新人",
            "id_number": make_ric(91),
            "stage_name": "新人",
            "region_code": "330102",
        },
    ),
    Row(
        "anchor read",
        "get",
        lambda p: f"/registry/anchors/{p.anchor_a.pk}",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "anchor_a": 200,
            "bank": 403,
            "broker": 403,
            "inspector": 403,
        },
        404,
    ),
    Row(
        "anchor update",
        "patch",
        lambda p: f"/registry/anchors/{p.anchor_a.pk}",
        {"admin": 200, "owner_a": 200, "anchor_a": 200, "owner_b": 404, "owner_c": 404, "anchor_c": 404},
        403,
        lambda p: {"stage_name": "改名"},
    ),
    Row(
        "anchor archive", "post", lambda p: f"/registry/anchors/{p.anchor_a.pk}/archive", {"admin": 200}, 403
    ),
    # contracts
    Row(
        "contract list",
        "get",
        lambda p: "/registry/contracts",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "owner_b": 200,
            "owner_c": 200,
            "anchor_a": 200,
            "anchor_c": 200,
        },
        403,
    ),
    Row(
        "contract create",
        "post",
        lambda p: "/registry/contracts",
        {"admin": 409, "owner_c": 409, "owner_a": 422, "owner_b": 422},
        403,
        lambda p: {
            "anchor_id": p.anchor_a.pk,
            "mcn_id": p.mcn_c.pk,
            "start_on": "2099-01-01",
            "revenue_share": "25",
        },
    ),
    # accounts
    Row(
        "account list",
        "get",
        lambda p: "/registry/accounts",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "owner_b": 200,
            "owner_c": 200,
            "anchor_a": 200,
            "anchor_c": 200,
        },
        403,
    ),
    Row(
        "account create for anchor A",
        "post",
        lambda p: "/registry/accounts",
        {
            "admin": 201,
            "owner_a": 201,
            "staff_a": 201,
            "anchor_a": 201,
            "owner_b": 422,
            "owner_c": 422,
            "anchor_c": 422,
        },
        403,
        lambda p: {
            "owner_anchor_id": p.anchor_a.pk,
            "platform": "xiaohongshu",
            "account_id": "xhs-new",
            "display_name": "新号",
        },
    ),
    Row(
        "account read",
        "get",
        lambda p: f"/registry/accounts/{p.account_a.pk}",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "anchor_a": 200,
            "bank": 403,
            "broker": 403,
            "inspector": 403,
        },
        404,
    ),
    Row(
        "account followers",
        "get",
        lambda p: f"/registry/accounts/{p.account_a.pk}/followers",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "anchor_a": 200,
            "bank": 403,
            "broker": 403,
            "inspector": 403,
        },
        404,
    ),
    Row(
        "account update",
        "patch",
        lambda p: f"/registry/accounts/{p.account_a.pk}",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "anchor_a": 200,
            "bank": 403,
            "broker": 403,
            "inspector": 403,
        },
        404,
        lambda p: {"followers": 4321},
    ),
    Row(
        "account archive",
        "post",
        lambda p: f"/registry/accounts/{p.account_a.pk}/archive",
        {"admin": 200, "owner_a": 200, "anchor_a": 200, "owner_b": 404, "owner_c": 404, "anchor_c": 404},
        403,
    ),
    Row(
        "brand account read",
        "get",
        lambda p: f"/registry/accounts/{p.account_b.pk}",
        {"admin": 200, "owner_b": 200, "bank": 403, "broker": 403, "inspector": 403},
        404,
    ),
    # rooms
    Row(
        "room list",
        "get",
        lambda p: "/registry/rooms",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "owner_b": 200,
            "owner_c": 200,
            "anchor_a": 200,
            "anchor_c": 200,
        },
        403,
    ),
    Row(
        "room read",
        "get",
        lambda p: f"/registry/rooms/{p.room.pk}",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "owner_b": 200,
            "owner_c": 200,
            "anchor_a": 200,
            "anchor_c": 200,
        },
        403,
    ),
    Row(
        "room create",
        "post",
        lambda p: "/registry/rooms",
        {"admin": 201},
        403,
        lambda p: {
            "building": "9号楼",
            "floor": 1,
            "number": "901",
            "area_m2": "20",
            "capacity": 2,
            "hourly_price_fen": 100,
        },
    ),
    Row(
        "room update",
        "patch",
        lambda p: f"/registry/rooms/{p.room.pk}",
        {"admin": 200},
        403,
        lambda p: {"capacity": 9},
    ),
    Row("room archive (busy)", "post", lambda p: f"/registry/rooms/{p.room.pk}/archive", {"admin": 409}, 403),
    Row(
        "room archive (free)", "post", lambda p: f"/registry/rooms/{p.room2.pk}/archive", {"admin": 200}, 403
    ),
    # bookings
    Row(
        "booking list",
        "get",
        lambda p: "/registry/bookings",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "owner_b": 200,
            "owner_c": 200,
            "anchor_a": 200,
            "anchor_c": 200,
        },
        403,
    ),
    Row(
        "booking create",
        "post",
        lambda p: "/registry/bookings",
        {
            "admin": 422,
            "owner_a": 201,
            "staff_a": 201,
            "owner_b": 201,
            "owner_c": 201,
            "anchor_a": 201,
            "anchor_c": 201,
        },
        403,
        lambda p: {"room_id": p.room2.pk} | _slot(0),
    ),
    Row(
        "booking create overlap",
        "post",
        lambda p: "/registry/bookings",
        {
            "admin": 422,
            "owner_a": 409,
            "staff_a": 409,
            "owner_b": 409,
            "owner_c": 409,
            "anchor_a": 409,
            "anchor_c": 409,
        },
        403,
        lambda p: {
            "room_id": p.room.pk,
            "start": monday_9().isoformat(),
            "end": (monday_9() + dt.timedelta(hours=1)).isoformat(),
        },
    ),
    Row(
        "booking read",
        "get",
        lambda p: f"/registry/bookings/{p.booking_a.pk}",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "anchor_a": 200,
            "bank": 403,
            "broker": 403,
            "inspector": 403,
        },
        404,
    ),
    Row(
        "booking update",
        "patch",
        lambda p: f"/registry/bookings/{p.booking_a.pk}",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "anchor_a": 200,
            "bank": 403,
            "broker": 403,
            "inspector": 403,
        },
        404,
        lambda p: {"purpose": "改为新品首发"},
    ),
    Row(
        "booking cancel",
        "post",
        lambda p: f"/registry/bookings/{p.booking_a.pk}/archive",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "anchor_a": 200,
            "bank": 403,
            "broker": 403,
            "inspector": 403,
        },
        404,
    ),
]


def _expected(row: Row, actor: str) -> int:
    if actor == "anon":
        return 401
    return row.expect.get(actor, row.default)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("row", API_ROWS, ids=lambda r: r.name)
def test_api_matrix(park, api, row, actor):
    client = api(None if actor == "anon" else actor)
    before = db_state()
    url = row.url(park)
    if row.method == "get":
        r = client.get(url)
    elif row.method == "post":
        r = client.post(url, row.body(park) if row.body else {})
    else:
        r = client.patch(url, row.body(park))
    expected = _expected(row, actor)
    assert r.status_code == expected, (row.name, actor, r.content[:300])
    if expected >= 400:
        assert set(r.json()) == {"detail", "code", "fields"}
        assert db_state() == before, f"{row.name} as {actor} changed the database"


LIST_COUNTS = {
    # actor: (enterprises, anchors, accounts, bookings)
    "admin": (4, 2, 2, 2),
    "owner_a": (1, 1, 1, 1),
    "staff_a": (1, 1, 1, 1),
    "owner_b": (1, 0, 1, 0),
    "owner_c": (1, 1, 0, 1),
    "anchor_a": (1, 1, 1, 1),
    "anchor_c": (1, 1, 0, 1),
    "bank": (1, None, None, None),
    "broker": (4, None, None, None),
    "inspector": (4, None, None, None),
}


@pytest.mark.parametrize("actor", list(LIST_COUNTS))
def test_lists_are_scoped(park, api, actor):
    client = api(actor)
    for path, expected in zip(
        ("enterprises", "anchors", "accounts", "bookings"), LIST_COUNTS[actor], strict=True
    ):
        r = client.get(f"/registry/{path}")
        if expected is None:
            assert r.status_code == 403
        else:
            assert r.json()["count"] == expected, (actor, path)


# --- pages -------------------------------------------------------------------------------------------------

PAGE_ROWS = [
    Row("home", "get", lambda p: "/", ALL_OK, 302),
    Row("enterprise list", "get", lambda p: "/registry/enterprises/", ALL_OK, 302),
    Row(
        "enterprise detail other",
        "get",
        lambda p: f"/registry/enterprises/{p.brand_b.pk}/",
        {"admin": 200, "owner_b": 200, "broker": 200, "inspector": 200},
        404,
    ),
    Row("enterprise new", "get", lambda p: "/registry/enterprises/new/", {"admin": 200}, 403),
    Row(
        "enterprise edit",
        "get",
        lambda p: f"/registry/enterprises/{p.brand_b.pk}/edit/",
        {"admin": 200, "owner_b": 200, "owner_a": 404, "owner_c": 404},
        403,
    ),
    Row(
        "enterprise edit post",
        "post",
        lambda p: f"/registry/enterprises/{p.brand_b.pk}/edit/",
        {"admin": 302, "owner_b": 302, "owner_a": 404, "owner_c": 404},
        403,
        lambda p: {
            "name": "乙电子商务有限公司",
            "uscc": p.brand_b.uscc,
            "kinds": ["brand"],
            "region_code": "330102",
            "industry": "other",
            "membership_status": "admitted",
            "address": "页面改址",
        },
    ),
    Row(
        "enterprise archive post",
        "post",
        lambda p: f"/registry/enterprises/{p.brand_b.pk}/archive/",
        {"admin": 302},
        403,
    ),
    Row(
        "anchor list",
        "get",
        lambda p: "/registry/anchors/",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "owner_b": 200,
            "owner_c": 200,
            "anchor_a": 200,
            "anchor_c": 200,
        },
        403,
    ),
    Row(
        "anchor detail",
        "get",
        lambda p: f"/registry/anchors/{p.anchor_a.pk}/",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "anchor_a": 200,
            "bank": 403,
            "broker": 403,
            "inspector": 403,
        },
        404,
    ),
    Row(
        "anchor new",
        "get",
        lambda p: "/registry/anchors/new/",
        {"admin": 200, "owner_a": 200, "owner_b": 200, "owner_c": 200},
        403,
    ),
    Row(
        "anchor edit",
        "get",
        lambda p: f"/registry/anchors/{p.anchor_a.pk}/edit/",
        {"admin": 200, "owner_a": 200, "anchor_a": 200, "owner_b": 404, "owner_c": 404, "anchor_c": 404},
        403,
    ),
    Row(
        "account list",
        "get",
        lambda p: "/registry/accounts/",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "owner_b": 200,
            "owner_c": 200,
            "anchor_a": 200,
            "anchor_c": 200,
        },
        403,
    ),
    Row(
        "account detail",
        "get",
        lambda p: f"/registry/accounts/{p.account_a.pk}/",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "anchor_a": 200,
            "bank": 403,
            "broker": 403,
            "inspector": 403,
        },
        404,
    ),
    Row(
        "account edit post",
        "post",
        lambda p: f"/registry/accounts/{p.account_a.pk}/edit/",
        {
            "admin": 302,
            "owner_a": 302,
            "staff_a": 302,
            "anchor_a": 302,
            "bank": 403,
            "broker": 403,
            "inspector": 403,
        },
        404,
        lambda p: {"display_name": "小甲", "followers": 1234},
    ),
    Row(
        "room list",
        "get",
        lambda p: "/registry/rooms/",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "owner_b": 200,
            "owner_c": 200,
            "anchor_a": 200,
            "anchor_c": 200,
        },
        403,
    ),
    Row(
        "room detail",
        "get",
        lambda p: f"/registry/rooms/{p.room.pk}/",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "owner_b": 200,
            "owner_c": 200,
            "anchor_a": 200,
            "anchor_c": 200,
        },
        403,
    ),
    Row("room new", "get", lambda p: "/registry/rooms/new/", {"admin": 200}, 403),
    Row("room edit", "get", lambda p: f"/registry/rooms/{p.room.pk}/edit/", {"admin": 200}, 403),
    Row(
        "calendar",
        "get",
        lambda p: "/registry/calendar/",
        {
            "admin": 200,
            "owner_a": 200,
            "staff_a": 200,
            "owner_b": 200,
            "owner_c": 200,
            "anchor_a": 200,
            "anchor_c": 200,
        },
        403,
    ),
    Row(
        "calendar book overlap",
        "post",
        lambda p: "/registry/calendar/",
        {
            "admin": 409,
            "owner_a": 409,
            "staff_a": 409,
            "owner_b": 409,
            "owner_c": 409,
            "anchor_a": 409,
            "anchor_c": 409,
        },
        403,
        lambda p: {
            "room_id": p.room.pk,
            "day": monday_9().date().isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
            "enterprise_id": p.brand_b.pk,
        },
    ),
    Row(
        "booking cancel post",
        "post",
        lambda p: f"/registry/bookings/{p.booking_a.pk}/cancel/",
        {
            "admin": 302,
            "owner_a": 302,
            "staff_a": 302,
            "anchor_a": 302,
            "bank": 403,
            "broker": 403,
            "inspector": 403,
        },
        404,
    ),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("row", PAGE_ROWS, ids=lambda r: r.name)
def test_page_matrix(park, row, actor):
    client = Client()
    if actor != "anon":
        assert client.login(username=actor, password=PASSWORD)
    before = db_state()
    url = row.url(park)
    r = client.get(url) if row.method == "get" else client.post(url, row.body(park) if row.body else {})
    expected = 302 if actor == "anon" else row.expect.get(actor, row.default)
    assert r.status_code == expected, (row.name, actor)
    if actor == "anon":
        assert r["Location"].startswith("/login/")
    if expected >= 400 or actor == "anon":
        assert db_state() == before, f"{row.name} as {actor} changed the database"
