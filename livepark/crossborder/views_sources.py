"""Pages: the positive list, the 1210 bonded account books, and the sources of declaration sets (XML files,
platform exports, the base's orders), plus the receipt poll button."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from livepark.core.errors import ServiceError
from livepark.core.pages import PER_PAGE, page_errors
from livepark.core.roles import has_right
from livepark.core.scoping import require_right
from livepark.crossborder import bonded, positive_list, services, sources
from livepark.crossborder.gateway import configured_gateway
from livepark.crossborder.models import CustomsParty, PartyRole


def _refused(request, exc: ServiceError) -> None:
    """Show a service's refusal (403/404 stay errors)."""
    if exc.status in (403, 404):
        raise exc
    fields = "; ".join(f"{k}: {' '.join(v)}" for k, v in (exc.fields or {}).items())
    messages.error(request, fields or exc.detail)


def _report_message(request, report) -> None:
    if report.ok:
        messages.success(
            request, _("已导入 %(n)d 条，未变 %(u)d 条") % {"n": report.created, "u": report.unchanged}
        )
        return
    rows = "; ".join(
        f"{e['row']}: " + ", ".join(f"{k} {' '.join(v)}" for k, v in e["fields"].items())
        for e in report.errors
    )
    messages.error(request, (report.file_error or _("有误，未导入任何数据")) + (" — " + rows if rows else ""))


# ---- positive list --------------------------------------------------------------------------------------


@login_required
@page_errors
def positive_list_page(request):
    """The versions of the positive list, the lines of the one shown (default: in force), and the upload."""
    if request.method == "POST":
        require_right(request.user, "positive_list", "change")
        upload = request.FILES.get("file")
        try:
            day = (
                dt.date.fromisoformat(request.POST["effective_from"])
                if request.POST.get("effective_from")
                else None
            )
        except ValueError:
            messages.error(request, _("生效日期格式应为 YYYY-MM-DD"))
            return redirect("crossborder:positive_list")
        if upload is None:
            messages.error(request, _("请选择文件"))
            return redirect("crossborder:positive_list")
        try:
            report = positive_list.positive_list_load(
                actor=request.user,
                data=upload.read(),
                filename=upload.name or "",
                effective_from=day,
                replace=bool(request.POST.get("replace")),
                note=request.POST.get("note", ""),
            )
            _report_message(request, report)
        except ServiceError as exc:
            _refused(request, exc)
        return redirect("crossborder:positive_list")
    versions = positive_list.version_list(request.user)
    current = positive_list.version_in_force()
    shown_id = request.GET.get("version")
    shown = (
        positive_list.version_get(request.user, int(shown_id)) if shown_id and shown_id.isdigit() else current
    )
    q = request.GET.get("q") or None
    entries = positive_list.entry_list(request.user, version_id=shown.pk, q=q) if shown is not None else []
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "crossborder/positive_list.html",
        {
            "versions": versions,
            "current": current,
            "shown": shown,
            "page": page,
            "query": query.urlencode(),
            "q": q or "",
            "can_load": has_right(request.user, "positive_list", "change"),
        },
    )


# ---- bonded accounts ------------------------------------------------------------------------------------


@login_required
@page_errors
def account_list(request):
    """The user's account books; owners and the park admin open new ones here."""
    if request.method == "POST":
        try:
            data = {
                k: request.POST.get(k, "")
                for k in ("ems_no", "area_code", "area_name", "warehouse", "customs_code")
            }
            data["seller_id"] = int(request.POST.get("seller_id") or 0) or None
            data["agent_id"] = int(request.POST.get("agent_id") or 0) or None
            account = bonded.account_open(actor=request.user, data=data)
            messages.success(request, _("账册已登记"))
            return redirect("crossborder:bonded_account", pk=account.pk)
        except ServiceError as exc:
            _refused(request, exc)
        except ValueError:
            messages.error(request, _("请选择电商企业"))
        return redirect("crossborder:bonded_accounts")
    accounts = bonded.account_list(request.user, q=request.GET.get("q") or None)
    can_open = has_right(request.user, "bonded_account", "create")
    return render(
        request,
        "crossborder/bonded_list.html",
        {
            "accounts": accounts,
            "can_open": can_open,
            "sellers": CustomsParty.objects.restrict(request.user, "change")
            .live()
            .filter(role=PartyRole.SELLER)
            if can_open
            else [],
            "agents": CustomsParty.objects.live().filter(role=PartyRole.AGENT) if can_open else [],
        },
    )


@login_required
@page_errors
def account_detail(request, pk: int):
    """One account book: item records with balances, the stock-entry form, the ledger, and released sets that
    took nothing out yet."""
    account = bonded.account_get(request.user, pk)
    items = list(bonded.account_items(account))
    page = Paginator(bonded.account_moves(account), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "crossborder/bonded_detail.html",
        {
            "account": account,
            "items": items,
            "page": page,
            "query": "",
            "pending": bonded.released_without_stock_out(account),
            "can_change": has_right(request.user, "bonded_account", "change"),
            "can_add": has_right(request.user, "bonded_account", "create"),
            "goods": account.seller.goods.filter(archived_at__isnull=True),
        },
    )


