"""The home page: one dashboard per role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from livepark.core.roles import Role, has_right
from livepark.registry import selectors
from livepark.registry.choices import Platform


@login_required
def home(request):
    """Park admin: the whole base; enterprise staff: its anchors and bookings; anchor: its bookings and accounts."""
    user = request.user
    week = selectors.week_start()
    ctx: dict = {"week": week}
    bookings = (
        selectors.booking_list(user, start_from=timezone.now()).order_by("start")[:20]
        if has_right(user, "booking", "view")
        else []
    )
    if user.role == Role.PARK_ADMIN or user.is_superuser:
        followers = selectors.followers_by_platform(user)
        labels = dict(Platform.choices)
        ctx.update(
            template="dashboard/park_admin.html",
            enterprises=selectors.enterprise_list(user).count(),
            admitted=selectors.enterprise_list(user, status="admitted").count(),
            anchors=selectors.anchor_list(user).count(),
            rooms=selectors.room_list(user).count(),
            occupancy=selectors.room_occupancy(start=week),
            followers=followers,
            followers_total=sum(r["total"] for r in followers),
            followers_chart={
                "labels": [str(labels.get(r["platform"], r["platform"])) for r in followers],
                "values": [r["total"] for r in followers],
            },
            bookings=bookings,
        )
    elif user.role in (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF):
        ctx.update(
            template="dashboard/enterprise.html",
            enterprise=user.enterprise,
            anchors=selectors.anchor_list(user)[:20],
            anchors_count=selectors.anchor_list(user).count(),
            bookings=bookings,
            accounts_count=selectors.account_list(user).count(),
        )
    elif user.role == Role.ANCHOR:
        ctx.update(
            template="dashboard/anchor.html",
            anchor=user.anchor,
            bookings=bookings,
            accounts=selectors.account_list(user),
        )
    else:
        ctx.update(template="dashboard/other.html", enterprises=selectors.enterprise_list(user)[:20])
    return render(request, ctx["template"], ctx)
