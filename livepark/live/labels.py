"""Chinese labels of the metrics (``shared/specs/metrics.md``) for pages and exports, and how to show each."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

#: (code name, label, kind) of the headline figures, in the order pages and exports show them.
#: kind: "int" count, "fen" money in fen, "ratio" share (null when the denominator is 0), "seconds".
HEADLINE = [
    ("exposure_uv", _("曝光人数"), "int"),
    ("exposure_pv", _("曝光次数"), "int"),
    ("watch_uv", _("观看人数"), "int"),
    ("watch_pv", _("观看次数（场观）"), "int"),
    ("exposure_watch_rate", _("曝光-观看率"), "ratio"),
    ("peak_online", _("在线峰值"), "int"),
    ("avg_watch_seconds", _("人均观看时长"), "seconds"),
    ("bounce_rate", _("5 秒跳出率"), "ratio"),
    ("interact_uv", _("互动人数"), "int"),
    ("interaction_rate", _("互动率"), "ratio"),
    ("comments", _("评论次数"), "int"),
    ("likes", _("点赞次数"), "int"),
    ("shares", _("分享次数"), "int"),
    ("new_followers", _("新增粉丝"), "int"),
    ("follow_rate", _("关注率"), "ratio"),
    ("product_exposure_uv", _("商品曝光人数"), "int"),
    ("product_click_uv", _("商品点击人数"), "int"),
    ("product_ctr", _("商品点击率"), "ratio"),
    ("gmv_fen", _("成交金额"), "fen"),
    ("buyers", _("成交人数"), "int"),
    ("paid_orders", _("成交订单数"), "int"),
    ("items_sold", _("成交件数"), "int"),
    ("click_pay_rate", _("点击-成交转化率"), "ratio"),
    ("watch_pay_rate", _("观看-成交转化率"), "ratio"),
    ("gpm_fen", _("千次观看成交金额（GPM）"), "fen"),
    ("uv_value_fen", _("UV 价值"), "fen"),
    ("refund_fen", _("退款金额"), "fen"),
    ("refund_orders", _("退款订单"), "int"),
    ("refund_rate", _("退款率"), "ratio"),
    ("net_gmv_fen", _("净成交金额"), "fen"),
]
#: The figures on the report page's cards (a subset of HEADLINE).
CARDS = [
    "exposure_uv",
    "watch_uv",
    "peak_online",
    "avg_watch_seconds",
    "bounce_rate",
    "interaction_rate",
    "new_followers",
    "gmv_fen",
    "buyers",
    "paid_orders",
    "watch_pay_rate",
    "gpm_fen",
    "refund_fen",
    "net_gmv_fen",
]
STAY = [
    ("lt_5s", _("5 秒以下")),
    ("5_30s", _("5–30 秒")),
    ("30_60s", _("30–60 秒")),
    ("1_3m", _("1–3 分钟")),
    ("3_10m", _("3–10 分钟")),
    ("ge_10m", _("10 分钟以上")),
]
SOURCES = [
    ("recommend", _("推荐")),
    ("follow", _("关注")),
    ("search", _("搜索")),
    ("short_video", _("短视频")),
    ("ads", _("广告投放")),
    ("other", _("其他")),
]
FUNNEL = [
    ("exposure_uv", _("曝光")),
    ("watch_uv", _("进入直播间")),
    ("product_exposure_uv", _("商品曝光")),
    ("product_click_uv", _("商品点击")),
    ("buyers", _("成交")),
]
PRODUCT_COLUMNS = [
    ("product_exposure_uv", _("商品曝光人数"), "int"),
    ("product_click_uv", _("商品点击人数"), "int"),
    ("product_ctr", _("点击率"), "ratio"),
    ("buyers", _("成交人数"), "int"),
    ("paid_orders", _("成交订单"), "int"),
    ("items_sold", _("成交件数"), "int"),
    ("gmv_fen", _("成交金额"), "fen"),
    ("refund_fen", _("退款金额"), "fen"),
    ("explain_seconds", _("讲解时长"), "seconds"),
]


def display(value, kind: str) -> str:
    """A figure as shown on pages: counts with separators, fen as yuan, ratios as %, null as —."""
    if value is None:
        return "—"
    if kind == "fen":
        fen = round(value)
        sign = "-" if fen < 0 else ""
        fen = abs(fen)
        return f"{sign}¥{fen // 100:,}.{fen % 100:02d}"
    if kind == "ratio":
        return f"{value * 100:.1f}%"
    if kind == "seconds":
        seconds = round(value)
        if seconds < 60:
            return f"{seconds}秒"
        minutes, seconds = divmod(seconds, 60)
        if minutes < 60:
            return f"{minutes}分{seconds:02d}秒"
        hours, minutes = divmod(minutes, 60)
        return f"{hours}小时{minutes:02d}分"
    return f"{int(value):,}"
