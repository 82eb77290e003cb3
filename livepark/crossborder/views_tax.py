"""Pages of the tax step: the monthly tax batch (with xlsx export and CEB816 upload), the rate tables (upload
for the park admin), and the tax, cancel and return actions of one declaration."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from livepark.core.errors import ServiceError
from livepark.core.pages import page_errors
from livepark.core.roles import has_right
from livepark.core.scoping import require_right
from livepark.crossborder import returns, tax_batch, tax_bills, taxation
from livepark.crossborder.gateway import configured_gateway
from livepark.crossborder.models_tax import TaxRateTable


def _report(request, exc: ServiceError) -> None:
    """Show a refused write as messages: the rule, then each field (a rate file's row report)."""
    if exc.status in (403, 404):
        raise exc
    messages.error(request, exc.detail)
    for name, problems in (exc.fields or {}).items():
        for problem in problems:
            messages.error(request, f"{name}: {problem}")


@login_required
@page_errors
def batch(request):
    """The month's tax batch: totals per tax kind, per seller and per agent, each set beside its tax bill."""
    try:
        year, month = tax_batch.parse_month(request.GET.get("month"))
    except ServiceError as exc:
        messages.error(request, exc.detail)
        year, month = tax_batch.parse_month(None)
    data = tax_batch.tax_batch(request.user, year, month)
    return render(
        request,
        "crossborder/tax/batch.html",
        {
            "batch": data,
            "month": data.period,
            "can_upload": has_right(request.user, "declaration", "change"),
        },
    )


@login_required
@page_errors
def batch_export(request):
    """The month's batch as an xlsx file."""
    try:
        year, month = tax_batch.parse_month(request.GET.get("month"))
    except ServiceError as exc:
        return HttpResponse(exc.detail, status=exc.status, content_type="text/plain; charset=utf-8")
    data = tax_batch.tax_batch(request.user, year, month)
    response = HttpResponse(
        tax_batch.batch_xlsx(data),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="tax-batch-{data.period}.xlsx"'
    return response


@login_required
@require_POST
@page_errors
def bills_upload(request):
    """Upload CEB816 tax bill files (all or nothing)."""
    files = request.FILES.getlist("files")
    try:
        bills = tax_bills.bills_upload(
            actor=request.user, files=[f.read() for f in files], names=[f.name for f in files]
        )
        messages.success(request, _("已接收 %(n)d 张电子税单") % {"n": len(bills)})
    except ServiceError as exc:
        _report(request, exc)
    month = request.POST.get("month", "")
    return redirect(f"{reverse('crossborder:tax_batch')}?month={month}" if month else "crossborder:tax_batch")


@login_required
@page_errors
def rates(request):
    """Rate tables (newest effective date first) and, for the park admin, the upload form."""
    require_right(request.user, "tax_rate", "view")
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            table = taxation.rate_table_load(
                actor=request.user,
                data=upload.read() if upload else b"",
                file_name=upload.name if upload else "",
                name=request.POST.get("name", ""),
                effective_from=request.POST.get("effective_from", ""),
            )
            messages.success(request, _("税率表已载入：%(n)d 条") % {"n": table.row_count})
        except ServiceError as exc:
            _report(request, exc)
        return redirect("crossborder:tax_rates")
    tables = TaxRateTable.objects.restrict(request.user, "view").prefetch_related("rates")
    shown = request.GET.get("table")
    current = next((t for t in tables if str(t.pk) == shown), None) or (tables[0] if tables else None)
    return render(
        request,
        "crossborder/tax/rates.html",
        {
            "tables": tables,
            "current": current,
            "can_upload": has_right(request.user, "tax_rate", "create"),
        },
    )


@login_required
@require_POST
@page_errors
def act(request, pk: int, action: str):
    """Tax a set (`assess`), cancel its inventory (`cancel`) or declare a return (`return`)."""
    try:
        if action == "assess":
            obj = taxation.declaration_tax(actor=request.user, pk=pk)
            messages.success(request, _("计税完成：税款合计 %(t)s 元") % {"t": obj.tax.tax_total})
        elif action in ("cancel", "return"):
            service = returns.declaration_cancel if action == "cancel" else returns.declaration_return
            service(
                actor=request.user, pk=pk, reason=request.POST.get("reason", ""), gateway=configured_gateway()
            )
            messages.success(request, _("已向海关申报") if action == "return" else _("撤单申请已发送"))
    except ServiceError as exc:
        _report(request, exc)
    return redirect("crossborder:detail", pk=pk)
