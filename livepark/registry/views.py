"""Registry pages: lists with search and filters, details, create/edit forms, and the week calendar."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from livepark.core.audit import audit_history
from livepark.core.errors import ServiceError
from livepark.core.pages import list_page, page_errors
from livepark.core.roles import Role, has_right
from livepark.core.scoping import can, require_right
from livepark.registry import selectors, services
from livepark.registry.choices import (
    AnchorLevel,
    AnchorMode,
    AnchorStatus,
    EnterpriseKind,
    IndustryTrack,
    MembershipStatus,
    Platform,
    RoomStatus,
)
from livepark.registry.forms import (
    AccountForm,
    AccountUpdateForm,
    AnchorForm,
    BookingForm,
    EnterpriseForm,
    RoomForm,
    apply_service_error,
)
from livepark.registry.models import Anchor, Enterprise, PlatformAccount


def _filters(request, names: list[str]) -> dict:
    return {n: request.GET.get(n) or None for n in names}


def _form_page(request, form, *, title: str, back: str):
    return render(request, "registry/form.html", {"form": form, "title": title, "back": back})


def _save(request, form, call, *, title: str, back: str, success: str):
    """Validate `form`, call the service; on a refusal show its field errors on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = call(form)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            apply_service_error(form, exc)
        else:
            messages.success(request, success)
            return redirect(obj_url(obj))
    return _form_page(request, form, title=title, back=back)


def obj_url(obj) -> str:
    """The detail page of a registry record."""
    name = {
        "enterprise": "enterprise_detail",
        "anchor": "anchor_detail",
        "platformaccount": "account_detail",
        "liveroom": "room_detail",
    }[obj._meta.model_name]
    return reverse(f"registry:{name}", args=[obj.pk])


# --- enterprises -------------------------------------------------------------------------------------------


@login_required
@page_errors
def enterprise_list(request):
    require_right(request.user, "enterprise", "view")
    f = _filters(request, ["q", "kind", "industry", "status"])
    qs = selectors.enterprise_list(request.user, **f)
    return list_page(
        request,
        qs,
        template="registry/enterprise_list.html",
        partial="registry/_enterprise_table.html",
        context={
            "f": f,
            "kinds": EnterpriseKind.choices,
            "tracks": IndustryTrack.choices,
            "statuses": MembershipStatus.choices,
            "can_create": has_right(request.user, "enterprise", "create"),
        },
    )


@login_required
@page_errors
def enterprise_detail(request, pk: int):
    e = selectors.enterprise_get(request.user, pk)
    return render(
        request,
        "registry/enterprise_detail.html",
        {
            "e": e,
            "accounts": selectors.account_list(request.user, owner_enterprise_id=e.pk)
            if has_right(request.user, "account", "view")
            else None,
            "contracts": selectors.contract_list(request.user, mcn_id=e.pk)[:50]
            if has_right(request.user, "contract", "view")
            else None,
            "history": audit_history(e) if has_right(request.user, "audit", "view") else None,
            "can_edit": can(request.user, Enterprise, pk, "change"),
        },
    )


@login_required
@page_errors
def enterprise_create(request):
    require_right(request.user, "enterprise", "create")
    form = EnterpriseForm(
        request.POST or None, initial={"membership_status": "admitted", "industry": "other"}
    )
    return _save(
        request,
        form,
        lambda f: services.enterprise_create(actor=request.user, data=f.cleaned_data),
        title=_("登记企业"),
        back=reverse("registry:enterprise_list"),
        success=_("企业已登记"),
    )


@login_required
@page_errors
def enterprise_edit(request, pk: int):
    e = selectors.enterprise_get(request.user, pk, "change")
    initial = {f: getattr(e, f) for f in EnterpriseForm.base_fields if hasattr(e, f)}
    form = EnterpriseForm(request.POST or None, initial=initial)

    def call(f):
        data = {k: v for k, v in f.cleaned_data.items() if k != "contact_phone" or v}
        data = {k: v for k, v in data.items() if v != initial.get(k)}
        return services.enterprise_update(actor=request.user, pk=pk, data=data)

    return _save(request, form, call, title=_("编辑企业"), back=obj_url(e), success=_("已保存"))


@login_required
@require_POST
@page_errors
def enterprise_archive(request, pk: int):
    services.enterprise_archive(actor=request.user, pk=pk)
    messages.success(request, _("企业已归档"))
    return redirect("registry:enterprise_list")


# --- anchors -----------------------------------------------------------------------------------------------


@login_required
@page_errors
def anchor_list(request):
    require_right(request.user, "anchor", "view")
    f = _filters(request, ["q", "mode", "level", "status", "category"])
    return list_page(
        request,
        selectors.anchor_list(request.user, **f),
        template="registry/anchor_list.html",
        partial="registry/_anchor_table.html",
        context={
            "f": f,
            "modes": AnchorMode.choices,
            "levels": AnchorLevel.choices,
            "statuses": AnchorStatus.choices,
            "tracks": IndustryTrack.choices,
            "can_create": has_right(request.user, "anchor", "create"),
        },
    )


