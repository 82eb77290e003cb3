"""Import platform order exports (CSV, xlsx or JSON), one row per order line, all or nothing.

The column mapping of each platform's export is documented in docs/orders.md. Rows are grouped by order number;
order-level columns (freight, discount, paid, consignee, payment time) are read from the order's first row.
Re-importing a file changes nothing: an order already recorded with the same content is skipped, and one
recorded with different content is reported, never overwritten.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from livepark.catalog.models import SKU
from livepark.core import audit
from livepark.core.errors import ServiceError
from livepark.core.money import MoneyFormatError, yuan_to_fen
from livepark.fulfillment.orders import order_create

MAX_ROWS = 50_000
WEB_MAX_ROWS = 200_000  # default of LIVEPARK_WEB_IMPORT_MAX_ROWS
WEB_LIMIT_HINT = (
    "（网页上传上限 LIVEPARK_WEB_IMPORT_MAX_ROWS，更大的文件请用 livepark orders import）/ web upload limit"
)
NUL = "\x00"
NUL_RULE = "含 NUL (0x00) 字符 / contains a NUL (0x00) character"

#: platform -> our field -> the export's column header
MAPPINGS: dict[str, dict[str, str]] = {
    "douyin": {
        "order_no": "主订单编号",
        "barcode": "商家编码",
        "quantity": "商品数量",
        "price": "商品单价",
        "freight": "运费",
        "discount": "优惠总金额",
        "paid": "订单应付金额",
        "name": "收件人",
        "phone": "收件人手机号",
        "address": "详细地址",
        "paid_at": "支付完成时间",
    },
    "kuaishou": {
        "order_no": "订单编号",
        "barcode": "SKU编码",
        "quantity": "商品数量",
        "price": "商品单价",
        "freight": "运费",
        "discount": "优惠金额",
        "paid": "实付款",
        "name": "收货人姓名",
        "phone": "收货人电话",
        "address": "收货地址",
        "paid_at": "付款时间",
    },
    "taobao": {
        "order_no": "订单编号",
        "barcode": "商家编码",
        "quantity": "购买数量",
        "price": "价格",
        "freight": "运费",
        "discount": "店铺优惠",
        "paid": "买家实际支付金额",
        "name": "收货人姓名",
        "phone": "联系手机",
        "address": "收货地址",
        "paid_at": "订单付款时间",
    },
}
OPTIONAL = {"discount", "freight"}


@dataclass
class OrderImportReport:
    platform: str
    rows: int = 0
    orders: int = 0
    created: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        """True when the whole file was taken."""
        return not self.errors and not self.file_error

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly report."""
        return {
            "platform": self.platform,
            "ok": self.ok,
            "rows": self.rows,
            "orders": self.orders,
            "created": self.created,
            "unchanged": self.unchanged,
            "file_error": self.file_error,
            "errors": self.errors,
        }


