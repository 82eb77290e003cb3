"""Pages: the QC workbench and certificates, stock, orders and shipments, the supplier's feedback page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from livepark.core.errors import ServiceError
from livepark.core.pages import list_page, page_errors
from livepark.core.roles import has_right
from livepark.core.scoping import require_right
from livepark.fulfillment import feedback, selectors, services
from livepark.fulfillment import orders as orders_service
from livepark.fulfillment.models import Carrier, LocationKind, LotStatus, OrderStatus


@login_required
@page_errors
def qc_workbench(request, pk: int | None = None):
    """The queue of pending lots beside the entry form of the chosen one (keyboard: type, Tab, Enter)."""
    require_right(request.user, "lot", "view")
    queue = selectors.lot_list(request.user, status=LotStatus.PENDING).order_by("created_at")[:100]
    lot = selectors.lot_get(request.user, pk) if pk else (queue[0] if queue else None)
    error = None
    if request.method == "POST" and lot is not None:
        try:
            defects = {c: int(request.POST.get(c, "")) for c in services.DEFECT_CLASSES}
        except ValueError:
            error = _("缺陷数须为整数")
        else:
            units = None
            if lot.qc_mode == "per_unit":
                failed = set(request.POST.getlist("failed_unit"))
                units = [str(i) not in failed for i in range(1, lot.lot_size + 1)]
            try:
                lot = services.lot_record(
                    actor=request.user,
                    pk=lot.pk,
                    defects=defects,
                    unit_results=units,
                    notes=request.POST.get("notes", ""),
                )
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                error = exc.detail
            else:
                messages.success(
                    request,
                    _("已判定：%(v)s，证书 %(c)s") % {"v": lot.get_status_display(), "c": lot.certificate_no},
                )
                return redirect("fulfillment:qc_workbench")
    recent = selectors.lot_list(request.user).exclude(status=LotStatus.PENDING)[:15]
    return render(
        request,
        "fulfillment/qc_workbench.html",
        {
            "queue": queue,
            "lot": lot,
            "recent": recent,
            "error": error,
            "classes": services.DEFECT_CLASSES,
            "can_record": has_right(request.user, "lot", "change"),
            "units": range(1, lot.lot_size + 1) if lot and lot.qc_mode == "per_unit" else (),
        },
        status=422 if error else 200,
    )


@login_required
@page_errors
def certificate(request, pk: int):
    """A numbered inspection certificate that prints cleanly."""
    lot = selectors.lot_get(request.user, pk)
    return render(request, "fulfillment/certificate.html", {"lot": lot, "now": timezone.now()})


@login_required
@page_errors
def stock(request):
    """Stock per warehouse and product: on hand, reserved, picked, available, value at cost, age."""
    require_right(request.user, "stock", "view")
    wh = request.GET.get("warehouse") or None
    qs = selectors.stock_overview(
        request.user, warehouse_id=int(wh) if wh and wh.isdigit() else None, q=request.GET.get("q")
    )
    wh_id = int(wh) if wh and wh.isdigit() else None
    can_move = has_right(request.user, "stock", "change")
    context = {
        "warehouses": selectors.warehouse_list(request.user),
        "f": {"warehouse": wh, "q": request.GET.get("q", "")},
        "today": timezone.now(),
        "can_move": can_move,
    }
    if not request.htmx:  # the parts around the table, which the search does not redraw
        context |= {
            "valuation": selectors.stock_valuation(request.user, warehouse_id=wh_id),
            "age_bands": [b for b, _, _ in selectors.AGE_BANDS] + ["unknown"],
            "located": selectors.location_stock(request.user, warehouse_id=wh_id)[:LOCATED_ROWS],
            "locations": selectors.location_list(request.user, warehouse_id=wh_id, active=True),
            "transfers": selectors.transfer_list(request.user, warehouse_id=wh_id)[:10],
            "can_manage_locations": has_right(request.user, "warehouse", "change"),
            "location_kinds": LocationKind.choices,
            "batches": (
                selectors.stock_list(request.user, warehouse_id=wh_id).filter(on_hand__gt=0)[:LOCATED_ROWS]
                if can_move
                else []
            ),
        }
    return list_page(
        request,
        qs,
        template="fulfillment/stock.html",
        partial="fulfillment/_stock_table.html",
        context=context,
    )


LOCATED_ROWS = 200  # rows of the per-location table and of the forms' batch lists


def _int(request, name: str) -> int | None:
    """An optional integer form field; ValueError names the field."""
    text = request.POST.get(name, "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(name) from None


def _stock_action(request, call, done: str):
    """Run a stock page form's service call: back to the stock page, or the refusal with its status."""
    try:
        call()
    except ValueError as exc:
        detail = _("%(f)s 须为整数") % {"f": exc.args[0] if exc.args else _("数量")}
        return render(request, "fulfillment/move_refused.html", {"detail": detail}, status=422)
    except ServiceError as exc:
        if exc.status in (403,):
            raise
        messages.error(request, exc.detail)
        return render(request, "fulfillment/move_refused.html", {"detail": exc.detail}, status=exc.status)
    messages.success(request, done)
    return redirect("fulfillment:stock")


