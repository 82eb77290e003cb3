"""Template context: the navigation a user's role opens."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from livepark.core.roles import has_right

NAV = [
    ("home", _("首页"), None),
    ("registry:enterprise_list", _("企业"), "enterprise"),
    ("registry:anchor_list", _("主播"), "anchor"),
    ("registry:account_list", _("平台账号"), "account"),
    ("registry:room_list", _("直播间"), "room"),
    ("registry:calendar", _("预订日历"), "booking"),
    ("live:session_list", _("直播场次"), "session"),
    ("live:anchor_overview", _("直播数据"), "session"),
    ("fulfillment:product_list", _("商品"), "product"),
    ("fulfillment:qc_workbench", _("质检"), "lot"),
    ("fulfillment:stock", _("库存"), "stock"),
    ("fulfillment:orders", _("订单"), "order"),
    ("fulfillment:supplier", _("工厂反馈"), "product"),
    ("crossborder:queue", _("跨境申报"), "declaration"),
    ("crossborder:bonded_accounts", _("保税账册"), "bonded_account"),
    ("crossborder:tax_batch", _("跨境税款"), "declaration"),
    ("crossborder:export_list", _("出口申报"), "declaration"),
    ("crossborder:stats", _("跨境统计"), "declaration"),
]


def navigation(request) -> dict:
    """`nav_items`: the pages the user may open, the current one marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label, kind in NAV:
        if kind and not has_right(user, kind, "view"):
            continue
        url = reverse(name)
        active = request.path == url if name == "home" else request.path.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    if user.is_staff:
        items.append({"url": reverse("admin:index"), "label": _("后台"), "active": False})
    items.append({"url": "/api/v1/docs", "label": _("API"), "active": False})
    return {"nav_items": items}
