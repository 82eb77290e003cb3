"""Back office for the cross-border platform (read-only: writes go through the services)."""

from __future__ import annotations

from django.contrib import admin

from livepark.core.admin import ReadOnly
from livepark.crossborder.models import CustomsParty, DeclarationSet, GoodsRegistration, Receipt


@admin.register(CustomsParty)
class CustomsPartyAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("code", "name", "role", "enterprise")
    list_filter = ("role",)
    search_fields = ("code", "name")


@admin.register(GoodsRegistration)
class GoodsRegistrationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("item_no", "gname", "gcode", "positive_note", "item_record_no", "seller")
    search_fields = ("item_no", "gname", "gcode")


@admin.register(DeclarationSet)
class DeclarationSetAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("order_no", "ebp_code", "trade_mode", "seller", "state", "return_status", "created_at")
    list_filter = ("state", "trade_mode")
    search_fields = ("order_no",)
    # Encrypted documents and the buyer's blind index stay out of the back office.
    exclude = ("order_xml", "payment_xml", "waybill_xml", "inventory_xml", "sent_xml", "buyer_index")


@admin.register(Receipt)
class ReceiptAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("declaration", "message_type", "return_status", "return_info", "return_time")
    list_filter = ("return_status",)


from livepark.crossborder import (  # noqa: E402
    admin_export,  # noqa: F401  export declarations, overseas warehouses
    admin_sources,  # noqa: F401  positive list, bonded account books
    admin_tax,  # noqa: F401  rate tables, tax, returns, CEB816 bills
)
