"""Pages of the catalog: the product list (search, filters, HTMX paging) and one product with its goods' story —
SKUs, batches, inspection lots, stock per warehouse and the factory feedback (C2M)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from livepark.catalog import selectors
from livepark.catalog.models import Product, ProductStatus
from livepark.core.pages import list_page, page_errors
from livepark.core.roles import has_right
from livepark.core.scoping import require_right
from livepark.fulfillment import feedback
from livepark.fulfillment import selectors as stock_selectors


def _id(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


@login_required
@page_errors
def product_list(request):
    """Products the user may see, searched by name, brand or barcode and filtered by category, supplier, status."""
    require_right(request.user, "product", "view")
    f = {k: request.GET.get(k, "") for k in ("q", "category", "supplier", "status")}
    qs = selectors.product_list(
        request.user,
        q=f["q"] or None,
        category_id=_id(f["category"]),
        supplier_id=_id(f["supplier"]),
        status=f["status"] or None,
    ).select_related("supplier", "category")
    visible = Product.objects.restrict(request.user, "view").filter(archived_at__isnull=True)
    return list_page(
        request,
        qs.order_by("-id"),
        template="catalog/products.html",
        partial="catalog/_products_table.html",
        context={
            "f": f,
            "categories": selectors.category_list(request.user),
            "suppliers": visible.values_list("supplier_id", "supplier__name")
            .distinct()
            .order_by("supplier__name"),
            "statuses": ProductStatus.choices,
        },
    )


@login_required
@page_errors
def product_detail(request, pk: int):
    """One product: its SKUs, batches, inspection lots with verdicts, stock per warehouse and C2M summary."""
    product = selectors.product_get(request.user, pk)
    batches = selectors.batch_list(request.user).filter(sku__product=product).select_related("sku")
    lots = (
        stock_selectors.lot_list(request.user).filter(batch__sku__product=product)[:50]
        if has_right(request.user, "lot", "view")
        else []
    )
    stock = (
        stock_selectors.product_stock(request.user, product_id=product.pk)
        if has_right(request.user, "stock", "view")
        else []
    )
    summary = feedback.product_feedback(request.user, product_id=product.pk)
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "skus": selectors.sku_list(request.user, product_id=product.pk),
            "batches": batches,
            "lots": lots,
            "stock": stock,
            "feedback": summary[0] if summary else None,
            "can_edit": Product.objects.restrict(request.user, "change").filter(pk=product.pk).exists(),
        },
    )
