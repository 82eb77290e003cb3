"""The demo park: a deterministic, idempotent base built from a seed (Faker zh_CN).

Scales: `small` (tests), `base` (a real-sized base: 64 enterprises, 78 rooms, 2,000 anchors) and `town`
(130,000 anchors, for scale work). Rows are bulk-inserted with natural keys and `ignore_conflicts`, so a second run
with the same seed and `LIVEPARK_HOME` adds nothing. Bookings are laid on the current week.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from faker import Faker
from stdnum.cn import ric, uscc

from livepark.core import audit, counting, crypto
from livepark.core.models import AuditLog, User
from livepark.core.regions import region_name, regions
from livepark.core.roles import Role
from livepark.core.services import user_create
from livepark.core.validators import clean_resident_id
from livepark.registry.choices import EnterpriseKind, IndustryTrack, Platform
from livepark.registry.models import (
    Anchor,
    AnchorSearchTerm,
    Enterprise,
    FollowerSnapshot,
    LiveRoom,
    MCNContract,
    PlatformAccount,
    RoomBooking,
)
from livepark.registry.search import anchor_terms


@dataclass(frozen=True)
class Scale:
    enterprises: int
    buildings: int
    rooms: int
    anchors: int
    snapshots: int  # follower snapshots per account (weekly)


SCALES = {
    "small": Scale(enterprises=14, buildings=1, rooms=8, anchors=40, snapshots=3),
    "base": Scale(enterprises=64, buildings=3, rooms=78, anchors=2000, snapshots=4),
    "town": Scale(enterprises=263, buildings=6, rooms=200, anchors=130_000, snapshots=1),
}
DEMO_PASSWORD = "livepark-demo"
DEMO_USERS = [
    ("admin", Role.PARK_ADMIN, "园区管理员"),
    ("owner", Role.ENTERPRISE_OWNER, "企业负责人"),
    ("staff", Role.ENTERPRISE_STAFF, "企业员工"),
    ("anchor", Role.ANCHOR, "主播"),
    ("bank", Role.BANK_VIEWER, "银行查看员"),
    ("broker", Role.CUSTOMS_BROKER, "报关员"),
    ("inspector", Role.QC_INSPECTOR, "质检员"),
]
# The mix of a real base: mostly merchants, factories and MCNs around a few banks, carriers and platforms.
KIND_MIX = [
    ([EnterpriseKind.BRAND], 30),
    ([EnterpriseKind.FACTORY], 14),
    ([EnterpriseKind.FACTORY, EnterpriseKind.BRAND], 8),
    ([EnterpriseKind.MCN], 14),
    ([EnterpriseKind.SERVICE], 12),
    ([EnterpriseKind.CARRIER], 7),
    ([EnterpriseKind.BANK], 5),
    ([EnterpriseKind.PLATFORM], 3),
]
SUFFIX = {
    EnterpriseKind.BRAND: "电子商务有限公司",
    EnterpriseKind.FACTORY: "制造有限公司",
    EnterpriseKind.MCN: "文化传媒有限公司",
    EnterpriseKind.SERVICE: "供应链管理有限公司",
    EnterpriseKind.CARRIER: "物流有限公司",
    EnterpriseKind.BANK: "银行股份有限公司分行",
    EnterpriseKind.PLATFORM: "网络科技有限公司",
}
PLATFORM_WEIGHTS = [
    (Platform.DOUYIN, 40),
    (Platform.KUAISHOU, 22),
    (Platform.TAOBAO, 12),
    (Platform.WECHAT_CHANNELS, 10),
    (Platform.XIAOHONGSHU, 8),
    (Platform.JD, 3),
    (Platform.PINDUODUO, 3),
    (Platform.TIKTOK, 2),
]
EQUIPMENT = ["补光灯", "绿幕", "4K 摄像机", "提词器", "声卡", "货架", "试衣间", "推流电脑"]
BATCH = 2000


def _weighted(rng: random.Random, pairs):
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def _make_uscc(rng: random.Random, region: str) -> str:
    body = "91" + region + "".join(rng.choice("0123456789") for _ in range(9))
    return body + uscc.calc_check_digit(body + "0")


@cache
def _valid_birthplace(district: str, year: int) -> bool:
    # Whether a district code was a valid birth place in that year depends on nothing else: check it once
    # (validating each of 130,000 numbers in full costs ~45 s).
    body = f"{district}{year}0101001"
    try:
        clean_resident_id(body + ric.calc_check_digit(body + "0"))
    except ValidationError:
        return False
    return True


def _make_ric(rng: random.Random, districts: list[str]) -> str:
    while True:
        birth = dt.date(1975, 1, 1) + dt.timedelta(days=rng.randrange(365 * 30))
        district = rng.choice(districts)
        if not _valid_birthplace(district, birth.year):
            continue
        body = district + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
        return body + ric.calc_check_digit(body + "0")


def _bulk(model, rows: list, **kwargs) -> None:
    for i in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[i : i + BATCH], ignore_conflicts=True, **kwargs)


def build_demo(
    scale: str = "base", seed: int = 2026, progress: Callable[[str, int, int], None] | None = None
) -> dict[str, int]:
    """Create (or complete) the demo park; returns the row counts of the park afterwards."""
    spec = SCALES[scale]
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    report = progress or (lambda step, done, total: None)
    districts = [c for c in regions() if not c.endswith("00")]
    home_districts = [c for c in districts if c.startswith(("33", "44", "35", "32", "37"))]
    now = timezone.now()
    today = timezone.localdate()

    with transaction.atomic():
        # Enterprises: natural key = USCC.
        enterprises = []
        names: set[str] = set()
        for i in range(spec.enterprises):
            kinds = _weighted(rng, KIND_MIX)
            if i < len(KIND_MIX):  # every kind at least once, whatever the seed: the demo users need a bank
                kinds = KIND_MIX[i][0]
            region = rng.choice(home_districts)
            base_name = fake.company_prefix()
            name = f"{region_name(region).split()[1].removesuffix('市')}{base_name}{SUFFIX[kinds[0]]}"
            while name in names:
                name = f"{region_name(region).split()[1].removesuffix('市')}{fake.company_prefix()}{SUFFIX[kinds[0]]}"
            names.add(name)
            status = "admitted" if rng.random() < 0.85 else rng.choice(["applied", "suspended", "left"])
            admitted = today - dt.timedelta(days=rng.randrange(30, 1500))
            phone = fake.phone_number()
            industry = (
                IndustryTrack.SERVICES
                if kinds[0] in (EnterpriseKind.BANK, EnterpriseKind.CARRIER, EnterpriseKind.SERVICE)
                else rng.choice([c for c in IndustryTrack.values if c not in ("services", "other")])
            )
            enterprises.append(
                Enterprise(
                    name=name,
                    uscc=_make_uscc(rng, region),
                    kinds=sorted(k.value for k in kinds) if i else ["mcn"],
                    region_code=region,
                    region_name=region_name(region),
                    address=fake.street_address(),
                    industry=industry,
                    membership_status=status if i else "admitted",
                    applied_on=admitted - dt.timedelta(days=20),
                    admitted_on=admitted if status != "applied" else None,
                    suspended_on=today - dt.timedelta(days=5) if status == "suspended" else None,
                    left_on=today - dt.timedelta(days=10) if status == "left" else None,
                    contact_name=fake.name(),
                    contact_phone_enc=crypto.encrypt(phone),
                    contact_phone_masked=crypto.mask_phone(phone),
                )
            )
        _bulk(Enterprise, enterprises)
        ent_by_uscc = {
            e.uscc: e.pk for e in Enterprise.objects.filter(uscc__in=[e.uscc for e in enterprises])
        }
        ent_ids = [ent_by_uscc[e.uscc] for e in enterprises]
        mcn_ids = [ent_by_uscc[e.uscc] for e in enterprises if "mcn" in e.kinds]
        brand_ids = [ent_by_uscc[e.uscc] for e in enterprises if {"brand", "factory"} & set(e.kinds)]
        report("enterprises", len(enterprises), len(enterprises))

        # Rooms: natural key = (building, number).
        rooms = []
        per_building = -(-spec.rooms // spec.buildings)
        for b in range(spec.buildings):
            building = f"{b + 1}号楼"
            for r in range(min(per_building, spec.rooms - b * per_building)):
                floor = 1 + r // 12
                rooms.append(
                    LiveRoom(
                        building=building,
                        floor=floor,
                        number=f"{floor}{r % 12 + 1:02d}",
                        area_m2=rng.choice([15, 20, 25, 30, 40, 60, 80]),
                        equipment=sorted(rng.sample(EQUIPMENT, rng.randrange(3, 7))),
                        capacity=rng.choice([2, 4, 6, 8, 12]),
                        hourly_price_fen=rng.choice([5000, 8000, 12000, 20000, 30000]),
                        status="available" if rng.random() < 0.95 else "maintenance",
                    )
                )
        _bulk(LiveRoom, rooms)
        room_ids = list(
            LiveRoom.objects.filter(status="available").order_by("pk").values_list("pk", flat=True)
        )
        report("rooms", len(rooms), len(rooms))

        # Anchors: natural key = blind index of the resident ID.
        anchors = []
        categories = [c for c in IndustryTrack.values if c not in ("services", "other")]
        for i in range(spec.anchors):
            number = _make_ric(rng, districts)
            region = rng.choice(home_districts if rng.random() < 0.7 else districts)
            anchors.append(
                Anchor(
                    real_name=fake.name(),
                    id_number_enc=crypto.encrypt(number),
                    id_number_hash=crypto.blind_index(number),
                    id_number_masked=crypto.mask_id_number(number),
                    stage_name=f"{fake.first_name()}{rng.choice(['', '小', '阿', '大'])}{rng.choice(['酱', '姐', '哥', '老师', '甄选', '严选', '的店', '说好物', ''])}{i}",
                    mode="onsite" if rng.random() < 0.4 else "remote",
                    region_code=region,
                    region_name=region_name(region),
                    categories=sorted(rng.sample(categories, rng.randrange(1, 4))),
                    level=_weighted(rng, [("S", 1), ("A", 6), ("B", 30), ("C", 63)]),
                    status=_weighted(rng, [("active", 90), ("paused", 7), ("left", 3)]),
                )
            )
            if (i + 1) % 10_000 == 0:
                report("anchors (generate)", i + 1, spec.anchors)
        _bulk(Anchor, anchors)
        hashes = [a.id_number_hash for a in anchors]
        anchor_by_hash: dict[str, int] = {}
        for i in range(0, len(hashes), 5000):
            anchor_by_hash.update(
                Anchor.objects.filter(id_number_hash__in=hashes[i : i + 5000]).values_list(
                    "id_number_hash", "pk"
                )
            )
        anchor_ids = [anchor_by_hash[h] for h in hashes]
        indexed = set(AnchorSearchTerm.objects.values_list("anchor_id", flat=True).distinct())
        terms = [
            (aid, t)
            for aid, a in zip(anchor_ids, anchors, strict=True)
            if aid not in indexed
            for t in sorted(
                anchor_terms(stage_name=a.stage_name, real_name=a.real_name, categories=a.categories)
            )
        ]
        # ~1.5 million rows at town scale: plain executemany, as building a model object per row costs ~30 s.
        table = connection.ops.quote_name(AnchorSearchTerm._meta.db_table)
        with connection.cursor() as cursor:
            for i in range(0, len(terms), 50_000):
                cursor.executemany(
                    f"INSERT INTO {table} (anchor_id, term) VALUES (%s, %s)", terms[i : i + 50_000]
                )
        report("anchors", len(anchors), len(anchors))

        # MCN contracts for ~70% of anchors, only where the anchor has none yet.
        # Each section draws from its own generator, and every draw happens whether or not the row already
        # exists, so a second run makes the very same rows and inserts none of them.
        rng = random.Random(f"{seed}:contracts")
        contracted = set(MCNContract.objects.values_list("anchor_id", flat=True))
        contracts = []
        for n, aid in enumerate(anchor_ids):
            if n and rng.random() >= 0.7:
                continue
            contract = MCNContract(
                anchor_id=aid,
                mcn_id=mcn_ids[0] if n == 0 else rng.choice(mcn_ids),
                start_on=today - dt.timedelta(days=rng.randrange(10, 900)),
                end_on=None if rng.random() < 0.8 else today + dt.timedelta(days=rng.randrange(30, 700)),
                revenue_share=rng.choice([20, 25, 30, 35, 40, 50]),
            )
            if aid not in contracted:
                contracts.append(contract)
        _bulk(MCNContract, contracts)
        report("contracts", len(contracts), len(contracts))

        # Platform accounts (natural key = platform + account id) with weekly follower snapshots.
        rng = random.Random(f"{seed}:accounts")
        accounts = []
        for n, aid in enumerate(anchor_ids):
            for _ in range(1 if rng.random() < 0.6 else 2):
                platform = _weighted(rng, PLATFORM_WEIGHTS)
                followers = int(rng.lognormvariate(9.5, 2.0))
                accounts.append(
                    PlatformAccount(
                        owner_anchor_id=aid,
                        platform=platform,
                        account_id=f"{platform[:2]}{seed}{n:07d}{len(accounts) % 10}",
                        display_name=anchors[n].stage_name,
                        followers=followers,
                        followers_at=now,
                    )
                )
        for eid in brand_ids:
            platform = _weighted(rng, PLATFORM_WEIGHTS)
            accounts.append(
                PlatformAccount(
                    owner_enterprise_id=eid,
                    platform=platform,
                    account_id=f"ent{seed}{eid:06d}",
                    display_name=f"{Enterprise.objects.get(pk=eid).name[:10]}官方旗舰店",
                    followers=int(rng.lognormvariate(10.5, 1.5)),
                    followers_at=now,
                )
            )
        _bulk(PlatformAccount, accounts)
        report("accounts", len(accounts), len(accounts))
        snapshots = []
        acc_ids = (
            dict(
                PlatformAccount.objects.filter(account_id__in=[a.account_id for a in accounts]).values_list(
                    "account_id", "pk"
                )
            )
            if len(accounts) < 20_000
            else dict(PlatformAccount.objects.values_list("account_id", "pk"))
        )
        week = dt.timedelta(days=7)
        for a in accounts:
            for k in range(spec.snapshots):
                shrink = 1 - 0.04 * (spec.snapshots - 1 - k)
                snapshots.append(
                    FollowerSnapshot(
                        account_id=acc_ids[a.account_id],
                        at=now.replace(hour=0, minute=0, second=0, microsecond=0)
                        - week * (spec.snapshots - 1 - k),
                        followers=int(a.followers * shrink),
                    )
                )
        _bulk(FollowerSnapshot, snapshots)
        report("snapshots", len(snapshots), len(snapshots))

        # A week of bookings: 2–4 sessions a day in most rooms, never overlapping (slots are disjoint).
        start_week = timezone.make_aware(
            dt.datetime.combine(today - dt.timedelta(days=today.weekday()), dt.time())
        )
        existing = set(RoomBooking.objects.filter(start__gte=start_week).values_list("room_id", "start"))
        slots = [(9, 3), (13, 3), (19, 4)]
        contracted_pairs = list(MCNContract.objects.order_by("pk").values_list("anchor_id", "mcn_id")[:5000])
        rng = random.Random(f"{seed}:bookings")
        bookings = []
        for room_id in room_ids:
            for day in range(7):
                for hour, length in slots:
                    if rng.random() < 0.35:
                        continue
                    start = start_week + dt.timedelta(days=day, hours=hour)
                    anchor_id, mcn_id = rng.choice(contracted_pairs)
                    booker = rng.random()
                    booking = RoomBooking(
                        room_id=room_id,
                        enterprise_id=mcn_id if booker < 0.6 else rng.choice(brand_ids or ent_ids),
                        anchor_id=anchor_id if booker < 0.6 else None,
                        start=start,
                        end=start + dt.timedelta(hours=length),
                        purpose=rng.choice(
                            ["日常直播", "新品首发", "专场直播", "达人带货", "品牌自播", "平台大促"]
                        ),
                    )
                    if (room_id, start) not in existing:
                        bookings.append(booking)
        RoomBooking.objects.bulk_create(bookings, batch_size=BATCH)
        report("bookings", len(bookings), len(bookings))

        _demo_users(
            mcn_ids[0], anchor_ids[0], [ent_by_uscc[e.uscc] for e in enterprises if "bank" in e.kinds]
        )
        counts = {
            "enterprises": Enterprise.objects.count(),
            "rooms": LiveRoom.objects.count(),
            "anchors": Anchor.objects.count(),
            "contracts": MCNContract.objects.count(),
            "accounts": PlatformAccount.objects.count(),
            "snapshots": FollowerSnapshot.objects.count(),
            "bookings": RoomBooking.objects.count(),
            "users": User.objects.count(),
        }
        if bookings or (anchors and len(contracts)):
            admin = User.objects.get(username="admin")
            AuditLog.objects.create(
                actor=None,
                actor_name="demo",
                channel="cli",
                action=AuditLog.Action.CREATE,
                object_type="demo",
                object_id=f"{scale}:{seed}",
                object_repr=f"demo park {scale} (seed {seed})",
                changes={k: [None, v] for k, v in counts.items()} | {"admin": [None, admin.pk]},
            )
    counting.bump("registry")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, so the planner picks the partial indexes for list pages
    return counts


def _demo_users(mcn_id: int, anchor_id: int, bank_ids: list[int]) -> None:
    mcn = Enterprise.objects.get(pk=mcn_id)
    with audit.channel("cli"):
        for username, role, label in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            user_create(
                actor=None,
                username=username,
                role=role,
                password=DEMO_PASSWORD,
                enterprise=Enterprise.objects.get(pk=bank_ids[0]) if role == Role.BANK_VIEWER else mcn,
                anchor=Anchor.objects.get(pk=anchor_id),
                display_name=label,
            )
