"""Back office for the catalog: saves through the services, xlsx export."""

from __future__ import annotations

from django.contrib import admin

from livepark.catalog import services
from livepark.catalog.imports import COLUMNS, import_skus_xlsx
from livepark.catalog.models import SKU, Category, Product, ProductBatch
from livepark.core.admin import ServiceAdmin


class CreateOnly(ServiceAdmin):
    """Records whose only write is their creation (changes go through their own services)."""

    actions = []

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(CreateOnly):
    create_service = services.category_create
    list_display = ("name", "parent", "qc_mode", "inspection_level", "aql_critical", "aql_major", "aql_minor")
    list_filter = ("qc_mode",)
    search_fields = ("name",)


@admin.register(Product)
class ProductAdmin(ServiceAdmin):
    create_service = services.product_create
    update_service = services.product_update
    actions = []
    service_fields = (
        "supplier",
        "category",
        "brand",
        "name",
        "hs_code",
        "origin_country",
        "commission_rate",
        "status",
    )
    list_display = ("name", "brand", "supplier", "category", "status", "hs_code")
    list_filter = ("status", "category")
    search_fields = ("name", "brand", "supplier__name", "skus__barcode")
    raw_id_fields = ("supplier",)


@admin.register(SKU)
class SKUAdmin(CreateOnly):
    """SKUs (with their products) also come in by xlsx: 从 xlsx 导入, all or nothing."""

    change_list_template = "admin/change_list_import.html"

    def import_xlsx(self, data: bytes, actor):
        return import_skus_xlsx(data, actor=actor)

    def import_headers(self) -> list[str]:
        return [h for h, _ in COLUMNS]

    create_service = services.sku_create
    service_fields = ("product", "spec", "barcode", "unit", "list_price_fen", "cost_fen", "weight_g")
    list_display = ("barcode", "product", "spec", "list_price_fen", "cost_fen")
    search_fields = ("barcode", "product__name")
    raw_id_fields = ("product",)


@admin.register(ProductBatch)
class ProductBatchAdmin(CreateOnly):
    create_service = services.batch_create
    service_fields = ("sku", "batch_no", "production_date", "quantity")
    list_display = ("batch_no", "sku", "production_date", "quantity")
    search_fields = ("batch_no", "sku__barcode")
    raw_id_fields = ("sku",)
    date_hierarchy = "production_date"
