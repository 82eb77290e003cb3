"""Valid identifiers and a small park built through the services, for tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from stdnum.cn import ric, uscc

from livepark.core.roles import Role
from livepark.core.services import token_create, user_create
from livepark.registry import services

PASSWORD = "test-pass-123"


def make_uscc(n: int, region: str = "330102") -> str:
    """A valid unified social credit code, distinct per `n`."""
    body = f"91{region}{n:09d}"
    return body + uscc.calc_check_digit(body + "0")


def make_ric(n: int, region: str = "330102", birth: str = "19900101") -> str:
    """A valid resident ID number, distinct per `n` (< 1000)."""
    body = f"{region}{birth}{n:03d}"
    return body + ric.calc_check_digit(body + "0")


@dataclass
class Park:
    """Two tenants (MCN A and brand B), a bank, a room, and one user per role."""

    mcn_a: object
    brand_b: object
    mcn_c: object
    bank: object
    anchor_a: object  # contracted to A
    anchor_c: object  # contracted to C
    room: object
    room2: object
    account_a: object
    account_b: object
    booking_a: object
    booking_c: object
    users: dict
    tokens: dict


def monday_9() -> dt.datetime:
    """Next Monday 09:00 Asia/Shanghai."""
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    return timezone.make_aware(dt.datetime.combine(monday, dt.time(9)))


def build_park() -> Park:
    """Create the park through the services, as a park admin would."""
    admin = user_create(actor=None, username="admin", role=Role.PARK_ADMIN, password=PASSWORD)

    def ent(n, name, kinds):
        return services.enterprise_create(
            actor=admin,
            data={
                "name": name,
                "uscc": make_uscc(n),
                "kinds": kinds,
                "region_code": "330102",
                "membership_status": "admitted",
                "contact_name": "张三",
                "contact_phone": "13812345678",
            },
        )

    mcn_a = ent(1, "甲传媒有限公司", ["mcn"])
    brand_b = ent(2, "乙电子商务有限公司", ["brand"])
    mcn_c = ent(3, "丙文化传媒有限公司", ["mcn", "brand"])
    bank = ent(4, "丁银行杭州分行", ["bank"])

    def anchor(n, stage, mcn):
        return services.anchor_create(
            actor=admin,
            data={
                "real_name": f"主播{n}",
                "id_number": make_ric(n),
                "stage_name": stage,
                "region_code": "330102",
            },
            mcn_id=mcn.pk,
        )

    anchor_a = anchor(1, "小甲", mcn_a)
    anchor_c = anchor(2, "小丙", mcn_c)
    room = services.room_create(
        actor=admin,
        data={
            "building": "1号楼",
            "floor": 1,
            "number": "101",
            "area_m2": "30",
            "capacity": 4,
            "hourly_price_fen": 10000,
        },
    )
    room2 = services.room_create(
        actor=admin,
        data={
            "building": "1号楼",
            "floor": 1,
            "number": "102",
            "area_m2": "20",
            "capacity": 2,
            "hourly_price_fen": 8000,
        },
    )
    account_a = services.account_create(
        actor=admin,
        data={
            "owner_anchor_id": anchor_a.pk,
            "platform": "douyin",
            "account_id": "dy-a",
            "display_name": "小甲",
            "followers": 1000,
        },
    )
    account_b = services.account_create(
        actor=admin,
        data={
            "owner_enterprise_id": brand_b.pk,
            "platform": "kuaishou",
            "account_id": "ks-b",
            "display_name": "乙旗舰",
            "followers": 500,
        },
    )
    start = monday_9()
    booking_a = services.booking_create(
        actor=admin,
        data={
            "room_id": room.pk,
            "enterprise_id": mcn_a.pk,
            "anchor_id": anchor_a.pk,
            "start": start,
            "end": start + dt.timedelta(hours=3),
            "purpose": "甲专场",
        },
    )
    booking_c = services.booking_create(
        actor=admin,
        data={
            "room_id": room.pk,
            "enterprise_id": mcn_c.pk,
            "anchor_id": anchor_c.pk,
            "start": start + dt.timedelta(hours=4),
            "end": start + dt.timedelta(hours=6),
            "purpose": "丙专场",
        },
    )
    users = {"admin": admin}
    specs = [
        ("owner_a", Role.ENTERPRISE_OWNER, mcn_a, None),
        ("staff_a", Role.ENTERPRISE_STAFF, mcn_a, None),
        ("owner_b", Role.ENTERPRISE_OWNER, brand_b, None),
        ("owner_c", Role.ENTERPRISE_OWNER, mcn_c, None),
        ("anchor_a", Role.ANCHOR, None, anchor_a),
        ("anchor_c", Role.ANCHOR, None, anchor_c),
        ("bank", Role.BANK_VIEWER, bank, None),
        ("broker", Role.CUSTOMS_BROKER, None, None),
        ("inspector", Role.QC_INSPECTOR, None, None),
    ]
    for username, role, enterprise, anc in specs:
        users[username] = user_create(
            actor=admin, username=username, role=role, password=PASSWORD, enterprise=enterprise, anchor=anc
        )
    tokens = {name: token_create(actor=admin, user=u)[1] for name, u in users.items()}
    return Park(
        mcn_a,
        brand_b,
        mcn_c,
        bank,
        anchor_a,
        anchor_c,
        room,
        room2,
        account_a,
        account_b,
        booking_a,
        booking_c,
        users,
        tokens,
    )
