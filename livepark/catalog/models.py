"""Categories (with their QC rule), products, SKUs and the supplier's production batches."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from livepark.core.models import Timestamped
from livepark.core.roles import Role
from livepark.core.scoping import NOTHING

SUPPLIER_ROLES = (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF)


def supplier_scope(user, action: str, path: str) -> Q:
    """A supplier reaches its own goods (`path` leads to the supplier); QC inspectors view everyone's."""
    if user.role in SUPPLIER_ROLES and user.enterprise_id:
        return Q(**{path: user.enterprise_id})
    if action == "view" and user.role == Role.QC_INSPECTOR:
        return Q()
    return NOTHING


class QcMode(models.TextChoices):
    PER_LOT = "per_lot", _("按批抽检")
    PER_UNIT = "per_unit", _("逐件检验")


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("在售")
    DISCONTINUED = "discontinued", _("停售")


class Category(Timestamped):
    scope_kind = "category"

    name = models.CharField(_("名称"), max_length=64)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级类目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    qc_mode = models.CharField(_("质检方式"), max_length=16, choices=QcMode.choices, default=QcMode.PER_LOT)
    inspection_level = models.CharField(_("检验水平"), max_length=4, default="II")
    aql_critical = models.CharField(_("致命缺陷 AQL"), max_length=6, default="0.065")
    aql_major = models.CharField(_("严重缺陷 AQL"), max_length=6, default="1.0")
    aql_minor = models.CharField(_("轻微缺陷 AQL"), max_length=6, default="4.0")

    class Meta:
        verbose_name = _("类目")
        verbose_name_plural = _("类目")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """Categories are the park's shared vocabulary."""
        return Q() if action == "view" else NOTHING


class Product(Timestamped):
    scope_kind = "product"

    supplier = models.ForeignKey(
        "registry.Enterprise", verbose_name=_("供应商"), on_delete=models.PROTECT, related_name="products"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("类目"), on_delete=models.PROTECT, related_name="products"
    )
    brand = models.CharField(_("品牌"), max_length=64, blank=True)
    name = models.CharField(_("商品名称"), max_length=128)
    hs_code = models.CharField(_("HS 编码"), max_length=10, blank=True)
    origin_country = models.CharField(_("原产国（3 位代码）"), max_length=3, default="142")
    commission_rate = models.DecimalField(_("佣金比例"), max_digits=5, decimal_places=4, default=0)
    images = models.JSONField(_("图片地址"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.ACTIVE
    )

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """A supplier reaches its own products; QC inspectors view every product."""
        return supplier_scope(user, action, "supplier_id")


class SKU(Timestamped):
    scope_kind = "product"

    product = models.ForeignKey(
        Product, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="skus"
    )
    spec = models.CharField(_("规格"), max_length=128)
    barcode = models.CharField(_("条码"), max_length=14, unique=True)
    unit = models.CharField(_("单位"), max_length=8, default="件")
    list_price_fen = models.PositiveBigIntegerField(_("标价（分）"))
    cost_fen = models.PositiveBigIntegerField(_("成本（分）"))
    weight_g = models.PositiveIntegerField(_("重量（克）"), default=0)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKU")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.product} {self.spec}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """As its product."""
        return supplier_scope(user, action, "product__supplier_id")


class ProductBatch(Timestamped):
    scope_kind = "product"

    sku = models.ForeignKey(SKU, verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="batches")
    batch_no = models.CharField(_("生产批号"), max_length=40)
    production_date = models.DateField(_("生产日期"))
    quantity = models.PositiveIntegerField(_("数量"))

    class Meta:
        verbose_name = _("生产批次")
        verbose_name_plural = _("生产批次")
        ordering = ["-production_date", "id"]
        constraints = [models.UniqueConstraint(fields=["sku", "batch_no"], name="batch_unique_per_sku")]

    def __str__(self) -> str:
        return f"{self.sku.barcode}#{self.batch_no}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """As its product."""
        return supplier_scope(user, action, "sku__product__supplier_id")
