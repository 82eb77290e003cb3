"""B2B export (9710 direct export, 9810 export to an overseas warehouse): overseas warehouses, export
declarations and their receipts.

An `ExportDeclaration` is one order's three export documents (CEB303 order with ``orderType`` B or W, CEB505
waybill, CEB603 inventory) as imported or built from a form, the result of the export checks
(`engines.customs.export_checks`), and where it stands with customs: the inventory's receipts (CEB604) move its
state; the order's and the waybill's (CEB304/506) are kept and reject it when they do; departure (CEB509/510)
and the summary application (CEB701/702) follow a release. Export documents carry no personal data, so their
XML is stored as it is.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from livepark.core.models import Timestamped
from livepark.core.roles import Role
from livepark.core.scoping import NOTHING, ScopedManager

__all__ = ["ExportDeclaration", "ExportMode", "ExportReceipt", "ExportState", "OverseasWarehouse"]


def _enterprise_member(user) -> bool:
    return user.role in (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF) and bool(user.enterprise_id)


class ExportMode(models.TextChoices):
    B2B_DIRECT = "9710", _("跨境电商B2B直接出口 9710")
    OVERSEAS_WAREHOUSE = "9810", _("跨境电商出口海外仓 9810")


class ExportState(models.TextChoices):
    RECEIVED = "received", _("已接收")
    CHECKED = "checked", _("已校验")
    SENT = "sent", _("已申报")
    ACCEPTED = "accepted", _("海关已受理")
    REJECTED = "rejected", _("已退单")
    RELEASED = "released", _("已放行")


class OverseasWarehouse(Timestamped):
    """A seller's overseas warehouse registered with customs (海外仓备案), needed for 9810 exports."""

    scope_kind = "customs_registration"

    seller = models.ForeignKey(
        "crossborder.CustomsParty",
        verbose_name=_("电商企业"),
        on_delete=models.PROTECT,
        related_name="overseas_warehouses",
    )
    code = models.CharField(_("海外仓备案编号"), max_length=30)
    name = models.CharField(_("海外仓名称"), max_length=100)
    country = models.CharField(
        _("所在国（地区）代码"), max_length=3, help_text=_("海关 3 位国别代码，如 502 美国")
    )
    address = models.CharField(_("地址"), max_length=200)

    class Meta:
        verbose_name = _("海外仓")
        verbose_name_plural = _("海外仓")
        ordering = ["seller_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "code"],
                condition=Q(archived_at__isnull=True),
                name="crossborder_overseas_warehouse_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """A seller's members reach its warehouses; brokers view all (a public registration)."""
        if _enterprise_member(user):
            return Q(seller__enterprise_id=user.enterprise_id)
        if user.role == Role.CUSTOMS_BROKER and action == "view":
            return Q()
        return NOTHING


class ExportDeclaration(Timestamped):
    """One B2B export order's CEB303/505/603 documents, their check result and their state with customs."""

    scope_kind = "declaration"
    DOCUMENT_FIELDS = {"CEB303": "order_xml", "CEB505": "waybill_xml", "CEB603": "inventory_xml"}

    trade_mode = models.CharField(_("贸易方式"), max_length=4, choices=ExportMode.choices)
    seller = models.ForeignKey(
        "crossborder.CustomsParty",
        verbose_name=_("电商企业"),
        on_delete=models.PROTECT,
        related_name="export_declarations",
    )
    agent = models.ForeignKey(
        "crossborder.CustomsParty",
        verbose_name=_("申报企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agent_export_declarations",
    )
    warehouse = models.ForeignKey(
        OverseasWarehouse,
        verbose_name=_("海外仓"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="declarations",
    )
    order_no = models.CharField(_("订单编号"), max_length=60)
    order_type = models.CharField(_("订单类型"), max_length=1)
    ebp_code = models.CharField(_("电商平台代码"), max_length=50)
    ebc_code = models.CharField(_("电商企业代码"), max_length=18)
    logistics_code = models.CharField(_("物流企业代码"), max_length=18, blank=True)
    logistics_no = models.CharField(_("运单编号"), max_length=80, blank=True)
    customs_code = models.CharField(_("申报海关"), max_length=4, blank=True)
    statistics_flag = models.CharField(_("申报业务类型"), max_length=1, blank=True)
    app_time = models.DateTimeField(_("订单申报时间"), null=True, blank=True)
    goods_value = models.DecimalField(_("商品金额"), max_digits=19, decimal_places=5)
    currency = models.CharField(_("币制"), max_length=3)
    value_rmb = models.DecimalField(
        _("人民币金额"),
        max_digits=19,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("币制 142 时即商品金额；其他币制按 CROSSBORDER_RMB_RATES 折算，未配置汇率时为空"),
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=ExportState.choices, default=ExportState.RECEIVED
    )
    discrepancies = models.JSONField(_("校验差异"), default=list, blank=True)
    checked_at = models.DateTimeField(_("校验时间"), null=True, blank=True)
    order_xml = models.TextField(_("订单报文"), blank=True)
    waybill_xml = models.TextField(_("运单报文"), blank=True)
    inventory_xml = models.TextField(_("清单报文"), blank=True)
    sent_guid = models.CharField(_("申报清单 GUID"), max_length=36, null=True, blank=True, unique=True)
    sent_at = models.DateTimeField(_("申报时间"), null=True, blank=True)
    message_id = models.CharField(_("报文编号"), max_length=64, blank=True)
    return_status = models.CharField(_("最新回执状态"), max_length=10, blank=True)
    return_info = models.CharField(_("最新回执信息"), max_length=1000, blank=True)
    pre_no = models.CharField(_("预录入编号"), max_length=18, blank=True)
    invt_no = models.CharField(_("清单编号"), max_length=18, blank=True)
    departure_guid = models.CharField(_("离境单 GUID"), max_length=36, null=True, blank=True, unique=True)
    departure_status = models.CharField(_("离境回执状态"), max_length=10, blank=True)
    departed_at = models.DateTimeField(_("离境时间"), null=True, blank=True)
    summary_guid = models.CharField(_("汇总申请 GUID"), max_length=36, blank=True, db_index=True)
    summary_status = models.CharField(_("汇总回执状态"), max_length=10, blank=True)
    sum_no = models.CharField(_("汇总申请编号"), max_length=18, blank=True)

    class Meta:
        verbose_name = _("出口申报")
        verbose_name_plural = _("出口申报")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"], name="crossborder_export_state_idx")]
        constraints = [
            # One live declaration per order of a platform; a rejected one may be declared again.
            models.UniqueConstraint(
                fields=["order_no", "ebp_code"],
                condition=~Q(state="rejected"),
                name="crossborder_one_live_export_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_no} ({self.trade_mode})"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """A seller's members reach its declarations; a broker those of the agent parties it acts for."""
        from livepark.crossborder.models import broker_parties

        if _enterprise_member(user):
            return Q(seller__enterprise_id=user.enterprise_id)
        if user.role == Role.CUSTOMS_BROKER:
            return Q(agent_id__in=broker_parties(user))
        return NOTHING

    def document_xml(self, code: str) -> bytes | None:
        """The stored message of one document (`CEB303` …); None when it has not arrived."""
        text = getattr(self, self.DOCUMENT_FIELDS[code])
        return text.encode() if text else None


class ExportReceipt(models.Model):
    """One customs receipt of an export declaration: CEB304 (order), 506 (waybill), 604 (inventory), 510
    (departure) or 702 (summary)."""

    scope_kind = "declaration"

    declaration = models.ForeignKey(
        ExportDeclaration, verbose_name=_("出口申报"), on_delete=models.CASCADE, related_name="receipts"
    )
    message_type = models.CharField(_("报文类型"), max_length=8)
    return_status = models.CharField(_("回执状态"), max_length=10)
    return_info = models.CharField(_("回执信息"), max_length=1000)
    return_time = models.DateTimeField(_("回执时间"))
    pre_no = models.CharField(_("预录入编号"), max_length=18, blank=True)
    invt_no = models.CharField(_("清单编号"), max_length=18, blank=True)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("出口回执")
        verbose_name_plural = _("出口回执")
        ordering = ["return_time", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "message_type", "return_status", "return_time"],
                name="crossborder_export_receipt_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_type} {self.return_status}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """Receipts follow their declaration."""
        q = ExportDeclaration.scope(user, action)
        return Q(declaration__in=ExportDeclaration.objects.filter(q).values("pk"))
