"""Back office for the positive list (read-only, plus a file load through the service) and the bonded account
books (read-only: stock moves only through `crossborder.bonded`)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from livepark.core.admin import ReadOnly
from livepark.crossborder import positive_list
from livepark.crossborder.models import (
    BondedAccount,
    BondedItem,
    BondedMove,
    PositiveListEntry,
    PositiveListVersion,
)


class PositiveListForm(forms.Form):
    file = forms.FileField(label=_("清单文件（csv/xlsx）"))
    effective_from = forms.DateField(label=_("生效日期"), required=False, help_text=_("空则为今天"))
    replace = forms.BooleanField(label=_("替换同日版本"), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class EntryInline(admin.TabularInline):
    model = PositiveListEntry
    fields = ("gcode", "name", "note", "remark")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PositiveListVersion)
class PositiveListVersionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("effective_from", "entry_count", "source_name", "note", "updated_at")
    inlines = [EntryInline]
    change_list_template = "admin/crossborder/positivelistversion/change_list.html"

    def get_urls(self):
        return [
            path("load/", self.admin_site.admin_view(self.load_view), name="crossborder_positivelist_load"),
            *super().get_urls(),
        ]

    def load_view(self, request):
        """Load a file through `positive_list.positive_list_load` (all or nothing, with the row report)."""
        report = None
        form = PositiveListForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            from livepark.core.errors import ServiceError

            try:
                report = positive_list.positive_list_load(
                    actor=request.user,
                    data=upload.read(),
                    filename=upload.name or "",
                    effective_from=form.cleaned_data["effective_from"],
                    replace=form.cleaned_data["replace"],
                    note=form.cleaned_data["note"],
                )
            except ServiceError as exc:
                form.add_error(None, exc.detail)
        return render(
            request,
            "admin/import_xlsx.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("载入正面清单"),
                "form": form,
                "report": report,
                "headers": [h for h, _f in positive_list.COLUMNS],
            },
        )


@admin.register(BondedAccount)
class BondedAccountAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("ems_no", "seller", "area_code", "area_name", "warehouse", "agent")
    search_fields = ("ems_no", "area_name")


@admin.register(BondedItem)
class BondedItemAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("account", "item_record_no", "goods", "unit", "balance")
    search_fields = ("item_record_no",)


@admin.register(BondedMove)
class BondedMoveAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("at", "item", "kind", "quantity", "balance_after", "reference", "declaration")
    list_filter = ("kind",)
    search_fields = ("reference",)