def read_table(data: bytes, filename: str) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8 or GB18030), xlsx or JSON (a list of objects) file, as header -> text."""
    name = filename.lower()
    if name.endswith(".json"):
        rows = json.loads(data.decode("utf-8-sig"))
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("JSON 应为对象数组 / JSON must be an array of objects")
        return [{str(k): "" if v is None else str(v) for k, v in r.items()} for r in rows]
    if name.endswith(".xlsx"):
        ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(it, ())]
        return [
            {h: _cell(v) for h, v in zip(header, row, strict=False)}
            for row in it
            if row and any(v not in (None, "") for v in row)
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")  # platform exports opened and saved in Excel on Chinese Windows
    return [
        {k.strip(): (v or "").strip() for k, v in r.items() if k} for r in csv.DictReader(io.StringIO(text))
    ]


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    return str(v).strip()


def _parse_time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("/", "-"))
    return timezone.make_aware(value) if timezone.is_naive(value) else value  # exports are Beijing time


def web_max_rows() -> int:
    """The most rows a file uploaded through the web (API) may have: `LIVEPARK_WEB_IMPORT_MAX_ROWS` (setting or
    environment variable), 200,000 by default. The CLI (`livepark orders import`) is not capped by it."""
    value = getattr(settings, "LIVEPARK_WEB_IMPORT_MAX_ROWS", None) or os.environ.get(
        "LIVEPARK_WEB_IMPORT_MAX_ROWS", ""
    )
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return WEB_MAX_ROWS


def import_orders(
    platform: str,
    data: bytes,
    filename: str,
    *,
    actor,
    shop_id: int | None = None,
    max_rows: int | None = None,
) -> OrderImportReport:
    """Import a platform's order export; any bad row imports nothing, and every bad row is reported.

    `max_rows` caps the rows of a large file (the web upload passes `web_max_rows()`); without it the bulk
    path's own limit applies.
    """
    from livepark.fulfillment import bulk_import  # imports this module

    if bulk_import.wants_bulk(data, filename):  # over 5,000 rows: the same rules, checked column-wise
        return bulk_import.import_orders_bulk(
            platform, data, filename, actor=actor, shop_id=shop_id, max_rows=max_rows
        )
    report = OrderImportReport(platform=platform)
    mapping = MAPPINGS.get(platform)
    if mapping is None:
        report.file_error = f"不支持的平台 / unsupported platform {platform!r}: one of {', '.join(MAPPINGS)}"
        return report
    try:
        rows = read_table(data, filename)
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, KeyError, OSError) as exc:
        report.file_error = f"无法读取文件 / cannot read the file: {exc}"
        return report
    limit = min(max_rows or MAX_ROWS, MAX_ROWS)
    if len(rows) > limit:
        report.file_error = f"超过 {limit} 行 / more than {limit} rows"
        if max_rows:
            report.file_error += WEB_LIMIT_HINT
        return report
    missing = [h for f, h in mapping.items() if f not in OPTIONAL and rows and h not in rows[0]]
    if missing or not rows:
        report.file_error = f"缺少列 / missing columns: {', '.join(missing) or '(empty file)'}"
        return report
    report.rows = len(rows)
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for number, row in enumerate(rows, start=2):
        groups.setdefault(row.get(mapping["order_no"], ""), []).append((number, row))
    report.orders = len(groups)
    barcodes = {r.get(mapping["barcode"], "") for r in rows}
    skus = {s.barcode: s.pk for s in SKU.objects.filter(barcode__in={b for b in barcodes if NUL not in b})}
    with audit.channel("import"), transaction.atomic():
        for order_no, members in groups.items():
            first_row_no = members[0][0]
            row_errors: dict[str, list[str]] = {}
            try:
                body = order_body(platform, mapping, order_no, members, skus, row_errors, shop_id)
            except (MoneyFormatError, ValueError) as exc:
                row_errors.setdefault("row", []).append(str(exc))
            if row_errors:
                report.errors.append({"row": first_row_no, "order_no": order_no, "fields": row_errors})
                continue
            try:
                with transaction.atomic():
                    _, created = order_create(actor=actor, data=body)
                report.created += created
                report.unchanged += not created
            except ServiceError as exc:
                report.errors.append(
                    {"row": first_row_no, "order_no": order_no, "fields": exc.fields or {"row": [exc.detail]}}
                )
        if report.errors:
            report.created = report.unchanged = 0
            transaction.set_rollback(True)
    return report


def order_body(platform, mapping, order_no, members, skus, errors, shop_id) -> dict[str, Any]:
    """The `order_create` payload of one order's rows; notes each bad cell in `errors` (shared with the bulk path)."""
    first = members[0][1]

    def money(row: dict[str, str], key: str, where: str) -> int:
        text = row.get(mapping[key], "")
        if text == "" and key in OPTIONAL:
            return 0
        try:
            return yuan_to_fen(text)
        except MoneyFormatError as exc:
            errors.setdefault(mapping[key], []).append(f"{where}: {exc}")
            return 0

    lines = []
    for number, row in members:
        for header in mapping.values():
            if NUL in row.get(header, ""):
                # PostgreSQL refuses NUL in text and SQLite would keep it in an order number: a bad cell.
                errors.setdefault(header, []).append(f"row {number}: {NUL_RULE}")
        barcode = row.get(mapping["barcode"], "")
        if barcode not in skus:
            errors.setdefault(mapping["barcode"], []).append(
                f"第 {number} 行 / row {number}: 未知 SKU 条码 {barcode!r}"
            )
        qty_text = row.get(mapping["quantity"], "")
        if not qty_text.isdigit() or int(qty_text) < 1:
            errors.setdefault(mapping["quantity"], []).append(
                f"row {number}: 数量应为正整数 / not a positive integer"
            )
        lines.append(
            {
                "sku_id": skus.get(barcode),
                "quantity": int(qty_text) if qty_text.isdigit() else 0,
                "price_fen": money(row, "price", f"row {number}"),
            }
        )
    try:
        paid_at = _parse_time(first.get(mapping["paid_at"], ""))
    except ValueError:
        errors.setdefault(mapping["paid_at"], []).append("时间格式应为 YYYY-MM-DD HH:MM:SS / bad date-time")
        paid_at = None
    return {
        "platform": platform,
        "order_no": order_no,
        "shop_id": shop_id,
        "lines": lines,
        "freight_fen": money(first, "freight", "order"),
        "discount_fen": money(first, "discount", "order"),
        "paid_fen": money(first, "paid", "order"),
        "paid_at": paid_at,
        "consignee": {
            "name": first.get(mapping["name"], ""),
            "phone": first.get(mapping["phone"], ""),
            "address": first.get(mapping["address"], ""),
        },
    }
