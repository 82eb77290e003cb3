"""Every write on the registry: validated, scoped to the actor, one transaction, audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from livepark.core import crypto
from livepark.core.errors import Conflict, FieldErrors, Invalid
from livepark.core.regions import region_name
from livepark.core.roles import Role
from livepark.core.scoping import require_right
from livepark.core.servicekit import (
    apply,
    archive,
    choice,
    choice_list,
    decimal,
    required_text,
    save_audited,
    scoped_for_update,
)
from livepark.core.validators import clean_phone, clean_region_code, clean_resident_id, clean_uscc
from livepark.registry.choices import (
    AnchorLevel,
    AnchorMode,
    AnchorStatus,
    EnterpriseKind,
    IndustryTrack,
    MembershipStatus,
    Platform,
    RoomStatus,
)
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

#: Allowed membership moves; `left` is final.
MEMBERSHIP_MOVES = {
    MembershipStatus.APPLIED: {MembershipStatus.ADMITTED, MembershipStatus.LEFT},
    MembershipStatus.ADMITTED: {MembershipStatus.SUSPENDED, MembershipStatus.LEFT},
    MembershipStatus.SUSPENDED: {MembershipStatus.ADMITTED, MembershipStatus.LEFT},
    MembershipStatus.LEFT: set(),
}
MEMBERSHIP_DATE = {
    MembershipStatus.APPLIED: "applied_on",
    MembershipStatus.ADMITTED: "admitted_on",
    MembershipStatus.SUSPENDED: "suspended_on",
    MembershipStatus.LEFT: "left_on",
}
MAX_BOOKING = dt.timedelta(hours=24)


# --- enterprises -------------------------------------------------------------------------------------------


def _clean_enterprise(data: dict[str, Any], *, instance: Enterprise | None) -> dict[str, Any]:
    errors = FieldErrors()
    out: dict[str, Any] = {}
    if instance is None or "name" in data:
        out["name"] = required_text(errors, "name", data.get("name"), 128)
    if instance is None or "uscc" in data:
        uscc = errors.check("uscc", clean_uscc, (data.get("uscc") or "").strip().upper())
        if uscc and Enterprise.objects.filter(uscc=uscc).exclude(pk=getattr(instance, "pk", None)).exists():
            errors.add("uscc", "该统一社会信用代码已登记 / already registered")
        out["uscc"] = uscc
    if instance is None or "kinds" in data:
        out["kinds"] = choice_list(errors, "kinds", data.get("kinds") or [], EnterpriseKind, required=True)
    if instance is None or "region_code" in data:
        code = errors.check("region_code", clean_region_code, data.get("region_code") or "")
        out["region_code"] = code
        out["region_name"] = region_name(code) or ""
    for name, length in (("address", 200), ("contact_name", 32)):
        if name in data:
            value = (data.get(name) or "").strip()
            if len(value) > length:
                errors.add(name, f"最多 {length} 个字符 / at most {length} characters")
            out[name] = value
    if "industry" in data:
        choice(errors, "industry", data["industry"], IndustryTrack)
        out["industry"] = data["industry"]
    if data.get("contact_phone"):
        phone = errors.check("contact_phone", clean_phone, data["contact_phone"])
        out["contact_phone_enc"] = crypto.encrypt(phone)
        out["contact_phone_masked"] = crypto.mask_phone(phone)
    if instance is None and data.get("membership_status"):
        choice(errors, "membership_status", data["membership_status"], MembershipStatus)
        out["membership_status"] = data["membership_status"]
    for name in ("applied_on", "admitted_on", "suspended_on", "left_on"):
        if name in data:
            out[name] = data[name]
    errors.raise_if_any()
    return out


@transaction.atomic
def enterprise_create(*, actor, data: dict[str, Any]) -> Enterprise:
    """Register an enterprise (park admin). USCC checked and unique, region known, kinds from the list."""
    require_right(actor, "enterprise", "create")
    fields = _clean_enterprise(data, instance=None)
    status = fields.get("membership_status", MembershipStatus.APPLIED)
    date_field = MEMBERSHIP_DATE[status]
    fields.setdefault(date_field, timezone.localdate())
    enterprise = Enterprise(**fields)
    try:
        with transaction.atomic():
            save_audited(actor=actor, obj=enterprise, before=None)
    except IntegrityError:
        raise Invalid.field("uscc", "该统一社会信用代码已登记 / already registered", "unique") from None
    return enterprise


@transaction.atomic
def enterprise_update(*, actor, pk: int, data: dict[str, Any]) -> Enterprise:
    """Change an enterprise; owners change their own, only the park admin moves membership status."""
    enterprise = scoped_for_update(Enterprise, actor, pk)
    data = dict(data)
    status = data.pop("membership_status", None)
    if actor.role != Role.PARK_ADMIN and not actor.is_superuser:
        for locked in ("uscc", "kinds", "applied_on", "admitted_on", "suspended_on", "left_on"):
            if locked in data and data[locked] != getattr(enterprise, locked):
                raise Invalid.field(
                    locked, "只有园区管理员可以修改 / only the park admin may change this", "locked"
                )
        if status and status != enterprise.membership_status:
            raise Invalid.field("membership_status", "只有园区管理员可以修改 / only the park admin", "locked")
    fields = _clean_enterprise(data, instance=enterprise)
    before = apply(enterprise, fields)
    if status and status != enterprise.membership_status:
        _move_membership(enterprise, status)
    save_audited(actor=actor, obj=enterprise, before=before)
    return enterprise


def _move_membership(enterprise: Enterprise, status: str) -> None:
    if status not in MembershipStatus.values:
        raise Invalid.field(
            "membership_status", f"must be one of: {', '.join(MembershipStatus.values)}", "choice"
        )
    current = MembershipStatus(enterprise.membership_status)
    if status not in MEMBERSHIP_MOVES[current]:
        raise Invalid.field(
            "membership_status",
            f"不能从 {current.value} 变为 {status} / cannot move from {current.value} to {status}",
            "transition",
        )
    enterprise.membership_status = status
    setattr(enterprise, MEMBERSHIP_DATE[MembershipStatus(status)], timezone.localdate())


@transaction.atomic
def enterprise_archive(*, actor, pk: int) -> Enterprise:
    """Archive an enterprise (hidden from lists, history kept)."""
    enterprise = scoped_for_update(Enterprise, actor, pk, "archive")
    archive(actor=actor, obj=enterprise)
    return enterprise


# --- anchors -----------------------------------------------------------------------------------------------


def _clean_anchor(data: dict[str, Any], *, instance: Anchor | None) -> dict[str, Any]:
    errors = FieldErrors()
    out: dict[str, Any] = {}
    if instance is None or "real_name" in data:
        out["real_name"] = required_text(errors, "real_name", data.get("real_name"), 32)
    if instance is None or "stage_name" in data:
        out["stage_name"] = required_text(errors, "stage_name", data.get("stage_name"), 64)
    if instance is None or "id_number" in data:
        number = errors.check("id_number", clean_resident_id, (data.get("id_number") or "").strip().upper())
        if number and "id_number" not in errors.fields:
            digest = crypto.blind_index(number)
            if (
                Anchor.objects.filter(id_number_hash=digest)
                .exclude(pk=getattr(instance, "pk", None))
                .exists()
            ):
                errors.add("id_number", "该身份证号已登记 / already registered")
            out.update(
                id_number_enc=crypto.encrypt(number),
                id_number_hash=digest,
                id_number_masked=crypto.mask_id_number(number),
            )
    if instance is None or "region_code" in data:
        code = errors.check("region_code", clean_region_code, data.get("region_code") or "")
        out["region_code"] = code
        out["region_name"] = region_name(code) or ""
    for name, choices in (("mode", AnchorMode), ("level", AnchorLevel), ("status", AnchorStatus)):
        if name in data and data[name] is not None:
            choice(errors, name, data[name], choices)
            out[name] = data[name]
    if "categories" in data:
        cats = data.get("categories") or []
        choice_list(errors, "categories", cats, IndustryTrack, required=False)
        out["categories"] = sorted(set(cats)) if isinstance(cats, list) else []
    errors.raise_if_any()
    return out


@transaction.atomic
def anchor_create(*, actor, data: dict[str, Any], mcn_id: int | None = None) -> Anchor:
    """Register an anchor. An MCN owner's new anchor is contracted to that MCN from today."""
    require_right(actor, "anchor", "create")
    if actor.role == Role.ENTERPRISE_OWNER:
        mcn = actor.enterprise
        if mcn is None or EnterpriseKind.MCN not in mcn.kinds:
            raise Invalid.field(
                "mcn_id", "只有 MCN 机构可以登记主播 / only MCN agencies register anchors", "kind"
            )
        mcn_id = mcn.pk
    anchor = Anchor(**_clean_anchor(data, instance=None))
    try:
        with transaction.atomic():
            save_audited(actor=actor, obj=anchor, before=None)
    except IntegrityError:
        raise Invalid.field("id_number", "该身份证号已登记 / already registered", "unique") from None
    anchor_reindex(anchor)
    if mcn_id is not None:
        contract_create(
            actor=actor,
            data={
                "anchor_id": anchor.pk,
                "mcn_id": mcn_id,
                "start_on": timezone.localdate(),
                "revenue_share": "30",
            },
            _skip_scope=True,
        )
    return anchor