@login_required
@require_POST
@page_errors
def account_act(request, pk: int, action: str):
    """Stock entry (`entry`), a new item record (`item`), or the stock-out retry of a declaration (`release`)."""
    bonded.account_get(request.user, pk)  # 404 outside scope before anything else
    try:
        if action == "entry":
            bonded.stock_entry(
                actor=request.user,
                account_id=pk,
                entry_no=request.POST.get("entry_no", ""),
                lines=[
                    {
                        "item_record_no": request.POST.get("item_record_no", ""),
                        "qty": request.POST.get("qty", ""),
                    }
                ],
            )
            messages.success(request, _("已入区"))
        elif action == "item":
            bonded.item_add(
                actor=request.user,
                account_id=pk,
                data={
                    "item_record_no": request.POST.get("item_record_no", ""),
                    "goods_id": int(request.POST.get("goods_id") or 0),
                    "unit": request.POST.get("unit") or "007",
                },
            )
            messages.success(request, _("料号已添加"))
        elif action == "release":
            bonded.bonded_release(
                actor=request.user, declaration_id=int(request.POST.get("declaration_id") or 0)
            )
            messages.success(request, _("已出区"))
    except ServiceError as exc:
        _refused(request, exc)
    return redirect("crossborder:bonded_account", pk=pk)


# ---- sources --------------------------------------------------------------------------------------------


@login_required
@page_errors
def sources_page(request):
    """Where declaration sets come from: CEB XML files, a platform's export, or the base's paid orders."""
    require_right(request.user, "declaration", "create")
    sellers = CustomsParty.objects.restrict(request.user, "view").live().filter(role=PartyRole.SELLER)
    seller = None
    eligible = []
    seller_id = request.GET.get("seller")
    if seller_id and seller_id.isdigit():
        seller = sellers.filter(pk=int(seller_id)).first()
        if seller is not None and has_right(request.user, "order", "view"):
            eligible = sources.eligible_orders(request.user, seller)[0]
    return render(
        request,
        "crossborder/sources.html",
        {
            "sellers": sellers,
            "seller": seller,
            "eligible": eligible,
            "platforms": CustomsParty.objects.live().filter(role=PartyRole.PLATFORM),
            "carriers": CustomsParty.objects.live().filter(role=PartyRole.CARRIER),
            "columns": sources.EXPORT_COLUMNS,
            "required": sources.EXPORT_REQUIRED,
        },
    )


@login_required
@require_POST
@page_errors
def sources_act(request, action: str):
    """Upload XML files (`xml`), a platform export (`export`), or build from base orders (`orders`)."""
    try:
        if action == "xml":
            files = request.FILES.getlist("files")
            seller_id = request.POST.get("seller_id")
            created = services.declarations_import_xml(
                actor=request.user,
                files=[f.read() for f in files],
                names=[f.name or "" for f in files],
                seller_id=int(seller_id) if seller_id and seller_id.isdigit() else None,
            )
            messages.success(request, _("已导入 %(n)d 组单证") % {"n": len(created)})
            if len(created) == 1:
                return redirect("crossborder:detail", pk=created[0].pk)
            return redirect("crossborder:queue")
        if action == "export":
            upload = request.FILES.get("file")
            if upload is None:
                messages.error(request, _("请选择文件"))
            else:
                report = sources.declarations_from_export(
                    actor=request.user, data=upload.read(), filename=upload.name or ""
                )
                _report_message(request, report)
                if report.ok:
                    return redirect("crossborder:queue")
        elif action == "orders":
            picked = request.POST.getlist("order_id")
            orders = [
                {
                    "order_id": int(pk),
                    "buyer_name": request.POST.get(f"buyer_name_{pk}", ""),
                    "buyer_id_number": request.POST.get(f"buyer_id_{pk}", ""),
                    "buyer_phone": request.POST.get(f"buyer_phone_{pk}", ""),
                }
                for pk in picked
                if pk.isdigit()
            ]
            report = sources.declarations_from_orders(
                actor=request.user,
                seller_id=int(request.POST.get("seller_id") or 0),
                platform_id=int(request.POST.get("platform_id") or 0),
                carrier_id=int(request.POST["carrier_id"]) if request.POST.get("carrier_id") else None,
                orders=orders,
            )
            _report_message(request, report)
            return redirect("crossborder:queue")
    except ServiceError as exc:
        _refused(request, exc)
    except ValueError:
        messages.error(request, _("参数无效"))
    return redirect("crossborder:sources")


@login_required
@require_POST
@page_errors
def receipts_poll(request):
    """Fetch the gateway's receipts now and apply them; back to where the button was."""
    try:
        report = services.receipts_ingest(actor=request.user, gateway=configured_gateway())
        messages.success(request, _("已处理回执 %(n)d 条") % {"n": report.applied})
    except ServiceError as exc:
        _refused(request, exc)
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "crossborder:queue")
