"""Back office for QC and stock. Stock moves made here pass the same QC gate as every other path."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from livepark.core import audit
from livepark.core.admin import ReadOnly, ServiceAdmin
from livepark.core.errors import ServiceError
from livepark.fulfillment import services
from livepark.fulfillment.models import (
    InspectionLot,
    Location,
    LocationStock,
    Order,
    Return,
    Shipment,
    StockBalance,
    StockMove,
    StockTransfer,
    SwitchingRecord,
    Warehouse,
)


@admin.register(Warehouse)
class WarehouseAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("code", "name", "operator", "address")
    search_fields = ("code", "name")


@admin.register(Location)
class LocationAdmin(ServiceAdmin):
    """Locations are created and switched off through the services (unique code per warehouse; only an empty
    location may be switched off)."""

    create_service = services.location_create
    update_service = services.location_update
    service_fields = ("warehouse", "code", "kind", "active")
    actions = []
    list_display = ("code", "warehouse", "kind", "active")
    list_filter = ("warehouse", "kind", "active")
    search_fields = ("code",)

    def get_readonly_fields(self, request, obj=None):
        return ("warehouse", "code") if obj else ()


@admin.register(LocationStock)
class LocationStockAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("location", "batch", "quantity")
    list_filter = ("location__warehouse", "location__kind")
    search_fields = ("location__code", "batch__batch_no", "batch__sku__barcode")


@admin.register(StockTransfer)
class StockTransferAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "__str__",
        "at",
        "batch",
        "from_warehouse",
        "to_warehouse",
        "quantity",
        "certified",
        "actor",
    )
    list_filter = ("from_warehouse", "to_warehouse")
    search_fields = ("batch__batch_no", "batch__sku__barcode", "reference")
    date_hierarchy = "at"


@admin.register(InspectionLot)
class InspectionLotAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "__str__",
        "batch",
        "warehouse",
        "lot_size",
        "severity",
        "status",
        "passed_units",
        "decided_at",
    )
    list_filter = ("status", "qc_mode", "severity", "warehouse")
    search_fields = ("certificate_no", "batch__batch_no", "batch__sku__barcode")


@admin.register(StockBalance)
class StockBalanceAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("batch", "warehouse", "on_hand", "reserved", "picked", "received_at")
    list_filter = ("warehouse",)
    search_fields = ("batch__batch_no", "batch__sku__barcode", "batch__sku__product__name")
    actions = ["reserve_available"]

    @admin.action(description=_("预留全部可用库存（须通过质检）"))
    def reserve_available(self, request, queryset):
        done = 0
        with audit.channel("admin"):
            for bal in queryset:
                if bal.available <= 0:
                    continue
                try:
                    services.stock_move(
                        actor=request.user,
                        kind="reserve",
                        batch_id=bal.batch_id,
                        warehouse_id=bal.warehouse_id,
                        quantity=bal.available,
                        reference="admin",
                    )
                    done += 1
                except ServiceError as exc:
                    self.message_user(request, f"{bal}: {exc.detail}", messages.ERROR)
        self.message_user(request, _("已预留 %(n)d 条库存") % {"n": done})


@admin.register(StockMove)
class StockMoveAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "at",
        "kind",
        "batch",
        "warehouse",
        "on_hand_delta",
        "reserved_delta",
        "picked_delta",
        "location",
        "location_delta",
        "reference",
    )
    list_filter = ("kind", "warehouse")
    date_hierarchy = "at"


@admin.register(Order)
class OrderAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "order_no",
        "platform",
        "shop",
        "status",
        "paid_fen",
        "refunded_fen",
        "paid_at",
        "consignee_masked",
    )
    list_filter = ("platform", "status")
    search_fields = ("order_no",)
    exclude = ("consignee_enc", "buyer_hash")
    date_hierarchy = "paid_at"


@admin.register(Shipment)
class ShipmentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("waybill_no", "carrier", "order", "shipped_at", "delivered_at")
    list_filter = ("carrier",)
    search_fields = ("waybill_no", "order__order_no")


@admin.register(Return)
class ReturnAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("line", "quantity", "good_quantity", "reason", "refund_fen", "received_at")
    list_filter = ("reason",)


@admin.register(SwitchingRecord)
class SwitchingRecordAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("supplier", "product", "state", "updated_at")