@login_required
@page_errors
def anchor_detail(request, pk: int):
    a = selectors.anchor_get(request.user, pk)
    return render(
        request,
        "registry/anchor_detail.html",
        {
            "a": a,
            "accounts": selectors.account_list(request.user, owner_anchor_id=a.pk),
            "contracts": selectors.contract_list(request.user, anchor_id=a.pk),
            "bookings": selectors.booking_list(request.user, anchor_id=a.pk).order_by("-start")[:20],
            "history": audit_history(a) if has_right(request.user, "audit", "view") else None,
            "can_edit": can(request.user, Anchor, pk, "change"),
        },
    )


@login_required
@page_errors
def anchor_create(request):
    require_right(request.user, "anchor", "create")
    form = AnchorForm(request.POST or None, initial={"mode": "onsite", "level": "C", "status": "active"})
    return _save(
        request,
        form,
        lambda f: services.anchor_create(actor=request.user, data=f.cleaned_data),
        title=_("登记主播"),
        back=reverse("registry:anchor_list"),
        success=_("主播已登记"),
    )


@login_required
@page_errors
def anchor_edit(request, pk: int):
    a = selectors.anchor_get(request.user, pk, "change")
    initial = {f: getattr(a, f) for f in AnchorForm.base_fields if hasattr(a, f)}
    form = AnchorForm(request.POST or None, initial=initial)

    def call(f):
        data = {k: v for k, v in f.cleaned_data.items() if k != "id_number" or v}
        data = {k: v for k, v in data.items() if v != initial.get(k)}
        return services.anchor_update(actor=request.user, pk=pk, data=data)

    return _save(request, form, call, title=_("编辑主播"), back=obj_url(a), success=_("已保存"))


# --- platform accounts -------------------------------------------------------------------------------------


@login_required
@page_errors
def account_list(request):
    require_right(request.user, "account", "view")
    f = _filters(request, ["q", "platform"])
    return list_page(
        request,
        selectors.account_list(request.user, **f).select_related("owner_anchor", "owner_enterprise"),
        template="registry/account_list.html",
        partial="registry/_account_table.html",
        context={
            "f": f,
            "platforms": Platform.choices,
            "can_create": has_right(request.user, "account", "create"),
        },
    )


@login_required
@page_errors
def account_detail(request, pk: int):
    acc = selectors.account_get(request.user, pk)
    snaps = list(acc.snapshots.order_by("at"))
    chart = {
        "labels": [timezone.localtime(s.at).strftime("%m-%d") for s in snaps],
        "values": [s.followers for s in snaps],
    }
    return render(
        request,
        "registry/account_detail.html",
        {
            "acc": acc,
            "snapshots": snaps,
            "chart": chart,
            "can_edit": can(request.user, PlatformAccount, pk, "change"),
        },
    )


@login_required
@page_errors
def account_create(request):
    require_right(request.user, "account", "create")
    initial = {"owner_anchor_id": request.user.anchor_id} if request.user.anchor_id else {}
    form = AccountForm(request.POST or None, initial=initial)
    return _save(
        request,
        form,
        lambda f: services.account_create(actor=request.user, data=f.cleaned_data),
        title=_("登记平台账号"),
        back=reverse("registry:account_list"),
        success=_("平台账号已登记"),
    )


@login_required
@page_errors
def account_edit(request, pk: int):
    acc = selectors.account_get(request.user, pk, "change")
    form = AccountUpdateForm(
        request.POST or None, initial={"display_name": acc.display_name, "followers": acc.followers}
    )
    return _save(
        request,
        form,
        lambda f: services.account_update(actor=request.user, pk=pk, data=f.cleaned_data),
        title=_("更新平台账号"),
        back=obj_url(acc),
        success=_("已保存"),
    )


# --- rooms -------------------------------------------------------------------------------------------------


@login_required
@page_errors
def room_list(request):
    require_right(request.user, "room", "view")
    f = _filters(request, ["q", "building", "status"])
    return list_page(
        request,
        selectors.room_list(request.user, **f),
        template="registry/room_list.html",
        partial="registry/_room_table.html",
        context={
            "f": f,
            "statuses": RoomStatus.choices,
            "buildings": selectors.room_list(request.user)
            .values_list("building", flat=True)
            .distinct()
            .order_by(),
            "can_create": has_right(request.user, "room", "create"),
        },
    )


@login_required
@page_errors
def room_detail(request, pk: int):
    room = selectors.room_get(request.user, pk)
    week = selectors.week_start()
    return render(
        request,
        "registry/room_detail.html",
        {
            "room": room,
            "entries": selectors.week_calendar(request.user, start=week, room_ids=[room.pk]),
            "can_edit": has_right(request.user, "room", "change"),
        },
    )


