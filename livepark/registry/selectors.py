"""Every read of the registry, already scoped to the user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from livepark.core.scoping import get_scoped, require_right
from livepark.registry.models import Anchor, Enterprise, LiveRoom, MCNContract, PlatformAccount, RoomBooking
from livepark.registry.search import category_q, name_q


def region_prefix_q(region: str) -> Q:
    """Codes under a division: `33` or `330000` (province), `3301` (city), `330102` (district).

    A range rather than LIKE 'x%', so SQLite can use the index on region_code.
    """
    prefix = region.strip()
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    if not prefix.isdigit():
        return Q(pk__in=[])
    upper = str(int(prefix) + 1).zfill(len(prefix))
    return Q(region_code__gte=prefix, region_code__lt=upper)


def _scoped(model, user, archived: bool) -> QuerySet:
    """The user's rows of `model` (403 without the view right), live or archived."""
    require_right(user, model.scope_kind, "view")
    return model.objects.restrict(user, "view").filter(archived_at__isnull=not archived)


def enterprise_list(
    user,
    *,
    q: str | None = None,
    kind: str | None = None,
    industry: str | None = None,
    status: str | None = None,
    region: str | None = None,
    archived: bool = False,
) -> QuerySet[Enterprise]:
    """Enterprises the user may see, filtered; `region` matches a code prefix (province `33`, city `3301`)."""
    qs = _scoped(Enterprise, user, archived)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__iexact=q) | Q(contact_name__icontains=q))
    if kind:
        # kinds is a JSON list; matching the quoted value works on SQLite and PostgreSQL alike.
        qs = qs.filter(kinds__icontains=f'"{kind}"')
    if industry:
        qs = qs.filter(industry=industry)
    if status:
        qs = qs.filter(membership_status=status)
    if region:
        qs = qs.filter(region_prefix_q(region))
    return qs


def enterprise_get(user, pk: int, action: str = "view") -> Enterprise:
    """One enterprise in the user's scope (403 without the right, 404 outside scope)."""
    return get_scoped(Enterprise, user, pk, action)


def anchor_list(
    user,
    *,
    q: str | None = None,
    mode: str | None = None,
    level: str | None = None,
    status: str | None = None,
    region: str | None = None,
    category: str | None = None,
    mcn_id: int | None = None,
    archived: bool = False,
) -> QuerySet[Anchor]:
    """Anchors the user may see, filtered and searchable by stage or real name."""
    qs = _scoped(Anchor, user, archived)
    if q:
        qs = qs.filter(name_q(q))
    if mode:
        qs = qs.filter(mode=mode)
    if level:
        qs = qs.filter(level=level)
    if status:
        qs = qs.filter(status=status)
    if region:
        qs = qs.filter(region_prefix_q(region))
    if category:
        qs = qs.filter(category_q(category))
    if mcn_id:
        qs = qs.filter(
            pk__in=MCNContract.objects.filter(mcn_id=mcn_id, archived_at__isnull=True).values("anchor_id")
        )
    return qs


def anchor_get(user, pk: int, action: str = "view") -> Anchor:
    """One anchor in the user's scope."""
    return get_scoped(Anchor, user, pk, action)


def contract_list(user, *, anchor_id: int | None = None, mcn_id: int | None = None) -> QuerySet[MCNContract]:
    """MCN contracts the user may see."""
    qs = _scoped(MCNContract, user, False).select_related("anchor", "mcn")
    if anchor_id:
        qs = qs.filter(anchor_id=anchor_id)
    if mcn_id:
        qs = qs.filter(mcn_id=mcn_id)
    return qs


def account_list(
    user,
    *,
    q: str | None = None,
    platform: str | None = None,
    owner_anchor_id: int | None = None,
    owner_enterprise_id: int | None = None,
    min_followers: int | None = None,
    archived: bool = False,
) -> QuerySet[PlatformAccount]:
    """Platform accounts the user may see."""
    qs = _scoped(PlatformAccount, user, archived)
    if q:
        qs = qs.filter(Q(display_name__icontains=q) | Q(account_id__iexact=q))
    if platform:
        qs = qs.filter(platform=platform)
    if owner_anchor_id:
        qs = qs.filter(owner_anchor_id=owner_anchor_id)
    if owner_enterprise_id:
        qs = qs.filter(owner_enterprise_id=owner_enterprise_id)
    if min_followers is not None:
        qs = qs.filter(followers__gte=min_followers)
    return qs


def account_get(user, pk: int, action: str = "view") -> PlatformAccount:
    """One platform account in the user's scope."""
    return get_scoped(PlatformAccount, user, pk, action)


