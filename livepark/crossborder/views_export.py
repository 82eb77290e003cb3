"""Pages of B2B export (9710/9810) and of the statistics per trade mode: the export declaration list, one
declaration with its documents, receipts and actions, creation from a form or uploaded XML, the overseas
warehouses, and the statistics (with an xlsx download)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from livepark.core.errors import FieldErrors, Invalid, ServiceError
from livepark.core.pages import PER_PAGE, page_errors
from livepark.core.roles import has_right
from livepark.core.scoping import require_right
from livepark.crossborder import export, stats
from livepark.crossborder.gateway import configured_gateway
from livepark.crossborder.models import CustomsParty, PartyRole
from livepark.crossborder.models_export import ExportMode, ExportState

#: The form's fields, in order: (name, label, default).
FORM_FIELDS = [
    ("order_no", "订单编号", ""),
    ("ebp_code", "电商平台代码", ""),
    ("ebp_name", "电商平台名称（未登记时）", ""),
    ("currency", "币制", "142"),
    ("logistics_code", "物流企业代码", ""),
    ("logistics_name", "物流企业名称（未登记时）", ""),
    ("logistics_no", "运单编号", ""),
    ("freight", "运费", "0"),
    ("insured_fee", "保费", "0"),
    ("gross_weight", "毛重（千克）", ""),
    ("net_weight", "净重（千克）", ""),
    ("pack_no", "件数", "1"),
    ("goods_info", "主要货物信息", ""),
    ("customs_code", "申报海关代码", ""),
    ("port_code", "出口口岸代码", ""),
    ("ie_date", "出口日期", ""),
    ("statistics_flag", "申报业务类型（A 简化 / B 汇总）", "A"),
    ("country", "运抵国（地区）代码", ""),
    ("pod", "指运港代码", ""),
    ("traf_mode", "运输方式代码", ""),
]
LINE_COLUMNS = ("item_no", "gname", "gcode", "qty", "unit", "price", "gmodel")


@login_required
@page_errors
def export_list(request):
    """Export declarations, filtered by trade mode and state, searchable by order or waybill number."""
    mode = request.GET.get("mode") or ""
    mode = mode if mode in ExportMode.values else ""
    state = request.GET.get("state") or ""
    state = state if state in ExportState.values else ""
    q = (request.GET.get("q") or "").strip()
    qs = export.export_list(request.user, trade_mode=mode or None, state=state or None, q=q or None)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "query": query.urlencode(),
        "mode": mode,
        "state": state,
        "q": q,
        "modes": ExportMode.choices,
        "states": ExportState.choices,
        "can_create": has_right(request.user, "declaration", "create"),
        "partial": "crossborder/_export_table.html",
    }
    template = "crossborder/_export_table.html" if request.htmx else "crossborder/export_list.html"
    return render(request, template, context)


@login_required
@page_errors
def export_detail(request, pk: int):
    """One export declaration: facts, discrepancies, its three documents with their lines, receipts, actions."""
    obj = export.export_get(request.user, pk)
    docs = export.export_documents(obj)
    return render(
        request,
        "crossborder/export_detail.html",
        {
            "obj": obj,
            "docs": docs,
            "receipts": obj.receipts.all(),
            "can_change": has_right(request.user, "declaration", "change"),
        },
    )


@login_required
@require_POST
@page_errors
def export_act(request, pk: int, action: str):
    """Run the checks (`check`), declare (`send`), report the departure (`depart`) or apply for the summary
    (`summary`) from the detail page."""
    try:
        if action == "check":
            obj = export.export_check(actor=request.user, pk=pk)
            messages.success(request, _("校验完成：%(n)d 处差异") % {"n": len(obj.discrepancies)})
        elif action == "send":
            export.export_send(actor=request.user, pk=pk, gateway=configured_gateway())
            messages.success(request, _("订单、运单、清单已申报"))
        elif action == "depart":
            export.export_depart(actor=request.user, pk=pk, gateway=configured_gateway())
            messages.success(request, _("离境单已申报"))
        elif action == "summary":
            export.export_summarize(actor=request.user, pks=[pk], gateway=configured_gateway())
            messages.success(request, _("汇总申请已申报"))
        else:
            export.export_get(request.user, pk)  # 404 outside scope before saying the action is unknown
            messages.error(request, _("未知操作"))
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.detail)
    return redirect("crossborder:export_detail", pk=pk)


def _lines_from_text(text: str, errors: FieldErrors) -> list[dict]:
    """Lines typed one per row: item_no, gname, gcode, qty, unit, price[, gmodel] (comma or tab separated)."""
    out = []
    for n, row in enumerate((text or "").splitlines(), start=1):
        if not row.strip():
            continue
        cells = [c.strip() for c in row.replace("\t", ",").replace("，", ",").split(",")]
        if len(cells) < 6:
            errors.add("lines", _("第 %(n)d 行应有 6 或 7 列 / row %(n)d needs 6 or 7 columns") % {"n": n})
            continue
        out.append(dict(zip(LINE_COLUMNS, cells, strict=False)))
    return out


def _choices(request):
    parties = CustomsParty.objects.restrict(request.user, "view").live()
    return {
        "sellers": parties.filter(role=PartyRole.SELLER),
        "agents": CustomsParty.objects.live().filter(role=PartyRole.AGENT),
        "warehouses": export.warehouse_list(request.user),
        "modes": ExportMode.choices,
    }


@login_required
@page_errors
def export_new(request):
    """Create an export declaration from a form, or import CEB303/505/603 files."""
    require_right(request.user, "declaration", "create")
    values = {name: default for name, _label, default in FORM_FIELDS}
    values.update({"trade_mode": "9710", "seller_id": "", "agent_id": "", "warehouse_id": "", "lines": ""})
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("kind") == "upload":
                files = request.FILES.getlist("files")
                created = export.exports_import_xml(
                    actor=request.user,
                    files=[f.read() for f in files],
                    names=[f.name for f in files],
                    trade_mode=request.POST.get("trade_mode") or None,
                    warehouse_id=request.POST.get("warehouse_id") or None,
                )
                messages.success(request, _("已导入 %(n)d 份出口申报") % {"n": len(created)})
                return redirect("crossborder:export_list")
            values.update({k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"})
            line_errors = FieldErrors()
            data = dict(values)
            data["lines"] = _lines_from_text(values.get("lines", ""), line_errors)
            line_errors.raise_if_any()
            obj = export.export_create(actor=request.user, data=data)
            messages.success(request, _("出口申报已创建"))
            return redirect("crossborder:export_detail", pk=obj.pk)
        except (Invalid, ServiceError) as exc:
            if exc.status in (403, 404):
                raise
            errors = exc.fields or {"": [exc.detail]}
            status = exc.status
    fields = [(name, label, values.get(name, "")) for name, label, _default in FORM_FIELDS]
    return render(
        request,
        "crossborder/export_new.html",
        {"values": values, "fields": fields, "errors": errors, **_choices(request)},
        status=status,
    )


@login_required
@page_errors
def warehouses(request):
    """Registered overseas warehouses; members register their own sellers' warehouses here."""
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            export.warehouse_register(actor=request.user, data=request.POST.dict())
            messages.success(request, _("海外仓已登记"))
            return redirect("crossborder:warehouses")
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            errors, status = exc.fields or {"": [exc.detail]}, exc.status
    rows = export.warehouse_list(request.user)
    sellers = CustomsParty.objects.restrict(request.user, "change").live().filter(role=PartyRole.SELLER)
    return render(
        request,
        "crossborder/warehouses.html",
        {
            "rows": rows,
            "sellers": sellers,
            "errors": errors,
            "can_create": has_right(request.user, "customs_registration", "create"),
        },
        status=status,
    )


