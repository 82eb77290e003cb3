"""The base's system of record: enterprises, anchors, MCN contracts, platform accounts, live rooms, bookings.

Each model says which rows a user reaches (`scope`); `Model.objects.restrict(user, action)` applies it.
"""

from __future__ import annotations

from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from livepark.core.db import PostgresExclusionConstraint, TsTzRange
from livepark.core.models import Timestamped
from livepark.core.roles import Role
from livepark.core.scoping import NOTHING
from livepark.registry.choices import (
    AnchorLevel,
    AnchorMode,
    AnchorStatus,
    IndustryTrack,
    MembershipStatus,
    Platform,
    RoomStatus,
)

ENTERPRISE_MEMBER_ROLES = (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF, Role.BANK_VIEWER)
LIVE = Q(archived_at__isnull=True)


def contracted_anchor_ids(enterprise_id: int):
    """Subquery: anchors under a live contract with the enterprise (for an MCN, its anchors).

    A subquery rather than a join, so scoped lists need no DISTINCT.
    """
    return MCNContract.objects.filter(mcn_id=enterprise_id, archived_at__isnull=True).values("anchor_id")


class Enterprise(Timestamped):
    scope_kind = "enterprise"

    name = models.CharField(_("企业名称"), max_length=128, db_index=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    kinds = models.JSONField(_("企业类型"), default=list)
    region_code = models.CharField(_("行政区划代码"), max_length=6)
    region_name = models.CharField(_("行政区划"), max_length=64)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    industry = models.CharField(_("产业赛道"), max_length=32, choices=IndustryTrack.choices, default="other")
    membership_status = models.CharField(
        _("入驻状态"), max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.APPLIED
    )
    applied_on = models.DateField(_("申请日期"), null=True, blank=True)
    admitted_on = models.DateField(_("入驻日期"), null=True, blank=True)
    suspended_on = models.DateField(_("暂停日期"), null=True, blank=True)
    left_on = models.DateField(_("退出日期"), null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone_enc = models.TextField(_("联系电话（密文）"), blank=True)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)

    audit_exclude = ("contact_phone_enc",)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["membership_status", "industry"])]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """Members reach their own enterprise; brokers and inspectors, who serve every firm, may view all;
        an anchor views the MCNs it is contracted to."""
        if user.role in ENTERPRISE_MEMBER_ROLES and user.enterprise_id:
            return Q(pk=user.enterprise_id)
        if action == "view" and user.role in (Role.CUSTOMS_BROKER, Role.QC_INSPECTOR):
            return Q()
        if action == "view" and user.role == Role.ANCHOR and user.anchor_id:
            return Q(
                pk__in=MCNContract.objects.filter(anchor_id=user.anchor_id, archived_at__isnull=True).values(
                    "mcn_id"
                )
            )
        return NOTHING


class Anchor(Timestamped):
    scope_kind = "anchor"

    real_name = models.CharField(_("真实姓名"), max_length=32)
    id_number_enc = models.TextField(_("身份证号（密文）"))
    id_number_hash = models.CharField(_("身份证号索引"), max_length=64, unique=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18)
    stage_name = models.CharField(_("艺名"), max_length=64, db_index=True)
    mode = models.CharField(
        _("直播方式"), max_length=8, choices=AnchorMode.choices, default=AnchorMode.ONSITE
    )
    region_code = models.CharField(_("籍贯/常驻地代码"), max_length=6)
    region_name = models.CharField(_("籍贯/常驻地"), max_length=64)
    categories = models.JSONField(_("擅长品类"), default=list, blank=True)
    level = models.CharField(_("等级"), max_length=2, choices=AnchorLevel.choices, default=AnchorLevel.C)
    status = models.CharField(
        _("状态"), max_length=8, choices=AnchorStatus.choices, default=AnchorStatus.ACTIVE
    )

    audit_exclude = ("id_number_enc", "id_number_hash")

    class Meta:
        verbose_name = _("主播")
        verbose_name_plural = _("主播")
        ordering = ["id"]
        # Partial indexes over live rows: a filtered page's COUNT(*) reads an index range, not 130,000 rows.
        indexes = [
            models.Index(fields=["status", "mode", "level"], condition=LIVE, name="anchor_status_mode_level"),
            models.Index(fields=["mode", "level"], condition=LIVE, name="anchor_mode_level"),
            models.Index(fields=["level"], condition=LIVE, name="anchor_level"),
            models.Index(fields=["region_code"], condition=LIVE, name="anchor_region"),
        ]

    def __str__(self) -> str:
        return self.stage_name

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """An anchor reaches itself; an enterprise its contracted anchors."""
        if user.role == Role.ANCHOR and user.anchor_id:
            return Q(pk=user.anchor_id)
        if user.role in ENTERPRISE_MEMBER_ROLES and user.enterprise_id:
            return Q(pk__in=contracted_anchor_ids(user.enterprise_id))
        return NOTHING


class AnchorSearchTerm(models.Model):
    """Derived search index of anchors (see `registry.search`); rebuilt by the services on every change."""

    anchor = models.ForeignKey(Anchor, on_delete=models.CASCADE, related_name="search_terms")
    term = models.CharField(max_length=24)

    class Meta:
        verbose_name = _("主播检索词")
        verbose_name_plural = _("主播检索词")
        constraints = [models.UniqueConstraint(fields=["term", "anchor"], name="anchor_term_unique")]

    def __str__(self) -> str:
        return self.term


