"""Back office for live sessions: saves through the services (same rules and audit as the API)."""

from __future__ import annotations

from django.contrib import admin

from livepark.core.admin import ServiceAdmin, is_park_admin
from livepark.live import services
from livepark.live.models import LiveSession, RunOfShowItem


class RunOfShowInline(admin.TabularInline):
    """Shown, not edited here: the run-of-show is replaced as a whole through its service (API)."""

    model = RunOfShowItem
    extra = 0
    fields = ("position", "product", "planned_minutes", "talking_points")
    readonly_fields = fields
    ordering = ("position",)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_park_admin(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LiveSession)
class LiveSessionAdmin(ServiceAdmin):
    create_service = services.session_create
    update_service = services.session_update
    actions = []
    service_fields = (
        "code",
        "title",
        "room",
        "anchor",
        "enterprise",
        "account",
        "booking",
        "planned_start",
        "planned_end",
        "notes",
    )
    fields = (*service_fields, "status", "started_at", "ended_at", "created_at", "updated_at")
    readonly_fields = ("status", "started_at", "ended_at", "created_at", "updated_at")
    list_display = ("code", "title", "anchor", "enterprise", "room", "planned_start", "status")
    list_filter = ("status",)
    search_fields = ("code", "title", "anchor__stage_name", "enterprise__name")
    raw_id_fields = ("room", "anchor", "enterprise", "account", "booking")
    date_hierarchy = "planned_start"
    inlines = [RunOfShowInline]

    def get_readonly_fields(self, request, obj=None):
        # The code keys the session's events: set once.
        return (*self.readonly_fields, "code") if obj is not None else self.readonly_fields
