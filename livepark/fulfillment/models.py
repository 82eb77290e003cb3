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

    @property
    def unplaced(self) -> int:
        """On hand, not picked, on no location (needs the `located` annotation of `selectors.stock_list`)."""
        return self.on_hand - self.picked - (getattr(self, "located", 0) or 0)

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """A supplier reaches its own goods' stock; inspectors view all."""
        return supplier_scope(user, action, "batch__sku__product__supplier_id")


class LocationKind(models.TextChoices):
    RECEIVING = "receiving", _("收货区")
    STORAGE = "storage", _("存储区")
    QUARANTINE = "quarantine", _("隔离区")


class Location(Timestamped):
    """A place in a warehouse (`A-01-02`: zone, shelf, level) where stock is put away."""

    scope_kind = "warehouse"

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("云仓"), on_delete=models.PROTECT, related_name="locations"
    )
    code = models.CharField(_("库位编码"), max_length=24)
    kind = models.CharField(
        _("库区类型"), max_length=12, choices=LocationKind.choices, default=LocationKind.STORAGE
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("库位")
        verbose_name_plural = _("库位")
        ordering = ["warehouse__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="location_unique_per_warehouse")
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code}/{self.code}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """Locations are park infrastructure, as their warehouse."""
        return Q() if action == "view" else NOTHING


class LocationStock(models.Model):
    """Units of one batch on one location: a split of the balance's shelf stock (on hand − picked).

    What is on hand and not picked but on no location is "not yet put away". Writers hold the lock of the
    batch × warehouse balance row; the CHECK keeps each quantity from going negative.
    """

    location = models.ForeignKey(
        Location, verbose_name=_("库位"), on_delete=models.PROTECT, related_name="stock"
    )
    batch = models.ForeignKey("catalog.ProductBatch", verbose_name=_("生产批次"), on_delete=models.PROTECT)
    quantity = models.BigIntegerField(_("数量"), default=0)

    class Meta:
        verbose_name = _("库位库存")
        verbose_name_plural = _("库位库存")
        constraints = [
            models.UniqueConstraint(fields=["location", "batch"], name="location_stock_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="location_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}@{self.location_id}: {self.quantity}"


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
    PUT_AWAY = "put_away", _("上架")


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
    #: Set when the line also moved units on a location (put-away, or shelf stock taken by a pick, write-off,
    #: adjustment or transfer): the per-location quantities are the sums of these deltas.
    location = models.ForeignKey(
        Location, verbose_name=_("库位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    location_delta = models.BigIntegerField(_("库位变动"), default=0, db_default=0)

    class Meta:
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["batch", "warehouse", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.batch_id}@{self.warehouse_id} {self.on_hand_delta:+d}"


class StockTransfer(models.Model):
    """Units of one batch moved from one warehouse to another: a transfer-out and a transfer-in, one transaction.

    `certified` is how many of the units carried their QC pass along (see docs/fulfilment.md): they count in
    the receiving warehouse's gate allowance and no longer in the sending one's.
    """

    scope_kind = "stock"

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    batch = models.ForeignKey("catalog.ProductBatch", verbose_name=_("生产批次"), on_delete=models.PROTECT)
    from_warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("调出仓"), on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("调入仓"), on_delete=models.PROTECT, related_name="transfers_in"
    )
    quantity = models.PositiveBigIntegerField(_("数量"))
    certified = models.PositiveBigIntegerField(_("随货质检合格数"), default=0)
    reference = models.CharField(_("单据"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("调拨单")
        verbose_name_plural = _("调拨单")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="transfer_quantity_positive"),
            models.CheckConstraint(
                condition=Q(certified__lte=F("quantity")), name="transfer_certified_within"
            ),
            models.CheckConstraint(
                condition=~Q(from_warehouse=F("to_warehouse")), name="transfer_between_two_warehouses"
            ),
        ]
        indexes = [
            models.Index(fields=["batch", "to_warehouse"]),
            models.Index(fields=["batch", "from_warehouse"]),
        ]

    def __str__(self) -> str:
        return f"TRF{self.pk}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """As the stock: a supplier its own goods' transfers, inspectors view all."""
        return supplier_scope(user, action, "batch__sku__product__supplier_id")


class OrderStatus(models.TextChoices):
    PAID = "paid", _("已付款")
    ALLOCATED = "allocated", _("已配货")
    PICKED = "picked", _("已拣货")
    SHIPPED = "shipped", _("已发货")
    DELIVERED = "delivered", _("已签收")
    CANCELLED = "cancelled", _("已取消")


class Order(Timestamped):
    """A platform order of a shop, with its consignee encrypted at rest."""

    scope_kind = "order"

    platform = models.CharField(_("平台"), max_length=20)
    order_no = models.CharField(_("平台订单号"), max_length=40)
    shop = models.ForeignKey(
        "registry.Enterprise", verbose_name=_("店铺企业"), on_delete=models.PROTECT, related_name="orders"
    )
    anchor = models.ForeignKey(
        "registry.Anchor",
        verbose_name=_("主播"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    session_ref = models.CharField(_("直播场次"), max_length=40, blank=True)
    goods_fen = models.BigIntegerField(_("商品金额（分）"))
    freight_fen = models.BigIntegerField(_("运费（分）"), default=0)
    discount_fen = models.BigIntegerField(_("优惠（分）"), default=0)
    paid_fen = models.BigIntegerField(_("实付（分）"))
    refunded_fen = models.BigIntegerField(_("已退款（分）"), default=0)
    paid_at = models.DateTimeField(_("付款时间"))
    status = models.CharField(_("状态"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.PAID)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("发货仓"), null=True, blank=True, on_delete=models.PROTECT
    )
    consignee_enc = models.TextField(_("收件人（密文）"))
    consignee_masked = models.CharField(_("收件人"), max_length=80)
    buyer_hash = models.CharField(_("买家索引"), max_length=64, blank=True, db_index=True)

    audit_exclude = ("consignee_enc",)

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "order_no"], name="order_unique_per_platform"),
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=F("paid_fen")), name="order_refund_within_paid"
            ),
        ]
        indexes = [models.Index(fields=["shop", "-paid_at"])]

    def __str__(self) -> str:
        return f"{self.platform}:{self.order_no}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """A shop reaches its orders; an anchor views the orders it sold."""
        if user.role in (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF) and user.enterprise_id:
            return Q(shop_id=user.enterprise_id)
        if action == "view" and user.role == Role.ANCHOR and user.anchor_id:
            return Q(anchor_id=user.anchor_id)
        return NOTHING


class OrderLine(models.Model):
    order = models.ForeignKey(Order, verbose_name=_("订单"), on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.SKU", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))
    price_fen = models.BigIntegerField(_("单价（分）"))
    returned = models.PositiveIntegerField(_("已退货"), default=0)

    class Meta:
        verbose_name = _("订单行")
        verbose_name_plural = _("订单行")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.order} × {self.sku_id} × {self.quantity}"


class Allocation(models.Model):
    """Units of an order line taken from one batch in one warehouse."""

    line = models.ForeignKey(
        OrderLine, verbose_name=_("订单行"), on_delete=models.CASCADE, related_name="allocations"
    )
    batch = models.ForeignKey("catalog.ProductBatch", verbose_name=_("生产批次"), on_delete=models.PROTECT)
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("云仓"), on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(_("数量"))
    state = models.CharField(_("状态"), max_length=10, default="reserved")

    class Meta:
        verbose_name = _("配货")
        verbose_name_plural = _("配货")

    def __str__(self) -> str:
        return f"{self.line_id}: {self.quantity} of {self.batch_id} ({self.state})"


class Carrier(models.TextChoices):
    SF = "SF", _("顺丰速运")
    JD = "JD", _("京东物流")
    EMS = "EMS", _("中国邮政 EMS")
    ZTO = "ZTO", _("中通快递")
    YTO = "YTO", _("圆通速递")
    STO = "STO", _("申通快递")
    YUNDA = "YUNDA", _("韵达速递")
    JT = "JT", _("极兔速递")
    OTHER = "OTHER", _("其他")


class Shipment(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("订单"), on_delete=models.PROTECT, related_name="shipments"
    )
    carrier = models.CharField(_("承运商"), max_length=8, choices=Carrier.choices)
    waybill_no = models.CharField(_("运单号"), max_length=40)
    shipped_at = models.DateTimeField(_("发货时间"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("签收时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("运单")
        verbose_name_plural = _("运单")
        ordering = ["-shipped_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "waybill_no"], name="waybill_unique_per_carrier")
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.waybill_no}"


class TrackingEvent(models.Model):
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("运单"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("时间"))
    status = models.CharField(_("状态"), max_length=32)
    location = models.CharField(_("地点"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("物流轨迹")
        verbose_name_plural = _("物流轨迹")
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["shipment", "at", "status"], name="tracking_unique")]

    def __str__(self) -> str:
        return f"{self.shipment} {self.status}"


class ReturnReason(models.TextChoices):
    QUALITY = "quality", _("质量问题")
    SIZE = "size", _("尺码不合适")
    NOT_AS_DESCRIBED = "not_as_described", _("与描述不符")
    DAMAGED = "damaged", _("运输破损")
    NO_REASON = "no_reason", _("七天无理由")
    OTHER = "other", _("其他")


class Return(models.Model):
    """Goods coming back for one order line: inspected on arrival, good ones back into stock."""

    line = models.ForeignKey(
        OrderLine, verbose_name=_("订单行"), on_delete=models.PROTECT, related_name="returns"
    )
    quantity = models.PositiveIntegerField(_("退货数量"))
    good_quantity = models.PositiveIntegerField(_("完好数量"))
    reason = models.CharField(_("退货原因"), max_length=20, choices=ReturnReason.choices)
    refund_fen = models.BigIntegerField(_("退款（分）"), default=0)
    received_at = models.DateTimeField(_("到仓时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("退货")
        verbose_name_plural = _("退货")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(good_quantity__lte=F("quantity")), name="return_good_within_quantity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.line} -{self.quantity}"