class MCNContract(Timestamped):
    scope_kind = "contract"

    anchor = models.ForeignKey(
        Anchor, verbose_name=_("主播"), on_delete=models.PROTECT, related_name="contracts"
    )
    mcn = models.ForeignKey(
        Enterprise, verbose_name=_("MCN 机构"), on_delete=models.PROTECT, related_name="mcn_contracts"
    )
    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("结束日期"), null=True, blank=True)
    revenue_share = models.DecimalField(
        _("机构分成比例 (%)"), max_digits=5, decimal_places=2, help_text=_("MCN 机构所得佣金的百分比")
    )

    class Meta:
        verbose_name = _("MCN 合约")
        verbose_name_plural = _("MCN 合约")
        ordering = ["-start_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=F("start_on")),
                name="contract_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(revenue_share__gte=0) & Q(revenue_share__lte=100), name="contract_share_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.anchor} @ {self.mcn}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """The MCN's members reach its contracts; an anchor views its own."""
        if user.role in ENTERPRISE_MEMBER_ROLES and user.enterprise_id:
            return Q(mcn_id=user.enterprise_id)
        if action == "view" and user.role == Role.ANCHOR and user.anchor_id:
            return Q(anchor_id=user.anchor_id)
        return NOTHING


class PlatformAccount(Timestamped):
    scope_kind = "account"

    owner_anchor = models.ForeignKey(
        Anchor,
        verbose_name=_("所属主播"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    owner_enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    platform = models.CharField(_("平台"), max_length=20, choices=Platform.choices)
    account_id = models.CharField(_("平台账号 ID"), max_length=64)
    display_name = models.CharField(_("账号昵称"), max_length=64)
    followers = models.PositiveBigIntegerField(_("粉丝数"), default=0)
    followers_at = models.DateTimeField(_("粉丝数更新时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("平台账号")
        verbose_name_plural = _("平台账号")
        ordering = ["-followers", "id"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "account_id"], name="account_unique_per_platform"),
            models.CheckConstraint(
                condition=(Q(owner_anchor__isnull=False) & Q(owner_enterprise__isnull=True))
                | (Q(owner_anchor__isnull=True) & Q(owner_enterprise__isnull=False)),
                name="account_one_owner",
            ),
        ]
        indexes = [models.Index(fields=["platform", "-followers"])]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.display_name}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """An anchor its own accounts; an enterprise its own and its contracted anchors' accounts."""
        if user.role == Role.ANCHOR and user.anchor_id:
            return Q(owner_anchor_id=user.anchor_id)
        if user.role in ENTERPRISE_MEMBER_ROLES and user.enterprise_id:
            return Q(owner_enterprise_id=user.enterprise_id) | Q(
                owner_anchor_id__in=contracted_anchor_ids(user.enterprise_id)
            )
        return NOTHING


class FollowerSnapshot(models.Model):
    account = models.ForeignKey(
        PlatformAccount, verbose_name=_("平台账号"), on_delete=models.CASCADE, related_name="snapshots"
    )
    at = models.DateTimeField(_("时间"))
    followers = models.PositiveBigIntegerField(_("粉丝数"))

    class Meta:
        verbose_name = _("粉丝数快照")
        verbose_name_plural = _("粉丝数快照")
        ordering = ["account", "at"]
        constraints = [models.UniqueConstraint(fields=["account", "at"], name="snapshot_unique_time")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.at:%Y-%m-%d} {self.followers}"


class LiveRoom(Timestamped):
    scope_kind = "room"

    building = models.CharField(_("楼栋"), max_length=32)
    floor = models.SmallIntegerField(_("楼层"))
    number = models.CharField(_("房间号"), max_length=16)
    area_m2 = models.DecimalField(_("面积（平方米）"), max_digits=7, decimal_places=2)
    equipment = models.JSONField(_("设备"), default=list, blank=True)
    capacity = models.PositiveSmallIntegerField(_("容纳人数"))
    hourly_price_fen = models.PositiveIntegerField(_("每小时价格（分）"))
    status = models.CharField(
        _("状态"), max_length=16, choices=RoomStatus.choices, default=RoomStatus.AVAILABLE
    )

    class Meta:
        verbose_name = _("直播间")
        verbose_name_plural = _("直播间")
        ordering = ["building", "floor", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="room_unique_number")]

    def __str__(self) -> str:
        return f"{self.building}-{self.number}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """Rooms are the park's shared resource: whoever may view rooms sees them all."""
        return Q() if action == "view" else NOTHING


class RoomBooking(Timestamped):
    scope_kind = "booking"

    room = models.ForeignKey(
        LiveRoom, verbose_name=_("直播间"), on_delete=models.PROTECT, related_name="bookings"
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("预订企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    anchor = models.ForeignKey(
        Anchor,
        verbose_name=_("主播"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    purpose = models.CharField(_("用途"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("直播间预订")
        verbose_name_plural = _("直播间预订")
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["room", "start", "end"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="booking_end_after_start"),
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False) | Q(anchor__isnull=False), name="booking_has_booker"
            ),
            # Two live bookings of one room never overlap ([start, end) ranges), enforced by PostgreSQL itself.
            PostgresExclusionConstraint(
                name="booking_no_overlap",
                expressions=[
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("room", RangeOperators.EQUAL),
                ],
                condition=Q(archived_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.start:%Y-%m-%d %H:%M}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """An enterprise reaches its bookings; an anchor those made for it."""
        if user.role == Role.ANCHOR and user.anchor_id:
            return Q(anchor_id=user.anchor_id)
        if user.role in (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF) and user.enterprise_id:
            return Q(enterprise_id=user.enterprise_id)
        return NOTHING
