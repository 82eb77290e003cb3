"""Cross-border retail import: customs registrations (parties, goods), declaration sets and their receipts.

A `DeclarationSet` is one order's four documents (CEB311 order, CEB411 payment, CEB511 waybill, CEB621
inventory) as they were imported, the result of three-document matching, and where the declaration stands
with customs. The documents carry the buyer's ID number, name and phone, so their XML is stored encrypted
(Fernet, `core.crypto`); the buyer is otherwise known only by a blind index and the masked number.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from livepark.core import crypto
from livepark.core.models import Timestamped
from livepark.core.roles import Role
from livepark.core.scoping import NOTHING, ScopedManager

#: A customs 10-character enterprise code (no public check digit); many fields take it or an 18-character USCC.
CUSTOMS_CODE_RE = r"^\d{4}[0-9A-Z]{6}$"


class PartyRole(models.TextChoices):
    PLATFORM = "platform", _("电商平台")
    SELLER = "seller", _("电商企业")
    CARRIER = "carrier", _("物流企业")
    PAYER = "payer", _("支付企业")
    AGENT = "agent", _("申报企业")
    GUARANTOR = "guarantor", _("担保企业")


class PositiveNote(models.TextChoices):
    BOTH = "", _("不限")
    BONDED = "1210", _("仅限网购保税 1210")
    DIRECT = "9610", _("仅限直购 9610")


class TradeMode(models.TextChoices):
    UNKNOWN = "", _("未知")
    DIRECT = "9610", _("直购进口 9610")
    BONDED = "1210", _("网购保税 1210")


class DeclarationState(models.TextChoices):
    RECEIVED = "received", _("已接收")
    CHECKED = "checked", _("已对碰")
    TAXED = "taxed", _("已计税")
    SENT = "sent", _("已申报")
    ACCEPTED = "accepted", _("海关已受理")
    REJECTED = "rejected", _("已退单")
    RELEASED = "released", _("已放行")
    CANCELLED = "cancelled", _("已撤单")
    RETURNED = "returned", _("已退货")


def _enterprise_member(user) -> bool:
    return user.role in (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF) and bool(user.enterprise_id)


class CustomsParty(Timestamped):
    """A firm's registration with customs in one role (platform, seller, carrier, payer, agent, guarantor)."""

    scope_kind = "customs_registration"

    code = models.CharField(
        _("海关注册编码"), max_length=18, help_text=_("10 位海关编码或 18 位统一社会信用代码")
    )
    name = models.CharField(_("注册名称"), max_length=100)
    role = models.CharField(_("角色"), max_length=12, choices=PartyRole.choices)
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        verbose_name=_("园区企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customs_parties",
    )
    broker_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报关员"),
        blank=True,
        related_name="customs_agent_parties",
        help_text=_("代理该申报企业的报关员账号（仅申报企业）"),
    )

    class Meta:
        verbose_name = _("海关登记企业")
        verbose_name_plural = _("海关登记企业")
        ordering = ["role", "code"]
        constraints = [models.UniqueConstraint(fields=["code", "role"], name="customs_party_code_role")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """Members reach their enterprise's registrations; brokers view every registration (a public record)."""
        if _enterprise_member(user):
            return Q(enterprise_id=user.enterprise_id)
        if user.role == Role.CUSTOMS_BROKER and action == "view":
            return Q()
        return NOTHING


class GoodsRegistration(Timestamped):
    """A seller's product registered for retail import: HS code, positive-list line, 1210 record number."""

    scope_kind = "customs_registration"

    seller = models.ForeignKey(
        CustomsParty, verbose_name=_("电商企业"), on_delete=models.PROTECT, related_name="goods"
    )
    item_no = models.CharField(_("企业商品货号"), max_length=20)
    gname = models.CharField(_("商品名称"), max_length=250)
    gcode = models.CharField(_("海关商品编码"), max_length=10)
    positive_note = models.CharField(
        _("正面清单备注"), max_length=4, choices=PositiveNote.choices, blank=True, default=""
    )
    item_record_no = models.CharField(_("账册备案料号"), max_length=30, blank=True)
    ems_no = models.CharField(_("账册编号"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("商品备案")
        verbose_name_plural = _("商品备案")
        ordering = ["seller_id", "item_no"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "item_no"], name="customs_goods_seller_item")
        ]

    def __str__(self) -> str:
        return f"{self.item_no} {self.gname}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """A seller's members reach its goods; brokers view all."""
        if _enterprise_member(user):
            return Q(seller__enterprise_id=user.enterprise_id)
        if user.role == Role.CUSTOMS_BROKER and action == "view":
            return Q()
        return NOTHING


def broker_parties(user):
    """The agent parties a broker user acts for (a subquery of party ids)."""
    return CustomsParty.broker_users.through.objects.filter(user_id=user.pk).values("customsparty_id")


class DeclarationSet(Timestamped):
    """One order's CEB311/411/511/621 documents, their matching result and their state with customs."""

    scope_kind = "declaration"
    #: Ciphertext of personal data never enters the audit log.
    audit_exclude = ("order_xml", "payment_xml", "waybill_xml", "inventory_xml", "sent_xml")
    DOCUMENT_FIELDS = {
        "CEB311": "order_xml",
        "CEB411": "payment_xml",
        "CEB511": "waybill_xml",
        "CEB621": "inventory_xml",
    }

    trade_mode = models.CharField(
        _("贸易方式"), max_length=4, choices=TradeMode.choices, blank=True, default=""
    )
    seller = models.ForeignKey(
        CustomsParty, verbose_name=_("电商企业"), on_delete=models.PROTECT, related_name="declarations"
    )
    agent = models.ForeignKey(
        CustomsParty,
        verbose_name=_("申报企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agent_declarations",
    )
    order_no = models.CharField(_("订单编号"), max_length=60)
    ebp_code = models.CharField(_("电商平台代码"), max_length=18, blank=True)
    ebc_code = models.CharField(_("电商企业代码"), max_length=18, blank=True)
    logistics_code = models.CharField(_("物流企业代码"), max_length=18, blank=True)
    logistics_no = models.CharField(_("运单编号"), max_length=60, blank=True)
    app_time = models.DateTimeField(_("订单申报时间"), null=True, blank=True)
    buyer_index = models.CharField(_("订购人证件索引"), max_length=64, blank=True, db_index=True)
    buyer_masked = models.CharField(_("订购人证件号（脱敏）"), max_length=60, blank=True)
    order_total = models.DecimalField(
        _("计入限额的金额"),
        max_digits=19,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("订单实际交易价格（商品 + 运费 + 保费 − 优惠），单位元"),
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=DeclarationState.choices, default=DeclarationState.RECEIVED
    )
    discrepancies = models.JSONField(_("对碰差异"), default=list, blank=True)
    checked_at = models.DateTimeField(_("对碰时间"), null=True, blank=True)
    order_xml = models.TextField(_("订单报文（加密）"), blank=True)
    payment_xml = models.TextField(_("支付单报文（加密）"), blank=True)
    waybill_xml = models.TextField(_("运单报文（加密）"), blank=True)
    inventory_xml = models.TextField(_("清单报文（加密）"), blank=True)
    sent_guid = models.CharField(_("申报清单 GUID"), max_length=36, null=True, blank=True, unique=True)
    sent_xml = models.TextField(_("已申报报文（加密）"), blank=True)
    message_id = models.CharField(_("报文编号"), max_length=64, blank=True)
    sent_at = models.DateTimeField(_("申报时间"), null=True, blank=True)
    return_status = models.CharField(_("最新回执状态"), max_length=10, blank=True)
    return_info = models.CharField(_("最新回执信息"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("申报单证组")
        verbose_name_plural = _("申报单证组")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"])]
        constraints = [
            # One live declaration per order of a platform; a rejected one may be declared again.
            models.UniqueConstraint(
                fields=["order_no", "ebp_code"],
                condition=~Q(state="rejected"),
                name="crossborder_one_live_set_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_no} ({self.ebp_code or '-'})"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """A seller's members reach its declarations; a broker those of the agent parties it acts for."""
        if _enterprise_member(user):
            return Q(seller__enterprise_id=user.enterprise_id)
        if user.role == Role.CUSTOMS_BROKER:
            return Q(agent_id__in=broker_parties(user))
        return NOTHING

    @staticmethod
    def reachable(user, seller: CustomsParty, agent: CustomsParty | None) -> bool:
        """Whether a set of `seller` declared by `agent` would be in `user`'s scope (before it exists)."""
        if user.is_superuser or user.role == Role.PARK_ADMIN:
            return True
        if _enterprise_member(user):
            return seller.enterprise_id == user.enterprise_id
        if user.role == Role.CUSTOMS_BROKER and agent is not None:
            return agent.broker_users.filter(pk=user.pk).exists()
        return False

    def document_xml(self, code: str) -> bytes | None:
        """The stored message of one document (`CEB311` …), decrypted; None when it has not arrived."""
        token = getattr(self, self.DOCUMENT_FIELDS[code])
        return crypto.decrypt(token).encode() if token else None


class Receipt(models.Model):
    """One customs receipt (CEB622 `InventoryReturn`) of a declaration."""

    scope_kind = "declaration"

    declaration = models.ForeignKey(
        DeclarationSet, verbose_name=_("申报单证组"), on_delete=models.CASCADE, related_name="receipts"
    )
    message_type = models.CharField(_("报文类型"), max_length=8, default="CEB622")
    return_status = models.CharField(_("回执状态"), max_length=10)
    return_info = models.CharField(_("回执信息"), max_length=1000)
    return_time = models.DateTimeField(_("回执时间"))
    pre_no = models.CharField(_("电子口岸编号"), max_length=18, blank=True)
    invt_no = models.CharField(_("清单编号"), max_length=18, blank=True)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("海关回执")
        verbose_name_plural = _("海关回执")
        ordering = ["return_time", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "message_type", "return_status", "return_time"],
                name="crossborder_receipt_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_type} {self.return_status}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """Receipts follow their declaration."""
        q = DeclarationSet.scope(user, action)
        return Q(declaration__in=DeclarationSet.objects.filter(q).values("pk"))


from livepark.crossborder.models_bonded import *  # noqa: E402,F403  positive list, bonded accounts
from livepark.crossborder.models_export import *  # noqa: E402,F403  export declarations 9710/9810
from livepark.crossborder.models_tax import *  # noqa: E402,F403  rate tables, tax, returns, CEB816
