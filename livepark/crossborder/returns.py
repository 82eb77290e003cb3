"""Cancellations (CEB623, before release) and returns (CEB625, after release) of declared inventories, and
their receipts (CEB624/626).

A cancellation needs the inventory number customs gave (`invtNo`, from the 120 receipt) and no release yet; a
return needs the release. When customs concludes (returnStatus 399, 审结) the set becomes `cancelled` or
`returned`. A return requested within 30 days of release (`TaxSettings.return_days`, counted from the release
receipt's local date to the request's) refunds the assessed tax and gives the amount back to the buyer's year
(`DeclarationTax.quota_restored`, which `services.year_used` no longer counts); on day 31 the goods go back but
the tax and the quota stay. General-trade assessments are outside the retail channel: nothing to restore.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from livepark.core import crypto
from livepark.core.errors import Conflict, FieldErrors
from livepark.core.servicekit import apply, required_text, save_audited, scoped_for_update
from livepark.crossborder import bonded, services
from livepark.crossborder.gateway import Gateway
from livepark.crossborder.models import DeclarationSet, DeclarationState, Receipt
from livepark.crossborder.models_tax import DeclarationTax, InventoryRequest, RequestKind, RequestState
from livepark.engines.customs import build, parse
from livepark.engines.customs import import_messages as im
from livepark.engines.customs.tax import GENERAL_TRADE, TaxSettings

S = DeclarationState
GROUP = services.GROUP
RELEASE_STATUSES = ("800", "899")
#: Receipt `returnStatus` of a cancellation or return: concluded (审结), refused, anything else on its way.
DONE_STATUSES = ("399", "800", "899")
OPEN = (RequestState.SENT, RequestState.ACCEPTED)


def released_at(obj: DeclarationSet) -> dt.datetime | None:
    """When customs released the set: the first 800/899 inventory receipt."""
    return obj.receipts.filter(message_type="CEB622", return_status__in=RELEASE_STATUSES).aggregate(
        t=Min("return_time")
    )["t"]


def _invt_no(obj: DeclarationSet) -> str:
    """The inventory number customs gave the declaration (from its receipts)."""
    return (
        obj.receipts.filter(message_type="CEB622")
        .exclude(invt_no="")
        .order_by("-return_time", "-id")
        .values_list("invt_no", flat=True)
        .first()
        or ""
    )


def _base_transfer(obj: DeclarationSet):
    cop = obj.agent or obj.seller
    return im.BASE_TRANSFER(
        copCode=cop.code,
        copName=cop.name[:100],
        dxpMode="DXP",
        dxpId=getattr(settings, "CROSSBORDER_DXP_ID", "DXPENT0000000001"),
    )


def _head_fields(obj: DeclarationSet, guid: str, invt_no: str, reason: str) -> dict[str, Any]:
    """What CEB623 and CEB625 heads take from the declared inventory."""
    head = parse(obj.document_xml("CEB621")).Inventory[0].InventoryHead
    return {
        "guid": guid,
        "appType": "1",
        "appTime": timezone.localtime().replace(tzinfo=None, microsecond=0),
        "appStatus": "2",
        "customsCode": head.customsCode,
        "orderNo": head.orderNo,
        "ebpCode": head.ebpCode,
        "ebpName": head.ebpName,
        "ebcCode": head.ebcCode,
        "ebcName": head.ebcName,
        "logisticsNo": head.logisticsNo,
        "logisticsCode": head.logisticsCode,
        "logisticsName": head.logisticsName,
        "copNo": head.copNo or f"LPCB{obj.pk:016d}",
        "invtNo": invt_no,
        "buyerIdType": head.buyerIdType,
        "buyerIdNumber": head.buyerIdNumber,
        "buyerName": head.buyerName,
        "buyerTelephone": head.buyerTelephone,
        "agentCode": head.agentCode,
        "agentName": head.agentName,
        "reason": reason,
    }


def _cancel_message(obj: DeclarationSet, invt_no: str, reason: str) -> tuple[bytes, str]:
    guid = str(uuid.uuid4()).upper()
    node = im.INVT_CANCEL(**_head_fields(obj, guid, invt_no, reason))
    message = im.CEB623(guid=guid, InvtCancel=[node], BaseTransfer=_base_transfer(obj))
    return build(message, signer=services.signer()), guid


def _return_message(obj: DeclarationSet, invt_no: str, reason: str) -> tuple[bytes, str]:
    guid = str(uuid.uuid4()).upper()
    inventory = parse(obj.document_xml("CEB621")).Inventory[0]
    lines = [
        im.INVT_REFUND_LIST(gnum=x.gnum, gcode=x.gcode, gname=x.gname, qty=x.qty, unit=x.unit)
        for x in inventory.InventoryList
    ]
    node = im.INVT_REFUND(
        InvtRefundHead=im.INVT_REFUND_HEAD(**_head_fields(obj, guid, invt_no, reason)), InvtRefundList=lines
    )
    message = im.CEB625(guid=guid, InvtRefund=[node], BaseTransfer=_base_transfer(obj))
    return build(message, signer=services.signer()), guid


def _request(*, actor, pk: int, kind: str, reason: str, gateway: Gateway) -> InventoryRequest:
    errors = FieldErrors()
    reason = required_text(errors, "reason", reason, 1000)
    with transaction.atomic():
        obj = scoped_for_update(DeclarationSet, actor, pk, "change")
        errors.raise_if_any()
        if kind == RequestKind.CANCEL and obj.state != S.ACCEPTED:
            raise Conflict(
                f"状态为 {obj.get_state_display()}：撤单须在海关受理后、放行前 / "
                "only an accepted, not yet released inventory can be cancelled",
                code="not_cancellable",
            )
        if kind == RequestKind.RETURN and obj.state != S.RELEASED:
            raise Conflict(
                f"状态为 {obj.get_state_display()}：退货须在放行后 / only a released inventory can be returned",
                code="not_returnable",
            )
        if obj.inventory_requests.filter(state__in=OPEN).exists():
            raise Conflict("已有在途的撤单或退货申请 / a request is already under way", code="request_open")
        invt_no = _invt_no(obj)
        if not invt_no:
            raise Conflict(
                "海关尚未给出清单编号 / customs has not given an inventory number", code="no_invt_no"
            )
        days = None
        if kind == RequestKind.RETURN:
            released = released_at(obj)
            days = (timezone.localdate() - timezone.localtime(released).date()).days if released else None
        build_message = _cancel_message if kind == RequestKind.CANCEL else _return_message
        xml, guid = build_message(obj, invt_no, reason)
        message_id = gateway.send(xml)
        request = InventoryRequest(
            declaration=obj,
            kind=kind,
            guid=guid,
            invt_no=invt_no,
            reason=reason,
            requested_at=timezone.now(),
            days_after_release=days,
            sent_xml=crypto.encrypt(xml.decode()),
            message_id=message_id[:64],
        )
        save_audited(actor=actor, obj=request, before=None, group=GROUP)
    return request


def declaration_cancel(*, actor, pk: int, reason: str, gateway: Gateway) -> InventoryRequest:
    """Ask customs to cancel an accepted inventory before release (CEB623, signed, through `gateway`)."""
    return _request(actor=actor, pk=pk, kind=RequestKind.CANCEL, reason=reason, gateway=gateway)


def declaration_return(*, actor, pk: int, reason: str, gateway: Gateway) -> InventoryRequest:
    """Declare the return of a released order (CEB625 of every line, signed, through `gateway`)."""
    return _request(actor=actor, pk=pk, kind=RequestKind.RETURN, reason=reason, gateway=gateway)


def _conclude(*, actor, request: InventoryRequest, obj: DeclarationSet) -> None:
    """Customs approved the request: cancel or return the set; refund within the return window."""
    if request.kind == RequestKind.CANCEL:
        save_audited(actor=actor, obj=obj, before=apply(obj, {"state": S.CANCELLED}), group=GROUP)
        return
    save_audited(actor=actor, obj=obj, before=apply(obj, {"state": S.RETURNED}), group=GROUP)
    if obj.trade_mode == "1210":  # the parcel goes back into the bonded account it left
        bonded.return_on_receipt(actor=actor, declaration=obj, reference=request.guid)
    tax = DeclarationTax.objects.select_for_update().filter(declaration=obj).first()
    in_time = (
        request.days_after_release is not None and request.days_after_release <= TaxSettings().return_days
    )
    if tax is None or not in_time or tax.mode == GENERAL_TRADE or tax.quota_restored:
        return
    refund, quota = tax.tax_total - tax.refunded, tax.quota_used
    save_audited(
        actor=actor,
        obj=tax,
        before=apply(tax, {"refunded": tax.tax_total, "quota_restored": True}),
        group=GROUP,
    )
    save_audited(
        actor=actor,
        obj=request,
        before=apply(request, {"tax_refund": refund, "quota_restored": quota}),
        group=GROUP,
    )


def receipts_apply(*, actor, message, report) -> None:
    """Apply a CEB624 (cancellation) or CEB626 (return) receipt message: store each as a `Receipt` of the set,
    move the request (accepted / done / refused) and, when customs concludes, the set."""
    code = message.spec.code
    child = "InvtCancelReturn" if code == "CEB624" else "InvtRefundReturn"
    for ret in message[child]:
        with transaction.atomic():
            request = InventoryRequest.objects.select_for_update().filter(guid=ret.guid).first()
            if request is None:
                report.unmatched += 1
                continue
            obj = DeclarationSet.objects.select_for_update().get(pk=request.declaration_id)
            when = services._aware(ret.returnTime) or timezone.now()
            _receipt, created = Receipt.objects.get_or_create(
                declaration=obj,
                message_type=code,
                return_status=ret.returnStatus,
                return_time=when,
                defaults={
                    "return_info": ret.returnInfo[:1000],
                    "pre_no": ret.preNo or "",
                    "invt_no": ret.invtNo or "",
                },
            )
            if not created:
                report.duplicates += 1
                continue
            report.applied += 1
            changes: dict[str, Any] = {
                "return_status": ret.returnStatus,
                "return_info": ret.returnInfo[:1000],
            }
            if request.state in OPEN:
                try:
                    status = int(ret.returnStatus)
                except ValueError:
                    status = None
                if ret.returnStatus in DONE_STATUSES:
                    changes |= {"state": RequestState.DONE, "concluded_at": when}
                elif status is not None and (status < 0 or status in (4, 100)):
                    changes |= {"state": RequestState.REFUSED, "concluded_at": when}
                elif status is not None and (status == 120 or 300 <= status < 399):
                    changes["state"] = RequestState.ACCEPTED
            else:
                changes = {}
            done = changes.get("state") == RequestState.DONE
            save_audited(actor=actor, obj=request, before=apply(request, changes), group=GROUP)
            if done:
                _conclude(actor=actor, request=request, obj=obj)
