"""Back office for users, API tokens and the audit log; the park admin's role opens the admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportActionMixin

from livepark.core import audit
from livepark.core.errors import ServiceError
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


class _DryRun(Exception):
    """Raised to roll back a validation-only run of a service."""


class ServiceAdmin(ParkAdminOnly, ExportActionMixin, admin.ModelAdmin):
    """Saves and archives through the services; exports to xlsx.

    The form's `clean()` runs the service once inside a rolled-back transaction, so a refusal (bad USCC, overlap,
    duplicate) shows on the form like any validation error; `save_model` then runs it for real.
    """

    create_service = None
    update_service = None
    archive_service = None
    service_fields: tuple[str, ...] = ()
    actions = ["archive_selected"]

    def service_data(self, form, change: bool) -> dict:
        """The form's values as the service takes them (foreign keys as `<name>_id`)."""
        names = self.service_fields or tuple(form.cleaned_data)
        data = {}
        for k in names:
            if k not in form.cleaned_data or (change and k not in form.changed_data):
                continue
            value = form.cleaned_data[k]
            if isinstance(form.fields[k], forms.ModelChoiceField):
                data[f"{k}_id"] = value.pk if value else None
            elif k == "id_number" and not value:
                continue
            else:
                data[k] = value
        return data

    def call_service(self, request, obj, form, change: bool):
        """Create or update through the service; returns the saved record."""
        data = self.service_data(form, change)
        with audit.channel("admin"):
            if change:
                return type(self).update_service(actor=request.user, pk=obj.pk, data=data)
            return type(self).create_service(actor=request.user, data=data)

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(base):
            def clean(self):
                cleaned = super().clean()
                if self.errors:
                    return cleaned
                try:
                    with transaction.atomic():
                        model_admin.call_service(request, obj, self, change)
                        raise _DryRun
                except _DryRun:
                    pass
                except ServiceError as exc:
                    for name, msgs in (exc.fields or {None: [exc.detail]}).items():
                        target = name if name in self.fields else None
                        for m in msgs:
                            self.add_error(target, m if target else f"{name}: {m}" if name else m)
                return cleaned

        return ServiceForm

    def save_model(self, request, obj, form, change):
        obj.pk = self.call_service(request, obj, form, change).pk

    @admin.action(description=_("归档所选记录"))
    def archive_selected(self, request, queryset):
        done = 0
        with audit.channel("admin"):
            for obj in queryset:
                try:
                    type(self).archive_service(actor=request.user, pk=obj.pk)
                    done += 1
                except ServiceError as exc:
                    self.message_user(request, f"{obj}: {exc.detail}", messages.ERROR)
        self.message_user(request, _("已归档 %(n)d 条") % {"n": done})

    # --- xlsx import (all or nothing): subclasses provide `import_xlsx` and `import_headers` ------------------

    def import_xlsx(self, data: bytes, actor):
        """Import `data`; None when this admin has no import."""
        return None

    def import_headers(self) -> list[str]:
        """The column headers the import reads."""
        return []

    def get_urls(self):
        urls = super().get_urls()
        if not self.import_headers():
            return urls
        info = self.model._meta.app_label, self.model._meta.model_name
        view = self.admin_site.admin_view(self.import_view)
        return [path("import-xlsx/", view, name=f"{info[0]}_{info[1]}_import_xlsx"), *urls]

    def import_view(self, request):
        """Upload an xlsx; show the row-by-row report; nothing is written unless every row is valid."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = XlsxUploadForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            report = self.import_xlsx(form.cleaned_data["file"].read(), request.user)
        ctx = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "headers": self.import_headers(),
            "title": _("从 xlsx 导入"),
        }
        return render(request, "admin/import_xlsx.html", ctx, status=422 if report and not report.ok else 200)


class XlsxUploadForm(forms.Form):
    file = forms.FileField(label=_("xlsx 文件"))
