"""The session report as an xlsx workbook (openpyxl): headline, online curve, products, sources, stay."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from livepark.live.labels import HEADLINE, PRODUCT_COLUMNS, SOURCES, STAY
from livepark.live.models import LiveSession

BOLD = Font(bold=True)


def _value(value: Any, kind: str) -> Any:
    """Cells keep numbers: money in yuan (2 decimals), ratios as fractions with a % format."""
    if value is None:
        return None
    if kind == "fen":
        return round(value / 100, 2)
    return value


def _header(ws, *names: str) -> None:
    ws.append([str(n) for n in names])
    for cell in ws[ws.max_row]:
        cell.font = BOLD


def report_workbook(
    session: LiveSession, report: dict[str, Any], product_names: dict[str, str], curve_labels: list[str]
) -> bytes:
    """The workbook's bytes. Money is in yuan, times in Asia/Shanghai; code names sit beside the labels so a
    sheet can be matched with the API's JSON."""
    wb = Workbook()
    ws = wb.active
    ws.title = "概览"
    _header(ws, "指标", "代码", "数值")
    local = timezone.localtime
    for label, value in (
        ("场次", str(session)),
        ("主播", session.anchor.stage_name),
        ("销售企业", session.enterprise.name),
        ("直播间", str(session.room)),
        (
            "开始（北京时间）",
            local(session.started_at).strftime("%Y-%m-%d %H:%M") if session.started_at else "",
        ),
        ("结束（北京时间）", local(session.ended_at).strftime("%Y-%m-%d %H:%M") if session.ended_at else ""),
    ):
        ws.append([label, "", value])
    for code, label, kind in HEADLINE:
        ws.append([str(label) + ("（元）" if kind == "fen" else ""), code, _value(report.get(code), kind)])
        if kind == "ratio":
            ws.cell(ws.max_row, 3).number_format = "0.00%"
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 24

    curve = wb.create_sheet("在线人数")
    _header(curve, "时间（北京时间）", "在线人数")
    for label, value in zip(curve_labels, report["online_curve"], strict=True):
        curve.append([label, value])

    products = wb.create_sheet("商品")
    _header(
        products,
        "商品",
        "商品ID",
        *[f"{label}{'（元）' if k == 'fen' else ''}" for _, label, k in PRODUCT_COLUMNS],
    )
    for row in report["products"]:
        products.append(
            [
                product_names.get(row["product_id"], row["product_id"]),
                row["product_id"],
                *[_value(row[c], k) for c, _, k in PRODUCT_COLUMNS],
            ]
        )

    sources = wb.create_sheet("流量来源")
    _header(sources, "来源", "代码", "观看人数", "成交金额（元）")
    for code, label in SOURCES:
        figures = report["sources"].get(code, {"watch_uv": 0, "gmv_fen": 0})
        sources.append([str(label), code, figures["watch_uv"], _value(figures["gmv_fen"], "fen")])

    stay = wb.create_sheet("停留分布")
    _header(stay, "停留时长", "代码", "人数")
    for code, label in STAY:
        stay.append([str(label), code, report["stay_buckets"][code]])

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def curve_labels(report: dict[str, Any]) -> list[str]:
    """Asia/Shanghai labels of the online curve's minutes (``HH:MM``, with the date when it spans days)."""
    start = report.get("online_curve_start")
    if not start:
        return []
    first = timezone.localtime(dt.datetime.fromisoformat(start))
    minutes = [first + dt.timedelta(minutes=i) for i in range(len(report["online_curve"]))]
    fmt = "%H:%M" if not minutes or minutes[0].date() == minutes[-1].date() else "%m-%d %H:%M"
    return [m.strftime(fmt) for m in minutes]