def _year(request) -> int | None:
    raw = request.GET.get("year")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise Invalid.field("year", "应为年份 / must be a year") from None


@login_required
@page_errors
def stats_page(request):
    """Declarations per month and trade mode: counts by state, released value, tax, release rate, top
    sellers."""
    try:
        figures = stats.trade_stats(request.user, year=_year(request))
    except Invalid as exc:
        return HttpResponse(exc.detail, status=422)
    for r in [*figures["rows"], *figures["totals"]]:
        r["mode_label"] = stats.MODE_LABELS.get(r["trade_mode"], r["trade_mode"])
        r["state_list"] = [r["states"].get(v, 0) for v in figures["states"]]
        rate = r["release_rate"]
        r["rate_shown"] = "—" if rate is None else f"{rate * 100:.1f}%"
    for mode, sellers in figures["top_sellers"].items():
        for x in sellers:
            x["mode_label"] = stats.MODE_LABELS.get(mode, mode)
    return render(
        request,
        "crossborder/stats.html",
        {"s": figures, "state_labels": [(v, stats.STATES[v]) for v in figures["states"]]},
    )


@login_required
@page_errors
def stats_xlsx(request):
    """The statistics as an xlsx workbook."""
    try:
        figures = stats.trade_stats(request.user, year=_year(request))
    except Invalid as exc:
        return HttpResponse(exc.detail, status=422)
    response = HttpResponse(
        stats.as_xlsx(figures),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="crossborder-stats-{figures["year"]}.xlsx"'
    return response