@transaction.atomic
def anchor_update(*, actor, pk: int, data: dict[str, Any]) -> Anchor:
    """Change an anchor's record; an anchor cannot change its own level or status."""
    anchor = scoped_for_update(Anchor, actor, pk)
    if actor.role == Role.ANCHOR:
        for locked in ("level", "status", "id_number", "real_name"):
            if locked in data:
                raise Invalid.field(locked, "主播本人不能修改此项 / anchors cannot change this", "locked")
    fields = _clean_anchor(data, instance=anchor)
    before = apply(anchor, fields)
    save_audited(actor=actor, obj=anchor, before=before)
    anchor_reindex(anchor)
    return anchor


def anchor_reindex(anchor: Anchor) -> None:
    """Rebuild the anchor's search terms (names and categories)."""
    AnchorSearchTerm.objects.filter(anchor=anchor).delete()
    terms = anchor_terms(
        stage_name=anchor.stage_name, real_name=anchor.real_name, categories=anchor.categories
    )
    AnchorSearchTerm.objects.bulk_create([AnchorSearchTerm(anchor=anchor, term=t) for t in sorted(terms)])


@transaction.atomic
def anchor_archive(*, actor, pk: int) -> Anchor:
    """Archive an anchor."""
    anchor = scoped_for_update(Anchor, actor, pk, "archive")
    archive(actor=actor, obj=anchor)
    return anchor


