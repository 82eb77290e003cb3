"""Back office (Django admin, in Chinese): search, filters, xlsx export, all-or-nothing xlsx import.

Every save and action goes through the services, so the admin obeys the same rules and audit as the API.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from livepark.core import admin as core_admin
from livepark.core.admin import ReadOnly
from livepark.registry import services
from livepark.registry.imports import COLUMNS, import_xlsx
from livepark.registry.models import (
    Anchor,
    Enterprise,
    FollowerSnapshot,
    LiveRoom,
    MCNContract,
    PlatformAccount,
    RoomBooking,
)


def _resource(model_cls, kind: str, extra: dict[str, str | None] | None = None):
    """An export resource whose headers are the import's, so an export can be edited and imported back.

    `extra` maps an import column to the attribute exported for it (masked values for personal data), or None
    to leave the column out.
    """
    mapping = {f: f for _, f in COLUMNS[kind]} | (extra or {})
    declared = {
        name: fields.Field(
            attribute=mapping[name],
            column_name=header,
            widget=widgets.SimpleArrayWidget(separator=",") if name in ("kinds", "categories") else None,
        )
        for header, name in COLUMNS[kind]
        if mapping.get(name)
    }
    meta = type("Meta", (), {"model": model_cls, "fields": tuple(declared), "export_order": tuple(declared)})
    return type(f"{model_cls.__name__}Resource", (resources.ModelResource,), {"Meta": meta, **declared})


EnterpriseResource = _resource(Enterprise, "enterprises", {"contact_phone": "contact_phone_masked"})
AnchorResource = _resource(Anchor, "anchors", {"id_number": "id_number_masked", "mcn_uscc": None})
AccountResource = _resource(
    PlatformAccount,
    "accounts",
    {"owner_id_number": "owner_anchor__id_number_masked", "owner_uscc": "owner_enterprise__uscc"},
)


class ServiceAdmin(core_admin.ServiceAdmin):
    """The registry's admin: the service admin whose xlsx import is `registry.imports` for its `import_kind`."""

    import_kind: str | None = None

    def import_xlsx(self, data: bytes, actor):
        return import_xlsx(self.import_kind, data, actor=actor) if self.import_kind else None

    def import_headers(self) -> list[str]:
        return [h for h, _ in COLUMNS[self.import_kind]] if self.import_kind else []


@admin.register(Enterprise)
class EnterpriseAdmin(ServiceAdmin):
    resource_classes = [EnterpriseResource]
    import_kind = "enterprises"
    create_service = services.enterprise_create
    update_service = services.enterprise_update
    archive_service = services.enterprise_archive
    list_display = ("name", "uscc", "industry", "membership_status", "region_name", "archived_at")
    list_filter = ("membership_status", "industry", "archived_at")
    search_fields = ("name", "uscc", "contact_name")
    readonly_fields = ("region_name", "contact_phone_masked", "created_at", "updated_at", "archived_at")
    exclude = ("contact_phone_enc",)
    change_list_template = "admin/change_list_import.html"


class AnchorAdminForm(forms.ModelForm):
    id_number = forms.CharField(
        label=_("身份证号"), max_length=18, required=False, help_text=_("留空则不修改")
    )

    class Meta:
        model = Anchor
        fields = ("real_name", "stage_name", "mode", "region_code", "categories", "level", "status")


@admin.register(Anchor)
class AnchorAdmin(ServiceAdmin):
    form = AnchorAdminForm
    resource_classes = [AnchorResource]
    import_kind = "anchors"
    create_service = services.anchor_create
    update_service = services.anchor_update
    archive_service = services.anchor_archive
    service_fields = (
        "real_name",
        "id_number",
        "stage_name",
        "mode",
        "region_code",
        "categories",
        "level",
        "status",
    )
    list_display = ("stage_name", "real_name", "id_number_masked", "mode", "level", "status", "region_name")
    list_filter = ("mode", "level", "status")
    search_fields = ("stage_name", "real_name")
    readonly_fields = ("id_number_masked", "region_name", "created_at", "archived_at")
    change_list_template = "admin/change_list_import.html"


@admin.register(PlatformAccount)
class PlatformAccountAdmin(ServiceAdmin):
    resource_classes = [AccountResource]
    import_kind = "accounts"
    create_service = services.account_create
    update_service = services.account_update
    archive_service = services.account_archive
    service_fields = (
        "owner_anchor",
        "owner_enterprise",
        "platform",
        "account_id",
        "display_name",
        "followers",
    )
    list_display = ("display_name", "platform", "account_id", "followers", "owner_anchor", "owner_enterprise")
    list_filter = ("platform",)
    search_fields = ("display_name", "account_id")
    raw_id_fields = ("owner_anchor", "owner_enterprise")
    readonly_fields = ("followers_at", "created_at", "archived_at")
    change_list_template = "admin/change_list_import.html"


@admin.register(LiveRoom)
class LiveRoomAdmin(ServiceAdmin):
    create_service = services.room_create
    update_service = services.room_update
    archive_service = services.room_archive
    service_fields = (
        "building",
        "floor",
        "number",
        "area_m2",
        "equipment",
        "capacity",
        "hourly_price_fen",
        "status",
    )
    list_display = ("__str__", "floor", "area_m2", "capacity", "hourly_price_fen", "status")
    list_filter = ("building", "status")
    search_fields = ("building", "number")
    readonly_fields = ("created_at", "archived_at")


@admin.register(RoomBooking)
class RoomBookingAdmin(ServiceAdmin):
    create_service = services.booking_create
    update_service = services.booking_update
    archive_service = services.booking_archive
    list_display = ("room", "start", "end", "enterprise", "anchor", "purpose", "archived_at")
    list_filter = ("room__building", "archived_at")
    search_fields = ("purpose", "enterprise__name", "anchor__stage_name")
    raw_id_fields = ("room", "enterprise", "anchor")
    date_hierarchy = "start"
    readonly_fields = ("created_at", "archived_at")
    service_fields = ("room", "enterprise", "anchor", "start", "end", "purpose")


@admin.register(MCNContract)
class MCNContractAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("anchor", "mcn", "start_on", "end_on", "revenue_share")
    search_fields = ("anchor__stage_name", "mcn__name")
    list_filter = ("start_on",)
    raw_id_fields = ("anchor", "mcn")


@admin.register(FollowerSnapshot)
class FollowerSnapshotAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("account", "at", "followers")
    raw_id_fields = ("account",)
    date_hierarchy = "at"
