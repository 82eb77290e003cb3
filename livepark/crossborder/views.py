"""Pages: the declaration queue by state, and one declaration with its documents side by side."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from livepark.core.errors import ServiceError
from livepark.core.pages import PER_PAGE, page_errors
from livepark.core.roles import has_right
from livepark.crossborder import selectors, services
from livepark.crossborder.gateway import configured_gateway
from livepark.crossborder.models import DeclarationSet, DeclarationState

DOCUMENT_LABELS = {
    "CEB311": gettext_lazy("订单"),
    "CEB411": gettext_lazy("支付单"),
    "CEB511": gettext_lazy("运单"),
    "CEB621": gettext_lazy("清单"),
}


@login_required
@page_errors
def queue(request):
    """Declaration sets by state (tabs with counts), searchable by order number."""
    state = request.GET.get("state") or ""
    if state not in DeclarationState.values:
        state = ""
    q = request.GET.get("q") or None
    counts = selectors.state_counts(request.user)
    qs = selectors.declaration_list(request.user, state=state or None, q=q)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    tabs = [(v, label, counts[v]) for v, label in DeclarationState.choices]
    context = {
        "page": page,
        "query": query.urlencode(),
        "tabs": tabs,
        "total": sum(counts.values()),
        "state": state,
        "q": q or "",
        "partial": "crossborder/_queue_table.html",
    }
    template = "crossborder/_queue_table.html" if request.htmx else "crossborder/queue.html"
    return render(request, template, context)


def _pair(obj: DeclarationSet, docs: dict, a: str | None, b: str | None) -> tuple[str, str]:
    """The two documents to show side by side: as asked, else the first discrepancy's document beside the
    order (or the inventory beside the order when there is none)."""
    codes = list(DeclarationSet.DOCUMENT_FIELDS)
    if a not in codes:
        first = obj.discrepancies[0]["document"] if obj.discrepancies else "CEB621"
        a = first if first in codes else "CEB621"
    if b not in codes or b == a:
        b = "CEB311" if a != "CEB311" else "CEB621"
    return a, b


@login_required
@page_errors
def detail(request, pk: int):
    """One declaration: its discrepancies (document, field, values, rule), two documents side by side with
    the disagreeing fields marked, and its receipts."""
    obj = selectors.declaration_get(request.user, pk)
    docs = selectors.declaration_documents(obj)
    a, b = _pair(obj, docs, request.GET.get("a"), request.GET.get("b"))
    flagged = {(d["document"], d["field"]) for d in obj.discrepancies}
    left, right = docs.get(a, {"head": {}, "lines": []}), docs.get(b, {"head": {}, "lines": []})
    names = list(left["head"]) + [n for n in right["head"] if n not in left["head"]]
    rows = [
        {
            "field": n,
            "a": left["head"].get(n, ""),
            "b": right["head"].get(n, ""),
            "flag": (a, n) in flagged or (b, n) in flagged,
            "differs": n in left["head"] and n in right["head"] and left["head"][n] != right["head"][n],
        }
        for n in names
    ]
    can_change = has_right(request.user, "declaration", "change")
    return render(
        request,
        "crossborder/detail.html",
        {
            "obj": obj,
            "a": a,
            "b": b,
            "labels": DOCUMENT_LABELS,
            "present": [c for c in DeclarationSet.DOCUMENT_FIELDS if c in docs],
            "rows": rows,
            "lines_a": left["lines"],
            "lines_b": right["lines"],
            "receipts": obj.receipts.all(),
            "can_change": can_change,
        },
    )


@login_required
@require_POST
@page_errors
def act(request, pk: int, action: str):
    """Run the matching (`check`) or declare (`send`) from the detail page."""
    try:
        if action == "check":
            obj = services.declaration_check(actor=request.user, pk=pk)
            messages.success(request, _("对碰完成：%(n)d 处差异") % {"n": len(obj.discrepancies)})
        elif action == "send":
            services.declaration_send(actor=request.user, pk=pk, gateway=configured_gateway())
            messages.success(request, _("清单已申报"))
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.detail)
    return redirect("crossborder:detail", pk=pk)
