"""Cloud warehouses, QC inspection lots (GB/T 2828.1), switching state per supplier × product, and stock.

Stock is a ledger (`StockMove`, append-only) beside one balance row per batch × warehouse (`StockBalance`) that
writers lock; database CHECK constraints keep the balance from ever going negative or over-reserved, whatever
path a write takes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from livepark.catalog.models import supplier_scope
from livepark.core.models import Timestamped
from livepark.core.roles import Role
from livepark.core.scoping import NOTHING, ScopedManager


class Warehouse(Timestamped):
    scope_kind = "warehouse"

    code = models.CharField(_("仓库编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    operator = models.ForeignKey(
        "registry.Enterprise", verbose_name=_("运营方"), null=True, blank=True, on_delete=models.PROTECT
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("云仓")
        verbose_name_plural = _("云仓")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """Warehouses are park infrastructure: visible to whoever works with stock."""
        return Q() if action == "view" else NOTHING


class LotStatus(models.TextChoices):
    PENDING = "pending", _("待检")
    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")


class InspectionLot(Timestamped):
    """One inspection of one production batch arriving in a warehouse."""

    scope_kind = "lot"

    batch = models.ForeignKey(
        "catalog.ProductBatch", verbose_name=_("生产批次"), on_delete=models.PROTECT, related_name="lots"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("云仓"), on_delete=models.PROTECT, related_name="lots"
    )
    lot_size = models.PositiveIntegerField(_("批量"))
    level = models.CharField(_("检验水平"), max_length=4, default="II")
    severity = models.CharField(_("检验严格度"), max_length=12, default="normal")
    qc_mode = models.CharField(_("质检方式"), max_length=16)
    #: {"critical": {"aql": "0.065", "code_letter": "K", "n": 125, "ac": 0, "re": 1, "defects": 0}, ...}
    plan = models.JSONField(_("抽样方案与结果"), default=dict)
    sample_size = models.PositiveIntegerField(_("样本量"))
    passed_units = models.PositiveIntegerField(_("合格件数"), null=True, blank=True)
    status = models.CharField(_("结论"), max_length=8, choices=LotStatus.choices, default=LotStatus.PENDING)
    certificate_no = models.CharField(_("证书编号"), max_length=24, unique=True, null=True, blank=True)
    decided_at = models.DateTimeField(_("判定时间"), null=True, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("检验员"), null=True, blank=True, on_delete=models.PROTECT
    )
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("质检批")
        verbose_name_plural = _("质检批")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "warehouse"])]

    def __str__(self) -> str:
        return self.certificate_no or f"LOT-{self.pk}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """Inspectors reach every lot; a supplier views its own goods' lots."""
        if user.role == Role.QC_INSPECTOR:
            return Q()
        return (
            supplier_scope(user, action, "batch__sku__product__supplier_id") if action == "view" else NOTHING
        )


class SwitchingRecord(models.Model):
    """GB/T 2828.1 switching state (normal/tightened/reduced) per supplier × product."""

    supplier = models.ForeignKey("registry.Enterprise", verbose_name=_("供应商"), on_delete=models.PROTECT)
    product = models.ForeignKey("catalog.Product", verbose_name=_("商品"), on_delete=models.PROTECT)
    state = models.JSONField(_("转移状态"), default=dict)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("转移规则状态")
        verbose_name_plural = _("转移规则状态")
        constraints = [models.UniqueConstraint(fields=["supplier", "product"], name="switching_unique")]

    def __str__(self) -> str:
        return f"{self.supplier_id}/{self.product_id}: {self.state.get('severity', 'normal')}"


class StockBalance(models.Model):
    """On hand and reserved of one batch in one warehouse; the row writers lock."""

    scope_kind = "stock"

    batch = models.ForeignKey("catalog.ProductBatch", verbose_name=_("生产批次"), on_delete=models.PROTECT)
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("云仓"), on_delete=models.PROTECT)
    on_hand = models.BigIntegerField(_("在库"), default=0)
    reserved = models.BigIntegerField(_("已预留"), default=0)
    picked = models.BigIntegerField(_("已拣货"), default=0)
    received_at = models.DateTimeField(_("首次入库"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        constraints = [
            models.UniqueConstraint(fields=["batch", "warehouse"], name="balance_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="balance_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="balance_reserved_not_negative"),
            models.CheckConstraint(condition=Q(picked__gte=0), name="balance_picked_not_negative"),
            models.CheckConstraint(
                condition=Q(on_hand__gte=F("reserved") + F("picked")), name="balance_committed_within_on_hand"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch} @ {self.warehouse.code}: {self.on_hand} ({self.reserved} reserved)"

    @property
    def available(self) -> int:
        """On hand, neither reserved nor picked."""
        return self.on_hand - self.reserved - self.picked

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """A supplier reaches its own goods' stock; inspectors view all."""
        return supplier_scope(user, action, "batch__sku__product__supplier_id")


class MoveKind(models.TextChoices):
    RECEIVE = "receive", _("入库")
    RESERVE = "reserve", _("预留")
    RELEASE = "release", _("取消预留")
    PICK = "pick", _("拣货")
    SHIP = "ship", _("发货")
    ADJUST_IN = "adjust_in", _("盘盈")
    ADJUST_OUT = "adjust_out", _("盘亏")
    TRANSFER_OUT = "transfer_out", _("调出")
    TRANSFER_IN = "transfer_in", _("调入")
    RETURN = "return", _("退货入库")
    WRITE_OFF = "write_off", _("报废")


class StockMove(models.Model):
    """One line of the stock ledger: how on-hand and reserved moved, and why."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("类型"), max_length=16, choices=MoveKind.choices)
    batch = models.ForeignKey("catalog.ProductBatch", verbose_name=_("生产批次"), on_delete=models.PROTECT)
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("云仓"), on_delete=models.PROTECT)
    on_hand_delta = models.BigIntegerField(_("在库变动"), default=0)
    reserved_delta = models.BigIntegerField(_("预留变动"), default=0)
    picked_delta = models.BigIntegerField(_("拣货变动"), default=0)
    reference = models.CharField(_("单据"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["batch", "warehouse", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.batch_id}@{self.warehouse_id} {self.on_hand_delta:+d}"
