"""Electronic tax bills (CEB816 `Tax`): ingested from the gateway's receipts or uploaded, stored per bill
(`taxNo`), linked to their declaration set by the inventory number (`invtNo`) customs gave it, and reconciled
with the tax the platform computed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from livepark.core.errors import FieldErrors
from livepark.core.scoping import require_right
from livepark.core.servicekit import apply, save_audited
from livepark.crossborder import services
from livepark.crossborder.models import DeclarationSet, Receipt
from livepark.crossborder.models_tax import DeclarationTax, TaxBill
from livepark.engines.customs import CebValidationError, parse

GROUP = services.GROUP
KINDS = ("customs_tax", "consumption_tax", "vat", "tax_total")
VOID = "3"


def _set_for(invt_no: str, within=None) -> DeclarationSet | None:
    """The declaration set customs numbered `invt_no` (from its inventory receipts)."""
    ids = Receipt.objects.filter(invt_no=invt_no, message_type="CEB622").values("declaration_id")
    qs = within if within is not None else DeclarationSet.objects.all()
    return qs.filter(pk__in=ids).order_by("-pk").first()


def _fen(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.01"))


def _values(node, source: str) -> dict[str, Any]:
    head = node.TaxHeadRd
    customs, vat, consumption = _fen(head.customsTax), _fen(head.valueAddedTax), _fen(head.consumptionTax)
    return {
        "invt_no": head.invtNo,
        "status": head.status,
        "customs_tax": customs,
        "vat": vat,
        "consumption_tax": consumption,
        "tax_total": customs + vat + consumption,
        "ent_duty_no": head.entDutyNo or "",
        "return_time": services._aware(head.returnTime) or timezone.now(),
        "source": source,
        "lines": [
            {
                "gnum": x.gnum,
                "gcode": x.gcode,
                "tax_price": format(_fen(x.taxPrice), "f"),
                "customs_tax": format(_fen(x.customsTax), "f"),
                "vat": format(_fen(x.valueAddedTax), "f"),
                "consumption_tax": format(_fen(x.consumptionTax), "f"),
            }
            for x in node.TaxListRd
        ],
    }


def _store(*, actor, obj: DeclarationSet, node, source: str) -> tuple[TaxBill, bool]:
    """Create the bill, or update it when customs sends a newer state of the same `taxNo` (2 summarised,
    3 void); an older or identical copy changes nothing. Returns (bill, changed)."""
    tax_no = node.TaxHeadRd.taxNo
    values = _values(node, source)
    bill = TaxBill.objects.select_for_update().filter(tax_no=tax_no).first()
    if bill is None:
        bill = TaxBill(declaration=obj, tax_no=tax_no, **values)
        save_audited(actor=actor, obj=bill, before=None, group=GROUP)
        return bill, True
    if values["return_time"] <= bill.return_time:
        return bill, False
    values.pop("source")
    save_audited(actor=actor, obj=bill, before=apply(bill, values), group=GROUP)
    return bill, True


def bills_apply(*, actor, message, report) -> None:
    """Apply a CEB816 message from the gateway's receipts (a park-wide poll, like the inventory receipts)."""
    for node in message.Tax:
        with transaction.atomic():
            obj = _set_for(node.TaxHeadRd.invtNo)
            if obj is None:
                report.unmatched += 1
                continue
            _bill, changed = _store(actor=actor, obj=obj, node=node, source="poll")
            if changed:
                report.applied += 1
            else:
                report.duplicates += 1


def bills_upload(*, actor, files: list[bytes], names: list[str] | None = None) -> list[TaxBill]:
    """Store the tax bills of uploaded CEB816 files, all or nothing: each bill must name the `invtNo` of a set
    the actor may change; a bad file or bill is a 422 naming the file and the element."""
    require_right(actor, "declaration", "change")
    errors = FieldErrors()
    if not files:
        errors.add("files", "至少上传一个报文 / at least one XML file is required")
    scoped = DeclarationSet.objects.restrict(actor, "change")
    pending: list[tuple[DeclarationSet, Any]] = []
    for i, raw in enumerate(files):
        label = f"files[{i}]" if not names or not names[i] else f"files[{i}]({names[i]})"
        try:
            message = parse(raw)
        except CebValidationError as exc:
            for p in exc.problems:
                errors.add(f"{label}/{p.path}" if p.path else label, f"{p.rule}: {p.message}")
            continue
        if message.spec.code != "CEB816":
            errors.add(f"{label}/{message.spec.name}", "应为 CEB816 电子税单 / not a CEB816 tax bill")
            continue
        for k, node in enumerate(message.Tax):
            obj = _set_for(node.TaxHeadRd.invtNo, scoped)
            if obj is None:
                errors.add(
                    f"{label}/CEB816Message/Tax[{k}]/TaxHeadRd/invtNo",
                    f"清单编号 {node.TaxHeadRd.invtNo} 不是您可处理的已申报清单 / no declaration of yours has "
                    "this inventory number",
                )
                continue
            pending.append((obj, node))
    errors.raise_if_any()
    stored = []
    with transaction.atomic():
        for obj, node in pending:
            bill, _changed = _store(actor=actor, obj=obj, node=node, source="upload")
            stored.append(bill)
    return stored


def reconcile(bill: TaxBill | None, tax: DeclarationTax | None) -> dict[str, Decimal] | None:
    """Customs' bill minus the computed tax, per tax kind (None when either is missing or the bill is void)."""
    if bill is None or tax is None or bill.status == VOID:
        return None
    return {k: getattr(bill, k) - getattr(tax, k) for k in KINDS}