# --- MCN contracts -----------------------------------------------------------------------------------------


@transaction.atomic
def contract_create(*, actor, data: dict[str, Any], _skip_scope: bool = False) -> MCNContract:
    """Sign an anchor to an MCN; an anchor has at most one live contract at any date."""
    errors = FieldErrors()
    if not _skip_scope:
        require_right(actor, "contract", "create")
    mcn = Enterprise.objects.filter(pk=data.get("mcn_id"), archived_at__isnull=True).first()
    if mcn is None or EnterpriseKind.MCN not in mcn.kinds:
        errors.add("mcn_id", "应为已登记的 MCN 机构 / must be a registered MCN agency")
    elif not _skip_scope and actor.role == Role.ENTERPRISE_OWNER and mcn.pk != actor.enterprise_id:
        errors.add("mcn_id", "只能为本机构签约 / only for your own agency")
    anchor = Anchor.objects.filter(pk=data.get("anchor_id"), archived_at__isnull=True).first()
    if anchor is None:
        errors.add("anchor_id", "主播不存在 / unknown anchor")
    start, end = data.get("start_on"), data.get("end_on")
    if not isinstance(start, dt.date):
        errors.add("start_on", "必填日期 / a date is required")
    if end is not None and isinstance(start, dt.date) and end < start:
        errors.add("end_on", "结束日期不能早于开始日期 / must not be before start_on")
    share = decimal(errors, "revenue_share", data.get("revenue_share"), Decimal(0), Decimal(100))
    errors.raise_if_any()
    overlapping = MCNContract.objects.filter(anchor=anchor, archived_at__isnull=True).exclude(
        end_on__lt=start
    )
    if end is not None:
        overlapping = overlapping.exclude(start_on__gt=end)
    if overlapping.exists():
        raise Conflict(
            "该主播在此期间已有合约 / the anchor already has a contract in this period",
            fields={"start_on": ["overlaps an existing contract"]},
            code="contract_overlap",
        )
    contract = MCNContract(anchor=anchor, mcn=mcn, start_on=start, end_on=end, revenue_share=share)
    save_audited(actor=actor, obj=contract, before=None)
    return contract


@transaction.atomic
def contract_end(*, actor, pk: int, end_on: dt.date) -> MCNContract:
    """End a contract on a date (not before it started)."""
    contract = scoped_for_update(MCNContract, actor, pk)
    if end_on < contract.start_on:
        raise Invalid.field("end_on", "结束日期不能早于开始日期 / must not be before start_on", "range")
    before = apply(contract, {"end_on": end_on})
    save_audited(actor=actor, obj=contract, before=before)
    return contract