@login_required
@require_POST
@page_errors
def stock_move(request):
    """The stock page's move form (reserve, pick, ship, …): the same service and gate as the API."""

    def call():
        services.stock_move(
            actor=request.user,
            kind=request.POST.get("kind", ""),
            batch_id=_int(request, "batch_id") or 0,
            warehouse_id=_int(request, "warehouse_id") or 0,
            quantity=_int(request, "quantity") or 0,
            reference=request.POST.get("reference", ""),
        )

    return _stock_action(request, call, _("库存已更新"))


@login_required
@require_POST
@page_errors
def stock_put_away(request):
    """The stock page's put-away form: units of a batch onto a location (from the unplaced ones or a location)."""

    def call():
        services.stock_put_away(
            actor=request.user,
            batch_id=_int(request, "batch_id") or 0,
            location_id=_int(request, "location_id") or 0,
            quantity=_int(request, "quantity") or 0,
            from_location_id=_int(request, "from_location_id"),
            reference=request.POST.get("reference", ""),
        )

    return _stock_action(request, call, _("已上架"))


@login_required
@require_POST
@page_errors
def stock_transfer(request):
    """The stock page's transfer form: the same service, gate and ledger as the API."""

    def call():
        services.stock_transfer(
            actor=request.user,
            batch_id=_int(request, "batch_id") or 0,
            from_warehouse_id=_int(request, "from_warehouse_id") or 0,
            to_warehouse_id=_int(request, "to_warehouse_id") or 0,
            quantity=_int(request, "quantity") or 0,
            to_location_id=_int(request, "to_location_id"),
            reference=request.POST.get("reference", ""),
        )

    return _stock_action(request, call, _("调拨完成"))


@login_required
@require_POST
@page_errors
def location_create(request):
    """The stock page's new-location form (park admin)."""

    def call():
        services.location_create(
            actor=request.user,
            data={
                "warehouse_id": _int(request, "warehouse_id"),
                "code": request.POST.get("code", ""),
                "kind": request.POST.get("kind", ""),
            },
        )

    return _stock_action(request, call, _("库位已添加"))


@login_required
@page_errors
def orders(request):
    """Orders with search by number and filters."""
    f = {k: request.GET.get(k) or None for k in ("q", "status", "platform")}
    return list_page(
        request,
        selectors.order_list(request.user, **f).select_related("shop"),
        template="fulfillment/orders.html",
        partial="fulfillment/_orders_table.html",
        context={"f": f, "statuses": OrderStatus.choices},
    )


@login_required
@page_errors
def shipments(request):
    """Shipments with search by waybill or order number."""
    f = {k: request.GET.get(k) or None for k in ("q", "carrier")}
    return list_page(
        request,
        selectors.shipment_list(request.user, **f),
        template="fulfillment/shipments.html",
        partial="fulfillment/_shipments_table.html",
        context={"f": f, "carriers": Carrier.choices},
    )


@login_required
@page_errors
def supplier(request):
    """The supplier's own page: sales per day, stock cover, stock-outs, return reasons, what to make next."""
    rows = feedback.product_feedback(request.user)
    chart = {
        "days": [d for d, _ in rows[0].daily_sales] if rows else [],
        "series": [{"name": r.product_name, "data": [u for _, u in r.daily_sales]} for r in rows[:8]],
    }
    rates = selectors.supplier_pass_rates(request.user)[:24] if has_right(request.user, "lot", "view") else []
    return render(request, "fulfillment/supplier.html", {"rows": rows, "chart": chart, "rates": rates})


@login_required
@page_errors
def order_detail(request, pk: int):
    """One order: lines, allocation, shipping and returns, with the next step's form."""
    order = selectors.order_get(request.user, pk)
    error = None
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "allocate":
                orders_service.order_allocate(
                    actor=request.user, pk=pk, warehouse_id=int(request.POST.get("warehouse_id") or 0)
                )
            elif step == "pick":
                orders_service.order_pick(actor=request.user, pk=pk)
            elif step == "ship":
                orders_service.shipment_create(
                    actor=request.user,
                    pk=pk,
                    carrier=request.POST.get("carrier", ""),
                    waybill_no=request.POST.get("waybill_no", ""),
                )
            else:
                error = _("未知操作")
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            error = exc.detail
        if error is None:
            messages.success(request, _("订单已更新"))
            return redirect("fulfillment:order_detail", pk=pk)
        order = selectors.order_get(request.user, pk)
    return render(
        request,
        "fulfillment/order_detail.html",
        {
            "order": order,
            "lines": order.lines.select_related("sku__product").prefetch_related("allocations__batch"),
            "shipments": order.shipments.prefetch_related("events"),
            "warehouses": selectors.warehouse_list(request.user),
            "carriers": Carrier.choices,
            "error": error,
            "can_change": has_right(request.user, "order", "change"),
        },
        status=409 if error else 200,
    )
