"""Reads of the catalog, scoped to the user."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from livepark.catalog.models import SKU, Category, Product, ProductBatch
from livepark.core.scoping import get_scoped, require_right


def category_list(user) -> QuerySet[Category]:
    """Live categories."""
    require_right(user, "category", "view")
    return Category.objects.restrict(user, "view").filter(archived_at__isnull=True)


def product_list(
    user,
    *,
    q: str | None = None,
    category_id: int | None = None,
    supplier_id: int | None = None,
    status: str | None = None,
) -> QuerySet[Product]:
    """Products the user may see (a supplier its own); `q` matches name, brand or the start of a barcode."""
    require_right(user, "product", "view")
    qs = Product.objects.restrict(user, "view").filter(archived_at__isnull=True)
    if q and q.strip():
        q = q.strip()
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(brand__icontains=q)
            | Q(pk__in=SKU.objects.filter(barcode__startswith=q).values("product_id"))
        )
    if category_id:
        qs = qs.filter(category_id=category_id)
    if supplier_id:
        qs = qs.filter(supplier_id=supplier_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def product_get(user, pk: int, action: str = "view") -> Product:
    """One product in scope."""
    return get_scoped(Product, user, pk, action)


def sku_list(user, *, product_id: int | None = None, barcode: str | None = None) -> QuerySet[SKU]:
    """SKUs the user may see."""
    require_right(user, "product", "view")
    qs = SKU.objects.restrict(user, "view").filter(archived_at__isnull=True)
    if product_id:
        qs = qs.filter(product_id=product_id)
    if barcode:
        qs = qs.filter(barcode=barcode)
    return qs


def batch_list(user, *, sku_id: int | None = None) -> QuerySet[ProductBatch]:
    """Production batches the user may see."""
    require_right(user, "product", "view")
    qs = ProductBatch.objects.restrict(user, "view").filter(archived_at__isnull=True)
    return qs.filter(sku_id=sku_id) if sku_id else qs
