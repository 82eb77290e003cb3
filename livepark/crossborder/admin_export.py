"""Back office for B2B export (read-only: writes go through `crossborder.export`)."""

from __future__ import annotations

from django.contrib import admin

from livepark.core.admin import ReadOnly
from livepark.crossborder.models_export import ExportDeclaration, ExportReceipt, OverseasWarehouse


@admin.register(OverseasWarehouse)
class OverseasWarehouseAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("code", "name", "country", "seller", "archived_at")
    search_fields = ("code", "name")


@admin.register(ExportDeclaration)
class ExportDeclarationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("order_no", "trade_mode", "seller", "state", "return_status", "invt_no", "created_at")
    list_filter = ("state", "trade_mode")
    search_fields = ("order_no", "logistics_no")
    exclude = ("order_xml", "waybill_xml", "inventory_xml")


@admin.register(ExportReceipt)
class ExportReceiptAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("declaration", "message_type", "return_status", "return_info", "return_time")
    list_filter = ("message_type", "return_status")
