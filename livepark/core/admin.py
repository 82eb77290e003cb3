"""Back office for users, API tokens and the audit log; the park admin's role opens the admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from livepark.core.models import ApiToken, AuditLog, User
from livepark.core.roles import Role


def is_park_admin(request) -> bool:
    """Whether the request's user runs the park (or is a superuser)."""
    user = request.user
    return user.is_active and (user.is_superuser or (user.is_staff and user.role == Role.PARK_ADMIN))


class ParkAdminOnly:
    """Admin permissions follow the role, not Django's per-model permission table."""

    def has_module_permission(self, request) -> bool:
        return is_park_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_park_admin(request)

    def has_add_permission(self, request) -> bool:
        return is_park_admin(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_park_admin(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnly(ParkAdminOnly):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class LiveParkUserAdmin(ParkAdminOnly, UserAdmin):
    list_display = ("username", "display_name", "role", "enterprise", "anchor", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "display_name", "enterprise__name")
    raw_id_fields = ("enterprise", "anchor")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("LivePark", {"fields": ("role", "enterprise", "anchor", "display_name")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "user__username", "name")
    exclude = ("digest",)


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("at", "actor_name", "channel", "action", "object_type", "object_id", "object_repr")
    list_filter = ("channel", "action", "object_type")
    search_fields = ("object_repr", "actor_name", "object_id")
    date_hierarchy = "at"