# --- platform accounts -------------------------------------------------------------------------------------


def _owner_in_scope(actor, *, anchor_id: int | None, enterprise_id: int | None) -> bool:
    if actor.role == Role.PARK_ADMIN or actor.is_superuser:
        return True
    if actor.role == Role.ANCHOR:
        return anchor_id is not None and anchor_id == actor.anchor_id and enterprise_id is None
    if enterprise_id is not None:
        return enterprise_id == actor.enterprise_id
    return (
        Anchor.objects.restrict(actor, "change" if actor.role == Role.ENTERPRISE_OWNER else "view")
        .filter(pk=anchor_id)
        .exists()
    )


def _clean_followers(errors: FieldErrors, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors.add("followers", "粉丝数应为非负整数 / must be a non-negative integer")
        return 0
    return value


@transaction.atomic
def account_create(*, actor, data: dict[str, Any]) -> PlatformAccount:
    """Register a platform account owned by exactly one anchor or enterprise; unique per platform."""
    require_right(actor, "account", "create")
    errors = FieldErrors()
    anchor_id, enterprise_id = data.get("owner_anchor_id"), data.get("owner_enterprise_id")
    if (anchor_id is None) == (enterprise_id is None):
        errors.add(
            "owner_anchor_id", "须指定主播或企业之一 / exactly one of owner_anchor_id, owner_enterprise_id"
        )
    elif anchor_id is not None and not Anchor.objects.filter(pk=anchor_id).exists():
        errors.add("owner_anchor_id", "主播不存在 / unknown anchor")
    elif enterprise_id is not None and not Enterprise.objects.filter(pk=enterprise_id).exists():
        errors.add("owner_enterprise_id", "企业不存在 / unknown enterprise")
    elif not _owner_in_scope(actor, anchor_id=anchor_id, enterprise_id=enterprise_id):
        errors.add("owner_anchor_id" if anchor_id else "owner_enterprise_id", "不在您的管理范围 / not yours")
    platform = data.get("platform")
    choice(errors, "platform", platform, Platform)
    account_id = required_text(errors, "account_id", data.get("account_id"), 64)
    display_name = required_text(errors, "display_name", data.get("display_name"), 64)
    followers = _clean_followers(errors, data.get("followers", 0))
    if account_id and PlatformAccount.objects.filter(platform=platform, account_id=account_id).exists():
        errors.add("account_id", "该平台账号已登记 / this account is already registered on the platform")
    errors.raise_if_any()
    now = timezone.now()
    account = PlatformAccount(
        owner_anchor_id=anchor_id,
        owner_enterprise_id=enterprise_id,
        platform=platform,
        account_id=account_id,
        display_name=display_name,
        followers=followers,
        followers_at=now,
    )
    try:
        with transaction.atomic():
            save_audited(actor=actor, obj=account, before=None)
    except IntegrityError:
        raise Invalid.field("account_id", "该平台账号已登记 / already registered", "unique") from None
    FollowerSnapshot.objects.create(account=account, at=now, followers=followers)
    return account


@transaction.atomic
def account_update(*, actor, pk: int, data: dict[str, Any]) -> PlatformAccount:
    """Rename an account or record a new follower count (kept as a snapshot)."""
    account = scoped_for_update(PlatformAccount, actor, pk)
    errors = FieldErrors()
    fields: dict[str, Any] = {}
    if "display_name" in data:
        fields["display_name"] = required_text(errors, "display_name", data["display_name"], 64)
    for locked in ("platform", "account_id", "owner_anchor_id", "owner_enterprise_id"):
        if locked in data and data[locked] != getattr(account, locked):
            errors.add(locked, "登记后不能修改 / cannot change after registration")
    if "followers" in data:
        fields["followers"] = _clean_followers(errors, data["followers"])
    errors.raise_if_any()
    if "followers" in fields:
        fields["followers_at"] = timezone.now()
    before = apply(account, fields)
    save_audited(actor=actor, obj=account, before=before)
    if "followers" in fields:
        record_followers(account=account, followers=fields["followers"], at=fields["followers_at"])
    return account


def record_followers(*, account: PlatformAccount, followers: int, at: dt.datetime) -> FollowerSnapshot:
    """Append a follower snapshot (idempotent per account and time)."""
    snap, _ = FollowerSnapshot.objects.update_or_create(
        account=account, at=at, defaults={"followers": followers}
    )
    return snap


@transaction.atomic
def account_archive(*, actor, pk: int) -> PlatformAccount:
    """Archive a platform account."""
    account = scoped_for_update(PlatformAccount, actor, pk, "archive")
    archive(actor=actor, obj=account)
    return account


# --- rooms -------------------------------------------------------------------------------------------------


def _clean_room(data: dict[str, Any], *, instance: LiveRoom | None) -> dict[str, Any]:
    errors = FieldErrors()
    out: dict[str, Any] = {}
    if instance is None or "building" in data:
        out["building"] = required_text(errors, "building", data.get("building"), 32)
    if instance is None or "number" in data:
        out["number"] = required_text(errors, "number", data.get("number"), 16)
    for name, lo, hi in (("floor", -5, 200), ("capacity", 1, 1000), ("hourly_price_fen", 0, 100_000_000)):
        if instance is None or name in data:
            value = data.get(name)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                errors.add(name, f"应为 {lo} 到 {hi} 之间的整数 / must be an integer from {lo} to {hi}")
            out[name] = value
    if instance is None or "area_m2" in data:
        out["area_m2"] = decimal(errors, "area_m2", data.get("area_m2"), Decimal("1"), Decimal("100000"))
    if "equipment" in data:
        eq = data.get("equipment") or []
        if not isinstance(eq, list) or not all(isinstance(e, str) and 0 < len(e) <= 64 for e in eq):
            errors.add("equipment", "应为设备名称列表 / must be a list of equipment names")
        out["equipment"] = eq
    if "status" in data:
        choice(errors, "status", data["status"], RoomStatus)
        out["status"] = data["status"]
    building = out.get("building", getattr(instance, "building", None))
    number = out.get("number", getattr(instance, "number", None))
    clash = LiveRoom.objects.filter(building=building, number=number).exclude(
        pk=getattr(instance, "pk", None)
    )
    if building and number and clash.exists():
        errors.add("number", "该楼栋已有此房间号 / this room number exists in the building")
    errors.raise_if_any()
    return out


@transaction.atomic
def room_create(*, actor, data: dict[str, Any]) -> LiveRoom:
    """Add a live room (park admin)."""
    require_right(actor, "room", "create")
    room = LiveRoom(**_clean_room(data, instance=None))
    save_audited(actor=actor, obj=room, before=None)
    return room


@transaction.atomic
def room_update(*, actor, pk: int, data: dict[str, Any]) -> LiveRoom:
    """Change a live room (park admin)."""
    room = scoped_for_update(LiveRoom, actor, pk)
    before = apply(room, _clean_room(data, instance=room))
    save_audited(actor=actor, obj=room, before=before)
    return room


@transaction.atomic
def room_archive(*, actor, pk: int) -> LiveRoom:
    """Retire a live room; its future bookings must be cancelled first."""
    room = scoped_for_update(LiveRoom, actor, pk, "archive")
    if RoomBooking.objects.filter(room=room, archived_at__isnull=True, end__gt=timezone.now()).exists():
        raise Conflict("直播间仍有未来预订 / the room still has future bookings", code="room_in_use")
    archive(actor=actor, obj=room)
    return room


# --- bookings ----------------------------------------------------------------------------------------------


def _clean_booking(actor, data: dict[str, Any], *, instance: RoomBooking | None) -> dict[str, Any]:
    errors = FieldErrors()
    merged = {
        "room_id": getattr(instance, "room_id", None),
        "enterprise_id": getattr(instance, "enterprise_id", None),
        "anchor_id": getattr(instance, "anchor_id", None),
        "start": getattr(instance, "start", None),
        "end": getattr(instance, "end", None),
        "purpose": getattr(instance, "purpose", ""),
    }
    merged.update({k: v for k, v in data.items() if k in merged})
    room = LiveRoom.objects.filter(pk=merged["room_id"], archived_at__isnull=True).first()
    if room is None:
        errors.add("room_id", "直播间不存在 / unknown room")
    elif room.status != RoomStatus.AVAILABLE:
        errors.add("room_id", "直播间当前不可预订 / the room is not available for booking")
    start, end = merged["start"], merged["end"]
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, dt.datetime):
            errors.add(name, "必填时间 / a date-time is required")
        elif timezone.is_naive(value):
            errors.add(name, "须带时区 / must carry a UTC offset (ISO 8601)")
    if not errors.fields.get("start") and not errors.fields.get("end"):
        if end <= start:
            errors.add("end", "结束时间须晚于开始时间 / must be after start")
        elif end - start > MAX_BOOKING:
            errors.add("end", "单次预订不超过 24 小时 / a booking lasts at most 24 hours")
    # Who books: an anchor books for itself; enterprise staff for their enterprise (and its contracted anchors).
    if actor.role == Role.ANCHOR:
        merged["anchor_id"] = actor.anchor_id
        if data.get("enterprise_id") not in (None, getattr(instance, "enterprise_id", None)):
            errors.add("enterprise_id", "主播预订不能指定企业 / anchors book for themselves")
    elif actor.role in (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF):
        merged["enterprise_id"] = actor.enterprise_id
    if merged["enterprise_id"] is None and merged["anchor_id"] is None:
        errors.add("enterprise_id", "须指定预订企业或主播 / an enterprise or an anchor is required")
    if (
        merged["enterprise_id"] is not None
        and not Enterprise.objects.filter(pk=merged["enterprise_id"], archived_at__isnull=True).exists()
    ):
        errors.add("enterprise_id", "企业不存在 / unknown enterprise")
    if merged["anchor_id"] is not None:
        anchors = Anchor.objects.filter(archived_at__isnull=True)
        if actor.role in (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF):
            anchors = anchors.restrict(actor, "view")
        if not anchors.filter(pk=merged["anchor_id"]).exists():
            errors.add("anchor_id", "主播不存在或未与本企业签约 / unknown anchor or not contracted to you")
    purpose = (merged["purpose"] or "").strip()
    if len(purpose) > 200:
        errors.add("purpose", "最多 200 个字符 / at most 200 characters")
    errors.raise_if_any()
    merged["purpose"] = purpose
    return merged


