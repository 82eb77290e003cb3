"""Retail-import tax records: the operator's rate tables, each declaration's assessment, cancellations and
returns sent to customs (CEB623/625), and the tax bills customs issues (CEB816).

Rate tables are versioned by an effective date: statutory rates change (MFN tariffs every 1 January, the VAT cut
of 2019-04-01), and a set is taxed with the table in force on its order's `appTime`, so re-loading next year's
rates never changes how last month's orders were (or would be) assessed; each assessment keeps the table it used,
which is what a difference with customs' CEB816 bill is first checked against.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from livepark.core.scoping import ScopedManager
from livepark.crossborder.models import DeclarationSet

__all__ = [
    "DeclarationTax",
    "InventoryRequest",
    "RequestKind",
    "RequestState",
    "TaxBill",
    "TaxMode",
    "TaxRate",
    "TaxRateTable",
]

MONEY = {"max_digits": 19, "decimal_places": 2}
RATE = {"max_digits": 9, "decimal_places": 6}


def _follows_declaration(user, action: str) -> Q:
    """Rows reachable through their declaration set's scope."""
    q = DeclarationSet.scope(user, action)
    return Q(declaration__in=DeclarationSet.objects.filter(q).values("pk"))


class TaxRateTable(models.Model):
    """One upload of the operator's rate table (gcode, tariff, vat, consumption), in force from a date."""

    scope_kind = "tax_rate"

    name = models.CharField(_("名称"), max_length=100)
    effective_from = models.DateField(_("生效日期"), help_text=_("订单申报时间在此日期及以后的订单使用本表"))
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    row_count = models.PositiveIntegerField(_("税率条数"), default=0)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("税率表")
        verbose_name_plural = _("税率表")
        ordering = ["-effective_from", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from})"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """Rates are public statutory figures: every holder of the right sees every table."""
        return Q()


class TaxRate(models.Model):
    """The statutory rates of one 10-digit HS code in one table, as fractions (0.13 = 13%)."""

    table = models.ForeignKey(
        TaxRateTable, verbose_name=_("税率表"), on_delete=models.CASCADE, related_name="rates"
    )
    gcode = models.CharField(_("海关商品编码"), max_length=10)
    tariff = models.DecimalField(_("最惠国关税税率"), **RATE)
    vat = models.DecimalField(_("增值税税率"), **RATE)
    consumption = models.DecimalField(_("消费税税率"), **RATE)

    class Meta:
        verbose_name = _("商品税率")
        verbose_name_plural = _("商品税率")
        ordering = ["table_id", "gcode"]
        constraints = [models.UniqueConstraint(fields=["table", "gcode"], name="crossborder_rate_once")]

    def __str__(self) -> str:
        return f"{self.gcode} t={self.tariff} v={self.vat} c={self.consumption}"


class TaxMode(models.TextChoices):
    CROSS_BORDER = "cross_border", _("跨境电商综合税")
    GENERAL_TRADE = "general_trade", _("按一般贸易全额征税")
    FULL_TAX = "cross_border_full_tax", _("单件不可分割商品全额征税")


class DeclarationTax(models.Model):
    """The tax assessment of one declaration set (yuan, to the fen), and what a return gave back."""

    scope_kind = "declaration"

    declaration = models.OneToOneField(
        DeclarationSet, verbose_name=_("申报单证组"), on_delete=models.CASCADE, related_name="tax"
    )
    rate_table = models.ForeignKey(
        TaxRateTable, verbose_name=_("税率表"), on_delete=models.PROTECT, related_name="assessments"
    )
    mode = models.CharField(_("计税方式"), max_length=24, choices=TaxMode.choices)
    year = models.PositiveIntegerField(_("限额年度"))
    year_before = models.DecimalField(_("此前年度已用额度"), **MONEY)
    taxable_price = models.DecimalField(_("完税价格"), **MONEY)
    customs_tax = models.DecimalField(_("关税"), **MONEY)
    consumption_tax = models.DecimalField(_("消费税"), **MONEY)
    vat = models.DecimalField(_("增值税"), **MONEY)
    tax_total = models.DecimalField(_("税款合计"), **MONEY)
    quota_used = models.DecimalField(_("计入年度限额"), **MONEY, help_text=_("一般贸易订单为 0"))
    lines = models.JSONField(_("逐项税额"), default=list)
    assessed_at = models.DateTimeField(_("计税时间"))
    refunded = models.DecimalField(_("已退税款"), **MONEY, default=0)
    quota_restored = models.BooleanField(_("已恢复额度"), default=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("税款计算")
        verbose_name_plural = _("税款计算")
        ordering = ["-assessed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.declaration} {self.tax_total}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """Follows the declaration set."""
        return _follows_declaration(user, action)


class RequestKind(models.TextChoices):
    CANCEL = "cancel", _("撤单 CEB623")
    RETURN = "return", _("退货 CEB625")


class RequestState(models.TextChoices):
    SENT = "sent", _("已申报")
    ACCEPTED = "accepted", _("海关已受理")
    DONE = "done", _("审核通过")
    REFUSED = "refused", _("未通过")


class InventoryRequest(models.Model):
    """A cancellation (CEB623, before release) or a return (CEB625, after release) of a declared inventory."""

    scope_kind = "declaration"
    audit_exclude = ("sent_xml",)

    declaration = models.ForeignKey(
        DeclarationSet,
        verbose_name=_("申报单证组"),
        on_delete=models.CASCADE,
        related_name="inventory_requests",
    )
    kind = models.CharField(_("类型"), max_length=8, choices=RequestKind.choices)
    guid = models.CharField(_("报文 GUID"), max_length=36, unique=True)
    invt_no = models.CharField(_("原清单编号"), max_length=18)
    reason = models.CharField(_("原因"), max_length=1000)
    state = models.CharField(
        _("状态"), max_length=10, choices=RequestState.choices, default=RequestState.SENT
    )
    requested_at = models.DateTimeField(_("申请时间"))
    days_after_release = models.IntegerField(_("放行后天数"), null=True, blank=True)
    sent_xml = models.TextField(_("已申报报文（加密）"), blank=True)
    message_id = models.CharField(_("报文编号"), max_length=64, blank=True)
    return_status = models.CharField(_("最新回执状态"), max_length=10, blank=True)
    return_info = models.CharField(_("最新回执信息"), max_length=1000, blank=True)
    concluded_at = models.DateTimeField(_("审结时间"), null=True, blank=True)
    tax_refund = models.DecimalField(_("退还税款"), **MONEY, default=0)
    quota_restored = models.DecimalField(_("恢复额度"), **MONEY, default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("撤单与退货")
        verbose_name_plural = _("撤单与退货")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.declaration}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """Follows the declaration set."""
        return _follows_declaration(user, action)


class TaxBill(models.Model):
    """An electronic tax bill (CEB816 `Tax`) customs issued for a released inventory."""

    scope_kind = "declaration"

    declaration = models.ForeignKey(
        DeclarationSet, verbose_name=_("申报单证组"), on_delete=models.CASCADE, related_name="tax_bills"
    )
    tax_no = models.CharField(_("电子税单编号"), max_length=50, unique=True)
    invt_no = models.CharField(_("清单编号"), max_length=18)
    status = models.CharField(_("税单状态"), max_length=1, help_text=_("1 已生成，2 已汇总，3 作废"))
    customs_tax = models.DecimalField(_("应征关税"), **MONEY)
    vat = models.DecimalField(_("应征增值税"), **MONEY)
    consumption_tax = models.DecimalField(_("应征消费税"), **MONEY)
    tax_total = models.DecimalField(_("税款合计"), **MONEY)
    lines = models.JSONField(_("表体"), default=list)
    ent_duty_no = models.CharField(_("缴款书编号"), max_length=50, blank=True)
    return_time = models.DateTimeField(_("回执时间"))
    source = models.CharField(_("来源"), max_length=8, help_text=_("poll 网关回执 / upload 上传"))
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("电子税单")
        verbose_name_plural = _("电子税单")
        ordering = ["-return_time", "-id"]

    def __str__(self) -> str:
        return self.tax_no

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """Follows the declaration set."""
        return _follows_declaration(user, action)
