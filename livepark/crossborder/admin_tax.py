"""Back office for rate tables, tax assessments, cancellations/returns and CEB816 bills (read-only: rate tables
are loaded on the rate page or through the API, so every load is validated and audited by the service)."""

from __future__ import annotations

from django.contrib import admin

from livepark.core.admin import ReadOnly
from livepark.crossborder.models_tax import DeclarationTax, InventoryRequest, TaxBill, TaxRate, TaxRateTable


class TaxRateInline(admin.TabularInline):
    model = TaxRate
    fields = ("gcode", "tariff", "vat", "consumption")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TaxRateTable)
class TaxRateTableAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "effective_from", "row_count", "file_name", "created_at")
    inlines = [TaxRateInline]


@admin.register(DeclarationTax)
class DeclarationTaxAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("declaration", "mode", "taxable_price", "tax_total", "refunded", "quota_restored")
    list_filter = ("mode", "quota_restored")
    search_fields = ("declaration__order_no",)


@admin.register(InventoryRequest)
class InventoryRequestAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("declaration", "kind", "state", "days_after_release", "tax_refund", "requested_at")
    list_filter = ("kind", "state")
    exclude = ("sent_xml",)


@admin.register(TaxBill)
class TaxBillAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("tax_no", "invt_no", "declaration", "status", "tax_total", "source", "return_time")
    list_filter = ("status", "source")
    search_fields = ("tax_no", "invt_no")