def booking_conflicts(*, room_id: int, start: dt.datetime, end: dt.datetime, exclude_pk: int | None = None):
    """Live bookings of the room that overlap [start, end)."""
    return (
        RoomBooking.objects.filter(room_id=room_id, archived_at__isnull=True, start__lt=end, end__gt=start)
        .exclude(pk=exclude_pk)
        .order_by("start")
    )


def _raise_overlap(room_id: int, start, end, exclude_pk=None) -> None:
    clash = booking_conflicts(room_id=room_id, start=start, end=end, exclude_pk=exclude_pk).first()
    if clash is not None:
        local = timezone.localtime
        raise Conflict(
            f"与已有预订冲突 / overlaps booking {clash.pk} "
            f"({local(clash.start):%Y-%m-%d %H:%M}–{local(clash.end):%H:%M})",
            fields={"start": [f"overlaps booking {clash.pk}"], "end": [f"overlaps booking {clash.pk}"]},
            code="booking_overlap",
        )


def _save_booking(*, actor, booking: RoomBooking, before) -> None:
    # The check gives a clear answer; on PostgreSQL the exclusion constraint settles races the check can miss,
    # and on SQLite the IMMEDIATE transaction already serializes writers so the check cannot be raced.
    _raise_overlap(booking.room_id, booking.start, booking.end, booking.pk)
    try:
        with transaction.atomic():
            save_audited(actor=actor, obj=booking, before=before)
    except IntegrityError as exc:
        if "booking_no_overlap" in str(exc):
            raise Conflict(
                "与已有预订冲突 / overlaps another booking",
                fields={"start": ["overlaps another booking"]},
                code="booking_overlap",
            ) from None
        raise


@transaction.atomic
def booking_create(*, actor, data: dict[str, Any]) -> RoomBooking:
    """Book a room for [start, end); refused with 409 when it overlaps a live booking of that room."""
    require_right(actor, "booking", "create")
    fields = _clean_booking(actor, data, instance=None)
    # Lock the room row so concurrent bookings of one room queue up (PostgreSQL); SQLite is already serialized.
    LiveRoom.objects.select_for_update().filter(pk=fields["room_id"]).first()
    booking = RoomBooking(**fields)
    _save_booking(actor=actor, booking=booking, before=None)
    return booking


@transaction.atomic
def booking_update(*, actor, pk: int, data: dict[str, Any]) -> RoomBooking:
    """Move or change a booking; the same overlap rule applies."""
    booking = scoped_for_update(RoomBooking, actor, pk)
    fields = _clean_booking(actor, data, instance=booking)
    before = apply(booking, fields)
    _save_booking(actor=actor, booking=booking, before=before)
    return booking


@transaction.atomic
def booking_archive(*, actor, pk: int) -> RoomBooking:
    """Cancel a booking (it stays in the history)."""
    booking = scoped_for_update(RoomBooking, actor, pk, "archive")
    archive(actor=actor, obj=booking)
    return booking
