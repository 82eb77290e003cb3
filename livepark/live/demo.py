"""The demo park's live sessions: past sessions on the demo rooms, anchors and enterprises, with simulated
events in the event store, so the reports, the overviews and the sessions list are alive after ``make run``.

Deterministic for a seed and idempotent: session codes are ``demo-<seed>-<n>``; a second run skips the
sessions that exist. Events are appended *before* their sessions are saved, and the store drops event_ids it
holds, so a run that died half-way and is run again stores every event exactly once.

Needs the registry demo (rooms, anchors, contracts); uses the catalog's products on sale for the run-of-show
when the goods demo has made some (event ``product_id`` = the product's pk), else the simulator's ids.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import transaction
from django.utils import timezone

from livepark.catalog.models import Product, ProductStatus
from livepark.core import counting
from livepark.core.models import AuditLog, User
from livepark.engines.events import simulate
from livepark.live.models import LiveSession, RunOfShowItem, SessionStatus
from livepark.live.services import GROUP, event_store, events_append
from livepark.registry.models import Enterprise, LiveRoom, MCNContract, PlatformAccount


@dataclass(frozen=True)
class LiveScale:
    sessions: int
    days: int  # spread over the last `days` days
    viewers: tuple[int, int]  # per session, uniform in [lo, hi]


SCALES = {
    "small": LiveScale(sessions=10, days=7, viewers=(30, 120)),
    "base": LiveScale(sessions=300, days=30, viewers=(60, 900)),
    "town": LiveScale(sessions=600, days=45, viewers=(60, 1200)),
}
SLOTS = [(9, 2), (13, 3), (19, 3), (21, 2)]  # local start hour, hours
TITLES = ["日常直播", "新品首发", "品牌专场", "源头好货", "工厂直供", "618 大促", "宠粉福利", "达人带货"]
POINTS = [
    "开场福利：前 100 单赠品",
    "讲清材质与产地",
    "限时价：倒计时 5 分钟",
    "演示使用场景",
    "引导关注领券",
]
APPEND_ROWS = 200_000


def _remap_products(table: pa.Table, products: list[int]) -> tuple[pa.Table, list[int]]:
    """Replace the simulator's product ids (``<tag>-p<k>``) by catalog product pks; returns the table and the
    products in order of their first explain slot (the run-of-show)."""
    column = table["product_id"].combine_chunks().dictionary_encode()
    mapping = {
        v: str(products[int(v.rsplit("-p", 1)[1]) % len(products)]) for v in column.dictionary.to_pylist()
    }
    dictionary = pa.array([mapping[v] for v in column.dictionary.to_pylist()], pa.string())
    remapped = pa.DictionaryArray.from_arrays(column.indices, dictionary).cast(pa.string())
    table = table.set_column(table.schema.get_field_index("product_id"), "product_id", remapped)
    starts = table.filter(pc.equal(table["type"], "explain_start")).sort_by([("ts", "ascending")])
    order: list[int] = []
    for pid in starts["product_id"].to_pylist():
        if int(pid) not in order:
            order.append(int(pid))
    return table, order


def build_live_demo(
    scale: str = "base", seed: int = 2026, progress: Callable[[str, int, int], None] | None = None
) -> dict[str, int]:
    """Create (or complete) the demo's past live sessions and their events; returns counts afterwards.

    Small: 10 sessions (< 5 s); base: 300 (< 60 s); town: 600. Run after the registry demo (and the goods demo,
    for product names in the run-of-show).
    """
    spec = SCALES[scale]
    report = progress or (lambda step, done, total: None)
    rng = random.Random(f"{seed}:live")
    rooms = list(
        LiveRoom.objects.filter(archived_at__isnull=True, status="available")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    pairs = list(
        MCNContract.objects.filter(archived_at__isnull=True)
        .order_by("pk")
        .values_list("anchor_id", "mcn_id")[:2000]
    )
    if not rooms or not pairs:
        return {"live_sessions": LiveSession.objects.count(), "events": event_store().count()}
    brands = list(
        Enterprise.objects.filter(kinds__icontains='"brand"', archived_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    products = list(
        Product.objects.filter(status=ProductStatus.ACTIVE, archived_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:300]
    )
    accounts: dict[int, int] = {}
    for account_id, anchor_id in PlatformAccount.objects.filter(
        owner_anchor_id__in={a for a, _ in pairs}, archived_at__isnull=True
    ).values_list("pk", "owner_anchor_id"):
        accounts.setdefault(anchor_id, account_id)
    # The demo logins' anchor and enterprise get the first sessions, so their pages show data.
    demo_anchor = User.objects.filter(username="anchor").values_list("anchor_id", flat=True).first()
    demo_pair = next((p for p in pairs if p[0] == demo_anchor), None)

    today = timezone.localdate()
    combos = [
        (d, r, s) for d in range(1, spec.days + 1) for r in range(len(rooms)) for s in range(len(SLOTS))
    ]
    rng.shuffle(combos)
    plans: list[dict[str, Any]] = []
    for n, (day, room_index, slot) in enumerate(combos[: spec.sessions]):
        hour, hours = SLOTS[slot]
        start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=day), dt.time(hour)))
        anchor_id, mcn_id = demo_pair if (demo_pair and n % 5 == 0) else rng.choice(pairs)
        seller = mcn_id if (rng.random() < 0.6 or not brands) else rng.choice(brands)
        plans.append(
            {
                "code": f"demo-{seed}-{n:04d}",
                "title": f"{rng.choice(TITLES)} · {start:%m月%d日}",
                "room_id": rooms[room_index],
                "anchor_id": anchor_id,
                "enterprise_id": seller,
                "account_id": accounts.get(anchor_id),
                "start": start,
                "minutes": min(hours * 60, rng.choice([60, 90, 120, 150, 180])),
                "viewers": rng.randint(*spec.viewers),
                "sim_seed": rng.randrange(1 << 30),
                "talk": rng.sample(POINTS, 2),
            }
        )
    existing = set(
        LiveSession.objects.filter(code__in=[p["code"] for p in plans]).values_list("code", flat=True)
    )
    todo = [p for p in plans if p["code"] not in existing]

    # Events first (idempotent through the store), then the sessions.
    pending: list[pa.Table] = []
    rows = events = 0
    for i, p in enumerate(todo):
        table = simulate(
            p["code"],
            viewers=p["viewers"],
            seed=p["sim_seed"],
            minutes=p["minutes"],
            start=p["start"],
            dup_share=0.01,
            disorder_share=0.02,
        )
        p["ended"] = p["start"] + dt.timedelta(minutes=p["minutes"])
        p["show"] = []
        if products:
            table, p["show"] = _remap_products(table, rng.sample(products, min(len(products), 40)))
        pending.append(table.replace_schema_metadata(None))
        rows += table.num_rows
        if rows >= APPEND_ROWS or i == len(todo) - 1:
            result = events_append(pa.concat_tables(pending))
            events += result.accepted
            pending, rows = [], 0
        report("live sessions (events)", i + 1, len(todo))

    with transaction.atomic():
        sessions = [
            LiveSession(
                code=p["code"],
                title=p["title"],
                room_id=p["room_id"],
                anchor_id=p["anchor_id"],
                enterprise_id=p["enterprise_id"],
                account_id=p["account_id"],
                planned_start=p["start"],
                planned_end=p["ended"],
                started_at=p["start"],
                ended_at=p["ended"],
                status=SessionStatus.ENDED,
            )
            for p in todo
        ]
        LiveSession.objects.bulk_create(sessions, ignore_conflicts=True)
        ids = dict(LiveSession.objects.filter(code__in=[p["code"] for p in todo]).values_list("code", "pk"))
        items = [
            RunOfShowItem(
                session_id=ids[p["code"]],
                position=k + 1,
                product_id=product_id,
                planned_minutes=max(1, p["minutes"] // max(1, len(p["show"]))),
                talking_points=p["talk"][k % 2],
            )
            for p in todo
            for k, product_id in enumerate(p["show"])
        ]
        RunOfShowItem.objects.bulk_create(items, ignore_conflicts=True)
        counts = {"live_sessions": LiveSession.objects.count(), "events": event_store().count()}
        if todo:
            counting.bump(GROUP)
            AuditLog.objects.create(
                actor=None,
                actor_name="demo",
                channel="cli",
                action=AuditLog.Action.CREATE,
                object_type="demo",
                object_id=f"live:{scale}:{seed}",
                object_repr=f"demo live sessions {scale} (seed {seed})",
                changes={"live_sessions": [None, len(todo)], "events": [None, events]},
            )
    report("live sessions", len(todo), len(todo))
    return counts
