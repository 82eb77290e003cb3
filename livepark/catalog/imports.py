"""xlsx import of products and their SKUs (one row per SKU), all or nothing, through the catalog services.

A row names its product by supplier (USCC) and product name: the product is created on its first row and reused by
the next ones. Prices are yuan with at most two decimals.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from livepark.catalog import services
from livepark.catalog.models import Category, Product
from livepark.core.errors import Invalid
from livepark.core.money import MoneyFormatError, yuan_to_fen
from livepark.core.xlsx_import import ImportReport, import_rows
from livepark.registry.selectors import enterprise_id_by_uscc

COLUMNS = [
    ("供应商信用代码", "supplier_uscc"),
    ("类目", "category"),
    ("品牌", "brand"),
    ("商品名称", "name"),
    ("规格", "spec"),
    ("条码", "barcode"),
    ("单位", "unit"),
    ("标价（元）", "list_price"),
    ("成本（元）", "cost"),
    ("HS编码", "hs_code"),
]
REQUIRED = {"supplier_uscc", "category", "name", "spec", "barcode", "list_price", "cost"}


def _fen(name: str, text: str) -> int:
    try:
        return yuan_to_fen(text)
    except MoneyFormatError as exc:
        raise Invalid.field(name, str(exc), "money") from None


def _create(actor, row: dict[str, str]) -> None:
    supplier_id = enterprise_id_by_uscc(row["supplier_uscc"])
    if supplier_id is None:
        raise Invalid.field("supplier_uscc", _("未登记的企业 / no enterprise with this USCC"))
    category = Category.objects.filter(name=row["category"], archived_at__isnull=True).first()
    if category is None:
        raise Invalid.field("category", _("未知类目 / unknown category"))
    product = Product.objects.filter(
        supplier_id=supplier_id, name=row["name"], archived_at__isnull=True
    ).first()
    if product is None:
        product = services.product_create(
            actor=actor,
            data={
                "supplier_id": supplier_id,
                "category_id": category.pk,
                "brand": row.get("brand", ""),
                "name": row["name"],
                "hs_code": row.get("hs_code", ""),
            },
        )
    services.sku_create(
        actor=actor,
        data={
            "product_id": product.pk,
            "spec": row["spec"],
            "barcode": row["barcode"],
            "unit": row.get("unit") or "件",
            "list_price_fen": _fen("list_price", row["list_price"]),
            "cost_fen": _fen("cost", row["cost"]),
        },
    )


def import_skus_xlsx(data: bytes, *, actor) -> ImportReport:
    """Import products and SKUs; nothing is written unless every row is valid."""
    return import_rows("skus", COLUMNS, REQUIRED, data, lambda row: _create(actor, row))
