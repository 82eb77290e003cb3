"""The registry API: shapes, CRUD, validation errors, search, filters, pagination."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from livepark.core.models import AuditLog
from livepark.registry.models import Anchor, Enterprise, PlatformAccount, RoomBooking
from tests.factories import make_ric, make_uscc, monday_9

pytestmark = pytest.mark.django_db


def _enterprise_body(**over):
    body = {"name": "戊供应链有限公司", "uscc": make_uscc(50), "kinds": ["factory"], "region_code": "440305"}
    return body | over


def test_enterprise_create_returns_the_documented_shape(api):
    r = api("admin").post("/registry/enterprises", _enterprise_body(contact_phone="13900001111"))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["name"] == "戊供应链有限公司"
    assert body["uscc"] == make_uscc(50)
    assert body["kinds"] == ["factory"]
    assert body["region_code"] == "440305"
    assert body["region_name"] == "广东省 深圳市 南山区"
    assert body["membership_status"] == "applied"
    assert body["contact_phone"] == "139****1111"
    assert body["created_at"].endswith("+08:00")
    ent = Enterprise.objects.get(pk=body["id"])
    assert "13900001111" not in ent.contact_phone_enc
    audit = AuditLog.objects.get(object_type="registry.enterprise", object_id=str(ent.pk))
    assert audit.action == "create" and audit.channel == "api" and audit.actor.username == "admin"
    assert audit.changes["uscc"] == [None, make_uscc(50)]
    assert "contact_phone_enc" not in audit.changes


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("uscc", "91330102000000001X", "check digit"),
        ("uscc", "123", "18 characters"),
        ("region_code", "999999", "unknown GB/T 2260"),
        ("region_code", "33010", "6 digits"),
        ("kinds", ["shop"], "must be one of"),
        ("kinds", [], "at least one"),
        ("name", "", "required"),
        ("contact_phone", "12345", "phone"),
    ],
)
def test_enterprise_create_rejects_bad_fields_and_writes_nothing(api, field, value, rule):
    before = Enterprise.objects.count(), AuditLog.objects.count()
    r = api("admin").post("/registry/enterprises", _enterprise_body(**{field: value}))
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert rule in " ".join(body["fields"][field])
    assert field in body["detail"]
    assert (Enterprise.objects.count(), AuditLog.objects.count()) == before


def test_enterprise_duplicate_uscc_is_refused(api, park):
    r = api("admin").post("/registry/enterprises", _enterprise_body(uscc=park.mcn_a.uscc))
    assert r.status_code == 422
    assert r.json()["fields"] == {"uscc": ["该统一社会信用代码已登记 / already registered"]}


def test_schema_type_errors_name_the_field(api):
    r = api("admin").post("/registry/enterprises", {"name": "x", "uscc": make_uscc(51), "kinds": "mcn"})
    assert r.status_code == 422
    fields = r.json()["fields"]
    assert set(fields) == {"kinds", "region_code"}


def test_enterprise_update_and_membership_moves(api, park):
    a = api("admin")
    r = a.patch(
        f"/registry/enterprises/{park.brand_b.pk}", {"membership_status": "suspended", "address": "新址 8 号"}
    )
    assert r.status_code == 200, r.content
    assert r.json()["membership_status"] == "suspended"
    assert r.json()["suspended_on"] is not None
    assert r.json()["address"] == "新址 8 号"
    r = a.patch(f"/registry/enterprises/{park.brand_b.pk}", {"membership_status": "applied"})
    assert r.status_code == 422
    assert "cannot move from suspended to applied" in r.json()["fields"]["membership_status"][0]
    changes = AuditLog.objects.filter(object_id=str(park.brand_b.pk), action="update").get().changes
    assert changes["membership_status"] == ["admitted", "suspended"]
    assert changes["address"] == ["", "新址 8 号"]


def test_owner_edits_own_enterprise_but_not_its_uscc(api, park):
    o = api("owner_b")
    assert o.patch(f"/registry/enterprises/{park.brand_b.pk}", {"address": "杭州"}).status_code == 200
    r = o.patch(f"/registry/enterprises/{park.brand_b.pk}", {"uscc": make_uscc(77)})
    assert r.status_code == 422 and "uscc" in r.json()["fields"]
    assert Enterprise.objects.get(pk=park.brand_b.pk).uscc == make_uscc(2)


def test_enterprise_list_search_filter_paginate(api, park):
    a = api("admin")
    r = a.get("/registry/enterprises")
    assert r.json()["count"] == 4
    assert [e["name"] for e in r.json()["items"]] == sorted(e["name"] for e in r.json()["items"])
    assert a.get("/registry/enterprises", kind="mcn").json()["count"] == 2
    assert a.get("/registry/enterprises", q="乙电子").json()["items"][0]["id"] == park.brand_b.pk
    assert a.get("/registry/enterprises", q=park.bank.uscc).json()["count"] == 1
    assert a.get("/registry/enterprises", region="33").json()["count"] == 4
    assert a.get("/registry/enterprises", region="44").json()["count"] == 0
    page = a.get("/registry/enterprises", limit=2, offset=2).json()
    assert page["count"] == 4 and len(page["items"]) == 2


def test_archive_hides_from_list_and_keeps_the_record(api, park):
    a = api("admin")
    r = a.post(f"/registry/enterprises/{park.bank.pk}/archive")
    assert r.status_code == 200 and r.json()["archived_at"]
    assert a.get("/registry/enterprises").json()["count"] == 3
    assert a.get("/registry/enterprises", archived="true").json()["count"] == 1
    assert a.get(f"/registry/enterprises/{park.bank.pk}").status_code == 200


# --- anchors -----------------------------------------------------------------------------------------------


def test_anchor_id_number_is_never_readable(api, park):
    number = make_ric(40)
    r = api("admin").post(
        "/registry/anchors",
        {
            "real_name": "李四",
            "id_number": number,
            "stage_name": "四哥",
            "region_code": "350203",
            "categories": ["food"],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert number not in r.content.decode()
    anchor = Anchor.objects.get(pk=body["id"])
    assert number not in anchor.id_number_enc and number not in anchor.id_number_hash
    assert all(number not in str(v) for log in AuditLog.objects.all() for v in log.changes.values())
    listed = api("admin").get("/registry/anchors", q="四哥").content.decode()
    assert number not in listed and body["id_number"] in listed


@pytest.mark.parametrize(
    ("number", "rule"),
    [
        ("330102199001010010", "check digit"),  # wrong check character
        ("33010219901301001" + ric.calc_check_digit("330102199013010010"), "invalid component"),  # month 13
        ("33010219900101001", "18 characters"),
    ],
)
def test_anchor_bad_id_number(api, number, rule):
    before = Anchor.objects.count()
    r = api("admin").post(
        "/registry/anchors",
        {"real_name": "王五", "id_number": number, "stage_name": "五", "region_code": "330102"},
    )
    assert r.status_code == 422
    assert rule in r.json()["fields"]["id_number"][0]
    assert Anchor.objects.count() == before


def test_anchor_duplicate_id_number(api, park):
    r = api("admin").post(
        "/registry/anchors",
        {"real_name": "重复", "id_number": make_ric(1), "stage_name": "重复", "region_code": "330102"},
    )
    assert r.status_code == 422 and r.json()["fields"]["id_number"] == [
        "该身份证号已登记 / already registered"
    ]


def test_mcn_owner_registers_an_anchor_under_contract(api, park):
    r = api("owner_a").post(
        "/registry/anchors",
        {"real_name": "赵六", "id_number": make_ric(41), "stage_name": "六六", "region_code": "330102"},
    )
    assert r.status_code == 201, r.content
    assert api("owner_a").get("/registry/anchors").json()["count"] == 2
    assert api("owner_c").get(f"/registry/anchors/{r.json()['id']}").status_code == 404
    contracts = api("owner_a").get("/registry/contracts", anchor_id=r.json()["id"]).json()
    assert contracts["count"] == 1 and contracts["items"][0]["mcn_id"] == park.mcn_a.pk


def test_brand_owner_cannot_register_anchors(api, park):
    r = api("owner_b").post(
        "/registry/anchors",
        {"real_name": "赵六", "id_number": make_ric(42), "stage_name": "六", "region_code": "330102"},
    )
    assert r.status_code == 422 and "mcn_id" in r.json()["fields"]
    assert not Anchor.objects.filter(stage_name="六").exists()


def test_anchor_filters(api, park):
    a = api("admin")
    assert a.get("/registry/anchors", mcn_id=park.mcn_a.pk).json()["count"] == 1
    assert a.get("/registry/anchors", q="小").json()["count"] == 2
    assert a.get("/registry/anchors", level="S").json()["count"] == 0
    assert a.get("/registry/anchors", mode="onsite").json()["count"] == 2


def test_contract_overlap_is_refused(api, park):
    r = api("admin").post(
        "/registry/contracts",
        {
            "anchor_id": park.anchor_a.pk,
            "mcn_id": park.mcn_c.pk,
            "start_on": "2020-01-01",
            "revenue_share": "30",
        },
    )
    assert r.status_code == 409 and r.json()["code"] == "contract_overlap"


# --- accounts ----------------------------------------------------------------------------------------------


def test_account_duplicate_per_platform_is_refused(api, park):
    body = {
        "owner_anchor_id": park.anchor_c.pk,
        "platform": "douyin",
        "account_id": "dy-a",
        "display_name": "x",
    }
    r = api("admin").post("/registry/accounts", body)
    assert r.status_code == 422
    assert r.json()["fields"] == {
        "account_id": ["该平台账号已登记 / this account is already registered on the platform"]
    }
    body["platform"] = "kuaishou"
    assert api("admin").post("/registry/accounts", body).status_code == 201


def test_account_needs_exactly_one_owner(api, park):
    r = api("admin").post(
        "/registry/accounts",
        {
            "owner_anchor_id": park.anchor_a.pk,
            "owner_enterprise_id": park.brand_b.pk,
            "platform": "jd",
            "account_id": "jd-1",
            "display_name": "x",
        },
    )
    assert r.status_code == 422 and "owner_anchor_id" in r.json()["fields"]


def test_follower_updates_keep_history(api, park):
    a = api("anchor_a")
    r = a.patch(f"/registry/accounts/{park.account_a.pk}", {"followers": 2500})
    assert r.status_code == 200 and r.json()["followers"] == 2500
    hist = a.get(f"/registry/accounts/{park.account_a.pk}/followers").json()
    assert [h["followers"] for h in hist] == [1000, 2500]
    r = a.patch(f"/registry/accounts/{park.account_a.pk}", {"followers": -1})
    assert r.status_code == 422 and "followers" in r.json()["fields"]


def test_account_list_filters(api, park):
    a = api("admin")
    assert a.get("/registry/accounts", platform="douyin").json()["count"] == 1
    assert a.get("/registry/accounts", min_followers=600).json()["count"] == 1
    assert (
        a.get("/registry/accounts", owner_enterprise_id=park.brand_b.pk).json()["items"][0]["account_id"]
        == "ks-b"
    )


# --- rooms and bookings ------------------------------------------------------------------------------------


def test_room_crud(api, park):
    a = api("admin")
    r = a.post(
        "/registry/rooms",
        {
            "building": "2号楼",
            "floor": 3,
            "number": "301",
            "area_m2": "45.5",
            "capacity": 6,
            "hourly_price_fen": 15000,
            "equipment": ["绿幕"],
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["area_m2"] == "45.50" or r.json()["area_m2"] == 45.5
    dup = a.post(
        "/registry/rooms",
        {
            "building": "2号楼",
            "floor": 3,
            "number": "301",
            "area_m2": "10",
            "capacity": 1,
            "hourly_price_fen": 1,
        },
    )
    assert dup.status_code == 422 and "number" in dup.json()["fields"]
    r2 = a.patch(f"/registry/rooms/{r.json()['id']}", {"status": "maintenance"})
    assert r2.json()["status"] == "maintenance"
    assert a.get("/registry/rooms", status="maintenance").json()["count"] == 1


def test_booking_shape_and_offsets(api, park):
    r = api("admin").get(f"/registry/bookings/{park.booking_a.pk}")
    body = r.json()
    assert set(body) >= {"id", "room_id", "start", "end", "enterprise_id", "anchor_id"}
    assert body["room_id"] == park.room.pk and body["enterprise_id"] == park.mcn_a.pk
    assert body["anchor_id"] == park.anchor_a.pk
    assert dt.datetime.fromisoformat(body["start"]) == monday_9()
    assert body["start"].endswith("+08:00") and body["end"].endswith("+08:00")


@pytest.mark.parametrize(
    ("start_h", "end_h"),
    [(0, 3), (1, 2), (-1, 1), (2, 5), (-2, 10)],  # same, inside, overlapping start, overlapping end, covering
)
def test_overlapping_booking_is_refused(api, park, start_h, end_h):
    base = monday_9()
    before = RoomBooking.objects.count(), AuditLog.objects.count()
    r = api("owner_b").post(
        "/registry/bookings",
        {
            "room_id": park.room.pk,
            "start": (base + dt.timedelta(hours=start_h)).isoformat(),
            "end": (base + dt.timedelta(hours=end_h)).isoformat(),
        },
    )
    assert r.status_code == 409
    assert r.json()["code"] == "booking_overlap"
    assert f"overlaps booking {park.booking_a.pk}" in r.json()["fields"]["start"][0]
    assert (RoomBooking.objects.count(), AuditLog.objects.count()) == before


def test_adjacent_bookings_and_other_rooms_are_fine(api, park):
    base = monday_9()
    o = api("owner_b")
    r = o.post(
        "/registry/bookings",
        {
            "room_id": park.room.pk,
            "start": (base + dt.timedelta(hours=3)).isoformat(),
            "end": (base + dt.timedelta(hours=4)).isoformat(),
            "purpose": "乙自播",
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["enterprise_id"] == park.brand_b.pk and r.json()["anchor_id"] is None
    r = o.post(
        "/registry/bookings",
        {
            "room_id": park.room2.pk,
            "start": base.isoformat(),
            "end": (base + dt.timedelta(hours=3)).isoformat(),
        },
    )
    assert r.status_code == 201


def test_cancelled_booking_frees_the_slot(api, park):
    a = api("owner_a")
    assert a.post(f"/registry/bookings/{park.booking_a.pk}/archive").status_code == 200
    r = api("owner_b").post(
        "/registry/bookings",
        {
            "room_id": park.room.pk,
            "start": monday_9().isoformat(),
            "end": (monday_9() + dt.timedelta(hours=1)).isoformat(),
        },
    )
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"start": "2026-12-01T10:00:00", "end": "2026-12-01T11:00:00"}, "start", "UTC offset"),
        ({"start": "2026-12-01T10:00:00+08:00", "end": "2026-12-01T10:00:00+08:00"}, "end", "after start"),
        ({"start": "2026-12-01T10:00:00+08:00", "end": "2026-12-02T11:00:00+08:00"}, "end", "24 hours"),
        ({"start": "not-a-date", "end": "2026-12-01T11:00:00+08:00"}, "start", "datetime"),
    ],
)
def test_booking_bad_times(api, park, body, field, rule):
    before = RoomBooking.objects.count()
    r = api("owner_b").post("/registry/bookings", {"room_id": park.room2.pk} | body)
    assert r.status_code == 422
    assert rule in " ".join(r.json()["fields"][field])
    assert RoomBooking.objects.count() == before


def test_enterprise_cannot_book_for_an_anchor_it_does_not_contract(api, park):
    r = api("owner_a").post(
        "/registry/bookings",
        {
            "room_id": park.room2.pk,
            "anchor_id": park.anchor_c.pk,
            "start": monday_9().isoformat(),
            "end": (monday_9() + dt.timedelta(hours=1)).isoformat(),
        },
    )
    assert r.status_code == 422 and "anchor_id" in r.json()["fields"]


def test_anchor_books_for_itself(api, park):
    r = api("anchor_c").post(
        "/registry/bookings",
        {
            "room_id": park.room2.pk,
            "start": monday_9().isoformat(),
            "end": (monday_9() + dt.timedelta(hours=2)).isoformat(),
        },
    )
    assert (
        r.status_code == 201
        and r.json()["anchor_id"] == park.anchor_c.pk
        and r.json()["enterprise_id"] is None
    )


def test_booking_move_onto_another_booking_is_refused(api, park):
    r = api("owner_c").patch(
        f"/registry/bookings/{park.booking_c.pk}", {"start": (monday_9() + dt.timedelta(hours=2)).isoformat()}
    )
    assert r.status_code == 409
    assert RoomBooking.objects.get(pk=park.booking_c.pk).start == monday_9() + dt.timedelta(hours=4)


def test_booking_window_filter(api, park):
    a = api("admin")
    base = monday_9()
    got = a.get(
        "/registry/bookings", start_from=(base + dt.timedelta(hours=3, minutes=30)).isoformat()
    ).json()
    assert [b["id"] for b in got["items"]] == [park.booking_c.pk]
    assert a.get("/registry/bookings", room_id=park.room2.pk).json()["count"] == 0


def test_openapi_lists_every_registry_path(client):
    spec = client.get("/api/v1/openapi.json").json()
    for p in ("enterprises", "anchors", "accounts", "rooms", "bookings"):
        assert f"/api/v1/registry/{p}" in spec["paths"]
        assert f"/api/v1/registry/{p}/{{pk}}" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_unknown_token_is_401(client, db):
    r = client.get("/api/v1/registry/rooms", HTTP_AUTHORIZATION="Bearer lp_nope")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"


def test_platform_account_count_unchanged_helper(park):
    assert PlatformAccount.objects.count() == 2


def test_anchor_search_by_substring_category_and_region(api, park):
    a = api("admin")
    body = {
        "real_name": "欧阳娜娜",
        "id_number": make_ric(60),
        "stage_name": "娜娜甄选Shop",
        "region_code": "350203",
        "categories": ["jewellery", "food"],
        "mode": "remote",
        "level": "A",
    }
    created = a.post("/registry/anchors", body).json()
    ids = lambda **q: [x["id"] for x in a.get("/registry/anchors", **q).json()["items"]]  # noqa: E731
    assert ids(q="甄选") == [created["id"]]
    assert ids(q="选S") == [created["id"]]
    assert ids(q="shop") == [created["id"]]  # case-insensitive
    assert ids(q="阳娜") == [created["id"]]  # real name
    assert ids(q="娜娜甄选shop") == [created["id"]]
    assert ids(q="甄选X") == []
    assert ids(q="娜") == [created["id"]]  # one character: scanned
    assert ids(q="小") == sorted([park.anchor_a.pk, park.anchor_c.pk])
    assert ids(category="jewellery") == [created["id"]]
    assert ids(category="apparel") == []
    assert (
        ids(region="35")
        == ids(region="350000")
        == ids(region="3502")
        == ids(region="350203")
        == [created["id"]]
    )
    assert ids(region="3501") == []
    # Renaming and re-categorising updates the index.
    a.patch(f"/registry/anchors/{created['id']}", {"stage_name": "新名字", "categories": ["apparel"]})
    assert ids(q="甄选") == [] and ids(q="名字") == [created["id"]]
    assert ids(category="jewellery") == [] and ids(category="apparel") == [created["id"]]
