"""Writes on the catalog: categories, products, SKUs, production batches."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from stdnum import ean

from livepark.catalog.models import SKU, Category, Product, ProductBatch, ProductStatus, QcMode
from livepark.core.errors import FieldErrors, Invalid
from livepark.core.roles import Role
from livepark.core.scoping import require_right
from livepark.core.servicekit import apply, choice, decimal, required_text, save_audited, scoped_for_update
from livepark.engines.sampling import parse_aql, parse_level
from livepark.registry.selectors import enterprise_exists

GROUP = "catalog"
URL_RE = re.compile(r"^https?://\S{1,500}$")


def _aql(errors: FieldErrors, name: str, value) -> str:
    try:
        return str(parse_aql(str(value)))
    except (ValueError, TypeError) as exc:
        errors.add(name, str(exc))
        return str(value)


def _level(errors: FieldErrors, value) -> str:
    try:
        return parse_level(str(value))
    except (ValueError, TypeError) as exc:
        errors.add("inspection_level", str(exc))
        return str(value)


@transaction.atomic
def category_create(*, actor, data: dict[str, Any]) -> Category:
    """Add a category with its QC rule (per lot or per unit) and default AQLs per defect class."""
    require_right(actor, "category", "create")
    errors = FieldErrors()
    fields: dict[str, Any] = {"name": required_text(errors, "name", data.get("name"), 64)}
    if data.get("parent_id") is not None:
        if not Category.objects.filter(pk=data["parent_id"], archived_at__isnull=True).exists():
            errors.add("parent_id", "上级类目不存在 / unknown parent category")
        fields["parent_id"] = data["parent_id"]
    fields["qc_mode"] = data.get("qc_mode") or QcMode.PER_LOT
    choice(errors, "qc_mode", fields["qc_mode"], QcMode)
    fields["inspection_level"] = _level(errors, data.get("inspection_level") or "II")
    for cls, default in (("critical", "0.065"), ("major", "1.0"), ("minor", "4.0")):
        fields[f"aql_{cls}"] = _aql(errors, f"aql_{cls}", data.get(f"aql_{cls}") or default)
    if Category.objects.filter(parent_id=fields.get("parent_id"), name=fields["name"]).exists():
        errors.add("name", "同级已有同名类目 / a sibling category has this name")
    errors.raise_if_any()
    category = Category(**fields)
    save_audited(actor=actor, obj=category, before=None, group=GROUP)
    return category


def _clean_product(actor, data: dict[str, Any], *, instance: Product | None) -> dict[str, Any]:
    errors = FieldErrors()
    out: dict[str, Any] = {}
    if instance is None:
        supplier_id = data.get("supplier_id")
        if actor.role in (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF):
            if supplier_id not in (None, actor.enterprise_id):
                errors.add("supplier_id", "只能登记本企业的商品 / only your own enterprise's products")
            supplier_id = actor.enterprise_id
        if not supplier_id or not enterprise_exists(supplier_id):
            errors.add("supplier_id", "供应商不存在 / unknown supplier enterprise")
        out["supplier_id"] = supplier_id
    if instance is None or "category_id" in data:
        if not Category.objects.filter(pk=data.get("category_id"), archived_at__isnull=True).exists():
            errors.add("category_id", "类目不存在 / unknown category")
        out["category_id"] = data.get("category_id")
    if instance is None or "name" in data:
        out["name"] = required_text(errors, "name", data.get("name"), 128)
    if "brand" in data:
        out["brand"] = (data.get("brand") or "").strip()[:64]
    if data.get("hs_code"):
        if not re.fullmatch(r"\d{10}", str(data["hs_code"])):
            errors.add("hs_code", "HS 编码应为 10 位数字 / must be 10 digits")
        out["hs_code"] = str(data["hs_code"])
    if data.get("origin_country"):
        if not re.fullmatch(r"\d{3}", str(data["origin_country"])):
            errors.add(
                "origin_country", "国别代码应为 3 位数字（如 142 中国）/ must be a 3-digit country code"
            )
        out["origin_country"] = str(data["origin_country"])
    if "commission_rate" in data:
        rate = decimal(errors, "commission_rate", data["commission_rate"], Decimal(0), Decimal(1))
        out["commission_rate"] = rate
    if "images" in data:
        images = data.get("images") or []
        if not isinstance(images, list) or not all(isinstance(u, str) and URL_RE.match(u) for u in images):
            errors.add("images", "应为 http(s) 图片地址列表 / must be a list of http(s) URLs")
        out["images"] = images
    if "status" in data and data["status"] is not None:
        choice(errors, "status", data["status"], ProductStatus)
        out["status"] = data["status"]
    errors.raise_if_any()
    return out


@transaction.atomic
def product_create(*, actor, data: dict[str, Any]) -> Product:
    """Register a product of a supplier (a supplier's staff: always their own enterprise)."""
    require_right(actor, "product", "create")
    product = Product(**_clean_product(actor, data, instance=None))
    save_audited(actor=actor, obj=product, before=None, group=GROUP)
    return product


@transaction.atomic
def product_update(*, actor, pk: int, data: dict[str, Any]) -> Product:
    """Change a product (its supplier cannot change)."""
    product = scoped_for_update(Product, actor, pk)
    if "supplier_id" in data and data["supplier_id"] != product.supplier_id:
        raise Invalid.field("supplier_id", "供应商不能修改 / the supplier cannot change", "locked")
    before = apply(product, _clean_product(actor, data, instance=product))
    save_audited(actor=actor, obj=product, before=before, group=GROUP)
    return product


def _money(errors: FieldErrors, name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors.add(name, "金额应为非负整数（分）/ must be a non-negative integer number of fen")
        return 0
    return value


@transaction.atomic
def sku_create(*, actor, data: dict[str, Any]) -> SKU:
    """Add a SKU: a valid, unique EAN/GTIN barcode and prices in fen."""
    require_right(actor, "product", "change")
    errors = FieldErrors()
    product = Product.objects.restrict(actor, "change").filter(pk=data.get("product_id")).first()
    if product is None:
        errors.add("product_id", "商品不存在 / unknown product")
    barcode = str(data.get("barcode") or "").strip()
    if not ean.is_valid(barcode):
        errors.add("barcode", "条码不是有效的 EAN/GTIN（校验位）/ not a valid EAN/GTIN barcode")
    elif SKU.objects.filter(barcode=barcode).exists():
        errors.add("barcode", "条码已被使用 / barcode already in use")
    sku = SKU(
        product=product,
        spec=required_text(errors, "spec", data.get("spec"), 128),
        barcode=barcode,
        unit=(data.get("unit") or "件").strip()[:8],
        list_price_fen=_money(errors, "list_price_fen", data.get("list_price_fen")),
        cost_fen=_money(errors, "cost_fen", data.get("cost_fen")),
        weight_g=_money(errors, "weight_g", data.get("weight_g", 0)),
    )
    errors.raise_if_any()
    save_audited(actor=actor, obj=sku, before=None, group=GROUP)
    return sku


@transaction.atomic
def batch_create(*, actor, data: dict[str, Any]) -> ProductBatch:
    """Record a supplier's production batch of a SKU (batch number unique per SKU, not made in the future)."""
    require_right(actor, "product", "change")
    errors = FieldErrors()
    sku = SKU.objects.restrict(actor, "change").filter(pk=data.get("sku_id")).first()
    if sku is None:
        errors.add("sku_id", "SKU 不存在 / unknown SKU")
    batch_no = required_text(errors, "batch_no", data.get("batch_no"), 40)
    if sku and ProductBatch.objects.filter(sku=sku, batch_no=batch_no).exists():
        errors.add("batch_no", "该 SKU 已有此批号 / this SKU already has this batch number")
    produced = data.get("production_date")
    if not isinstance(produced, dt.date) or produced > timezone.localdate():
        errors.add("production_date", "应为不晚于今天的日期 / must be a date not in the future")
    quantity = data.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        errors.add("quantity", "数量应为正整数 / must be a positive integer")
    errors.raise_if_any()
    batch = ProductBatch(sku=sku, batch_no=batch_no, production_date=produced, quantity=quantity)
    save_audited(actor=actor, obj=batch, before=None, group=GROUP)
    return batch
