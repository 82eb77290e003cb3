"""Live sessions (直播场次) and their run-of-show (排品).

A session's `code` is the `session_id` its events carry in the event store (`livepark.engines.events`); the
store holds the events, the database only who, where and when. `LiveSession.objects.restrict(user, action)`
applies the scope below.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from livepark.core.models import Timestamped
from livepark.core.roles import Role
from livepark.core.scoping import NOTHING
from livepark.registry.models import contracted_anchor_ids

#: Enterprise roles that work on sessions (the bank viewer of an enterprise has no session right at all).
SESSION_MEMBER_ROLES = (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF)


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("待开播")
    LIVE = "live", _("直播中")
    ENDED = "ended", _("已结束")
    CANCELLED = "cancelled", _("已取消")


def co_anchor_session_ids(anchor_id: int):
    """Subquery: sessions where the anchor is a co-anchor (a subquery, so lists need no DISTINCT)."""
    return LiveSession.co_anchors.through.objects.filter(anchor_id=anchor_id).values("livesession_id")


class LiveSession(Timestamped):
    """One live broadcast of an anchor in a room, selling for an enterprise."""

    scope_kind = "session"

    code = models.CharField(
        _("场次编号"),
        max_length=40,
        unique=True,
        help_text=_("事件中的 session_id（订单的直播场次），创建后不可修改"),
    )
    title = models.CharField(_("场次标题"), max_length=128)
    room = models.ForeignKey(
        "registry.LiveRoom", verbose_name=_("直播间"), on_delete=models.PROTECT, related_name="sessions"
    )
    anchor = models.ForeignKey(
        "registry.Anchor", verbose_name=_("主播"), on_delete=models.PROTECT, related_name="sessions"
    )
    co_anchors = models.ManyToManyField(
        "registry.Anchor", verbose_name=_("搭档主播"), blank=True, related_name="co_sessions"
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        verbose_name=_("销售企业"),
        on_delete=models.PROTECT,
        related_name="live_sessions",
    )
    account = models.ForeignKey(
        "registry.PlatformAccount",
        verbose_name=_("开播账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="live_sessions",
    )
    booking = models.ForeignKey(
        "registry.RoomBooking",
        verbose_name=_("直播间预订"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="live_sessions",
    )
    planned_start = models.DateTimeField(_("计划开始"))
    planned_end = models.DateTimeField(_("计划结束"))
    started_at = models.DateTimeField(_("实际开始"), null=True, blank=True)
    ended_at = models.DateTimeField(_("实际结束"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    notes = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("直播场次")
        verbose_name_plural = _("直播场次")
        ordering = ["-planned_start", "-id"]
        indexes = [
            models.Index(fields=["status", "-planned_start"], name="session_status_start"),
            models.Index(fields=["anchor", "-planned_start"], name="session_anchor_start"),
            models.Index(fields=["enterprise", "-planned_start"], name="session_enterprise_start"),
            models.Index(fields=["room", "status"], name="session_room_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gt=F("planned_start")), name="session_planned_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True)
                | Q(started_at__isnull=False, ended_at__gte=F("started_at")),
                name="session_ended_after_started",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.code}）"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """An anchor views its sessions (primary or co-anchor) and operates those it leads; an enterprise
        views the sessions it sells and those of its contracted anchors, and changes only those it sells."""
        if user.role == Role.ANCHOR and user.anchor_id:
            if action == "view":
                return Q(anchor_id=user.anchor_id) | Q(pk__in=co_anchor_session_ids(user.anchor_id))
            if action == "operate":
                return Q(anchor_id=user.anchor_id)
            return NOTHING
        if user.role in SESSION_MEMBER_ROLES and user.enterprise_id:
            own = Q(enterprise_id=user.enterprise_id)
            if action == "view":
                return own | Q(anchor_id__in=contracted_anchor_ids(user.enterprise_id))
            return own
        return NOTHING


class RunOfShowItem(models.Model):
    """One product slot of a session's run-of-show, in presentation order."""

    session = models.ForeignKey(
        LiveSession, verbose_name=_("直播场次"), on_delete=models.CASCADE, related_name="run_of_show"
    )
    position = models.PositiveSmallIntegerField(_("顺序"))
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("商品"), on_delete=models.PROTECT, related_name="+"
    )
    planned_minutes = models.PositiveSmallIntegerField(_("计划讲解分钟"))
    talking_points = models.TextField(_("话术要点"), blank=True)

    class Meta:
        verbose_name = _("排品")
        verbose_name_plural = _("排品")
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="run_of_show_unique_position"),
            models.CheckConstraint(
                condition=Q(planned_minutes__gte=1) & Q(planned_minutes__lte=600),
                name="run_of_show_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.position} {self.product_id}"
