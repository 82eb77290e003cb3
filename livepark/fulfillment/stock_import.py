"""Import stock moves from a warehouse system's CSV/xlsx (kind, barcode, batch_no, warehouse, quantity): every row
through `stock_move` — the QC gate included — and all or nothing."""

from __future__ import annotations

from django.db import transaction

from livepark.catalog.models import ProductBatch
from livepark.core import audit
from livepark.core.errors import ServiceError
from livepark.fulfillment.models import Warehouse
from livepark.fulfillment.order_import import NUL, NUL_RULE, read_table
from livepark.fulfillment.services import stock_move

COLUMNS = {"kind": "类型", "barcode": "条码", "batch_no": "批号", "warehouse": "仓库编码", "quantity": "数量"}


def import_stock_moves(data: bytes, filename: str, *, actor) -> dict:
    """Apply every row or none; the report names each bad row, its field and the rule."""
    try:
        rows = read_table(data, filename)
    except (ValueError, UnicodeDecodeError, OSError, KeyError) as exc:
        return {
            "ok": False,
            "applied": 0,
            "errors": [],
            "file_error": f"无法读取文件 / cannot read the file: {exc}",
        }
    errors: list[dict] = []
    applied = 0
    with audit.channel("import"), transaction.atomic():
        for number, row in enumerate(rows, start=2):
            get = lambda f, row=row: row.get(COLUMNS[f], row.get(f, "")).strip()  # noqa: E731 — Chinese or English headers
            nul = {f: [f"row {number}: {NUL_RULE}"] for f in COLUMNS if NUL in get(f)}
            if nul:  # PostgreSQL refuses NUL in a query: a bad cell, not a 500
                errors.append({"row": number, "fields": nul})
                continue
            batch = ProductBatch.objects.filter(sku__barcode=get("barcode"), batch_no=get("batch_no")).first()
            warehouse = Warehouse.objects.filter(code=get("warehouse").upper()).first()
            qty = get("quantity")
            if batch is None or warehouse is None or not qty.isdigit():
                fields = {}
                if batch is None:
                    fields["batch_no"] = ["未知的条码/批号 / unknown barcode and batch"]
                if warehouse is None:
                    fields["warehouse"] = ["未知的仓库编码 / unknown warehouse code"]
                if not qty.isdigit():
                    fields["quantity"] = ["数量应为正整数 / must be a positive integer"]
                errors.append({"row": number, "fields": fields})
                continue
            try:
                with transaction.atomic():
                    stock_move(
                        actor=actor,
                        kind=get("kind"),
                        batch_id=batch.pk,
                        warehouse_id=warehouse.pk,
                        quantity=int(qty),
                        reference=f"import row {number}",
                    )
                applied += 1
            except ServiceError as exc:
                errors.append(
                    {"row": number, "code": exc.code, "fields": exc.fields or {"row": [exc.detail]}}
                )
        if errors:
            applied = 0
            transaction.set_rollback(True)
    return {"ok": not errors, "applied": applied, "errors": errors, "file_error": ""}