def _room_initial(room) -> dict:
    return {
        "building": room.building,
        "floor": room.floor,
        "number": room.number,
        "area_m2": room.area_m2,
        "equipment": ", ".join(room.equipment),
        "capacity": room.capacity,
        "hourly_price_yuan": room.hourly_price_fen / 100,
        "status": room.status,
    }


@login_required
@page_errors
def room_create(request):
    require_right(request.user, "room", "create")
    form = RoomForm(request.POST or None, initial={"status": "available"})
    return _save(
        request,
        form,
        lambda f: services.room_create(actor=request.user, data=f.service_data()),
        title=_("新增直播间"),
        back=reverse("registry:room_list"),
        success=_("直播间已新增"),
    )


@login_required
@page_errors
def room_edit(request, pk: int):
    room = selectors.room_get(request.user, pk, "change")
    form = RoomForm(request.POST or None, initial=_room_initial(room))
    return _save(
        request,
        form,
        lambda f: services.room_update(actor=request.user, pk=pk, data=f.service_data()),
        title=_("编辑直播间"),
        back=obj_url(room),
        success=_("已保存"),
    )


# --- the week calendar -------------------------------------------------------------------------------------


BOOKER_CHOICES_LIMIT = 500


def _booker_choices(user) -> dict:
    """Who the user may book for: the park admin any enterprise or anchor, an enterprise its contracted anchors,
    an anchor only itself (both fields hidden)."""
    if user.role == Role.ANCHOR:
        return {"enterprises": None, "anchors": None}
    anchors = selectors.anchor_list(user, status="active").values_list("pk", "stage_name")[
        :BOOKER_CHOICES_LIMIT
    ]
    if user.role == Role.PARK_ADMIN or user.is_superuser:
        enterprises = selectors.enterprise_list(user, status="admitted").values_list("pk", "name")
        return {"enterprises": list(enterprises), "anchors": list(anchors)}
    return {"enterprises": None, "anchors": list(anchors)}


def _parse_week(value: str | None) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(value) if value else None
    except ValueError:
        day = None
    return selectors.week_start(day)


@login_required
@page_errors
def calendar(request):
    """Rooms × days of one week; the booking form posts here and a conflict is shown on the grid."""
    require_right(request.user, "booking", "view")
    week = _parse_week(request.GET.get("week") or request.POST.get("week"))
    building = request.GET.get("building") or request.POST.get("building") or ""
    rooms = list(selectors.room_list(request.user, building=building or None, status="available"))
    choices = _booker_choices(request.user)
    form = BookingForm(request.POST or None, rooms=rooms, initial={"day": timezone.localdate()}, **choices)
    conflict_ids: set[int] = set()
    conflict_slot = new_id = None
    if request.method == "POST":
        require_right(request.user, "booking", "create")
        if form.is_valid():
            data = form.service_data()
            try:
                booking = services.booking_create(actor=request.user, data=data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                if exc.code == "booking_overlap":
                    conflict_ids = set(
                        services.booking_conflicts(
                            room_id=data["room_id"], start=data["start"], end=data["end"]
                        ).values_list("pk", flat=True)
                    )
                    conflict_slot = data
                    week = selectors.week_start(timezone.localtime(data["start"]).date())
            else:
                new_id = booking.pk
                week = selectors.week_start(timezone.localtime(booking.start).date())
                form = BookingForm(
                    rooms=rooms, initial={"day": timezone.localtime(booking.start).date()}, **choices
                )
    entries = selectors.week_calendar(request.user, start=week, room_ids=[r.pk for r in rooms])
    days = [week + dt.timedelta(days=i) for i in range(7)]
    grid = []
    for room in rooms:
        cells = []
        for day in days:
            day_end = day + dt.timedelta(days=1)
            cells.append([e for e in entries if e.room_id == room.pk and e.start < day_end and e.end > day])
        grid.append((room, cells))
    ctx = {
        "week": week,
        "prev_week": (week - dt.timedelta(days=7)).date().isoformat(),
        "next_week": (week + dt.timedelta(days=7)).date().isoformat(),
        "days": days,
        "grid": grid,
        "form": form,
        "conflict_ids": conflict_ids,
        "conflict_slot": conflict_slot,
        "new_id": new_id,
        "building": building,
        "buildings": selectors.room_list(request.user)
        .values_list("building", flat=True)
        .distinct()
        .order_by(),
        "can_book": has_right(request.user, "booking", "create"),
    }
    template = "registry/_calendar_body.html" if request.htmx else "registry/calendar.html"
    status = 409 if conflict_slot and not request.htmx else 200
    return render(request, template, ctx, status=status)


@login_required
@require_POST
@page_errors
def booking_cancel(request, pk: int):
    booking = services.booking_archive(actor=request.user, pk=pk)
    messages.success(request, _("预订已取消"))
    return redirect(
        f"{reverse('registry:calendar')}?week={timezone.localtime(booking.start).date().isoformat()}"
    )