def followers_by_platform(user) -> list[dict]:
    """Total followers and account count per platform, over the accounts the user may see."""
    rows = (
        account_list(user)
        .values("platform")
        .annotate(total=Sum("followers"), accounts=Count("id"))
        .order_by("-total")
    )
    return [{"platform": r["platform"], "total": r["total"] or 0, "accounts": r["accounts"]} for r in rows]


def room_list(
    user,
    *,
    q: str | None = None,
    building: str | None = None,
    status: str | None = None,
    archived: bool = False,
) -> QuerySet[LiveRoom]:
    """Live rooms (visible to every role that books)."""
    qs = _scoped(LiveRoom, user, archived)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(building__icontains=q))
    if building:
        qs = qs.filter(building=building)
    if status:
        qs = qs.filter(status=status)
    return qs


def room_get(user, pk: int, action: str = "view") -> LiveRoom:
    """One live room."""
    return get_scoped(LiveRoom, user, pk, action)


def booking_list(
    user,
    *,
    room_id: int | None = None,
    enterprise_id: int | None = None,
    anchor_id: int | None = None,
    start_from: dt.datetime | None = None,
    start_to: dt.datetime | None = None,
    archived: bool = False,
) -> QuerySet[RoomBooking]:
    """Bookings the user may see; `start_from`/`start_to` bound the bookings that overlap that window."""
    qs = _scoped(RoomBooking, user, archived).select_related("room", "enterprise", "anchor")
    if room_id:
        qs = qs.filter(room_id=room_id)
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    if anchor_id:
        qs = qs.filter(anchor_id=anchor_id)
    if start_from:
        qs = qs.filter(end__gt=start_from)
    if start_to:
        qs = qs.filter(start__lt=start_to)
    return qs


def booking_get(user, pk: int, action: str = "view") -> RoomBooking:
    """One booking in the user's scope."""
    return get_scoped(RoomBooking, user, pk, action)


def week_start(day: dt.date | None = None) -> dt.datetime:
    """Monday 00:00 (Asia/Shanghai) of the week holding `day` (default today)."""
    day = day or timezone.localdate()
    monday = day - dt.timedelta(days=day.weekday())
    return timezone.make_aware(dt.datetime.combine(monday, dt.time()))


@dataclass(frozen=True)
class CalendarEntry:
    booking_id: int | None  # None: a slot held by someone outside the user's scope (shown as "busy")
    room_id: int
    start: dt.datetime
    end: dt.datetime
    label: str


def week_calendar(user, *, start: dt.datetime, room_ids: list[int] | None = None) -> list[CalendarEntry]:
    """Every live booking of the week: the user's own in full, everyone else's only as busy slots."""
    end = start + dt.timedelta(days=7)
    all_qs = RoomBooking.objects.filter(archived_at__isnull=True, start__lt=end, end__gt=start)
    if room_ids:
        all_qs = all_qs.filter(room_id__in=room_ids)
    visible = set(
        RoomBooking.objects.restrict(user, "view")
        .filter(pk__in=all_qs.values("pk"))
        .values_list("pk", flat=True)
    )
    out = []
    for b in all_qs.select_related("enterprise", "anchor").order_by("start"):
        if b.pk in visible:
            who = b.anchor.stage_name if b.anchor else b.enterprise.name
            out.append(CalendarEntry(b.pk, b.room_id, b.start, b.end, f"{who} {b.purpose}".strip()))
        else:
            out.append(CalendarEntry(None, b.room_id, b.start, b.end, "已占用"))
    return out


def room_occupancy(*, start: dt.datetime, days: int = 7, open_hours: int = 24) -> dict:
    """Booked hours over available room-hours in [start, start+days) for the rooms in service."""
    end = start + dt.timedelta(days=days)
    rooms = LiveRoom.objects.filter(archived_at__isnull=True).exclude(status="closed").count()
    booked = 0.0
    for b_start, b_end in RoomBooking.objects.filter(
        archived_at__isnull=True, start__lt=end, end__gt=start
    ).values_list("start", "end"):
        booked += (min(b_end, end) - max(b_start, start)).total_seconds() / 3600
    capacity = rooms * days * open_hours
    return {
        "rooms": rooms,
        "booked_hours": round(booked, 1),
        "capacity_hours": capacity,
        "rate": round(booked / capacity, 4) if capacity else 0.0,
    }


def enterprise_exists(pk: int) -> bool:
    """Whether a live enterprise `pk` exists (for other apps' validation; reveals nothing else)."""
    return Enterprise.objects.filter(pk=pk, archived_at__isnull=True).exists()


def enterprise_id_by_uscc(uscc: str) -> int | None:
    """The id of the live enterprise with this USCC (imports name enterprises by USCC)."""
    return (
        Enterprise.objects.filter(uscc=uscc.strip().upper(), archived_at__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )
