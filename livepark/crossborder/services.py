"""Writes of the cross-border service platform: registrations, XML import, matching, declaring, receipts.

Every function is keyword-only, runs in one transaction, checks right and scope through `restrict`, and audits
what it changed (data group ``crossborder``). The CEB formats, the matching rules and the tax limits are the
engine's (`livepark.engines.customs`); this module only feeds it what the database knows.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from livepark.core import crypto
from livepark.core.errors import Conflict, FieldErrors, Invalid
from livepark.core.roles import Role
from livepark.core.scoping import require_right
from livepark.core.servicekit import apply, choice, required_text, save_audited, scoped_for_update
from livepark.core.validators import clean_resident_id, clean_uscc
from livepark.crossborder import bonded
from livepark.crossborder.gateway import Gateway
from livepark.crossborder.models import (
    CUSTOMS_CODE_RE,
    CustomsParty,
    DeclarationSet,
    DeclarationState,
    GoodsRegistration,
    PartyRole,
    PositiveNote,
    Receipt,
)
from livepark.engines.customs import CebValidationError, LocalKeySigner, Node, build, parse
from livepark.engines.customs import import_messages as im
from livepark.engines.customs.matching import (
    BatchContext,
    Inventory,
    MatchSettings,
    Order,
    Payment,
    Registry,
    UsedWaybill,
    Waybill,
    check_set,
    declaration_sets,
)
from livepark.engines.customs.matching import DeclarationSet as MatchSet
from livepark.engines.customs.tax import TaxSettings, order_taxable_price

GROUP = "crossborder"
S = DeclarationState

#: Business child of each accepted message, its document class and the head holding the personal ID.
MESSAGES: dict[str, tuple[str, type, str, str, str]] = {
    "CEB311": ("Order", Order, "OrderHead", "buyerIdType", "buyerIdNumber"),
    "CEB411": ("Payment", Payment, "PaymentHead", "payerIdType", "payerIdNumber"),
    "CEB511": ("Logistics", Waybill, "LogisticsHead", "", ""),
    "CEB621": ("Inventory", Inventory, "InventoryHead", "buyerIdType", "buyerIdNumber"),
}
SLOT_CODE = {"order": "CEB311", "payment": "CEB411", "waybill": "CEB511", "inventory": "CEB621"}
#: States after which a declaration counts as declared (its amount uses the buyer's yearly quota). A return
#: counts too unless it came within 30 days of release (`tax.quota_restored`, see `crossborder.returns`).
DECLARED = (S.SENT, S.ACCEPTED, S.RELEASED, S.RETURNED)
#: How far each state is along the way; receipts never move a declaration backwards.
RANK = {S.SENT: 1, S.ACCEPTED: 2, S.RELEASED: 3, S.REJECTED: 3}


def _is_admin(user) -> bool:
    return bool(user.is_superuser or user.role == Role.PARK_ADMIN)


# ---- registrations --------------------------------------------------------------------------------------


def _customs_code(errors: FieldErrors, name: str, value: Any) -> str:
    """A 10-character customs code, or a valid USCC."""
    value = (value or "").strip().upper()
    if re.fullmatch(CUSTOMS_CODE_RE, value):
        return value
    if len(value) == 18:
        try:
            return clean_uscc(value)
        except ValidationError as exc:
            errors.add(name, " ".join(exc.messages))
            return value
    errors.add(
        name,
        "应为 10 位海关编码（4 位数字 + 6 位数字或大写字母）或 18 位统一社会信用代码 / "
        "must be a 10-character customs code (^\\d{4}[0-9A-Z]{6}$) or an 18-character USCC",
    )
    return value


def party_register(*, actor, data: dict[str, Any]) -> CustomsParty:
    """Register a firm's customs code in one role. Members register their own enterprise's parties; only the
    park admin links other enterprises or broker users (`broker_user_ids`, agents only)."""
    require_right(actor, "customs_registration", "create")
    errors = FieldErrors()
    code = _customs_code(errors, "code", data.get("code"))
    name = required_text(errors, "name", data.get("name"), 100)
    role = data.get("role")
    choice(errors, "role", role, PartyRole)
    enterprise_id = data.get("enterprise_id")
    broker_ids = list(data.get("broker_user_ids") or [])
    if not _is_admin(actor):
        if enterprise_id not in (None, actor.enterprise_id):
            errors.add("enterprise_id", "只能登记本企业 / only your own enterprise")
        enterprise_id = actor.enterprise_id
        if broker_ids:
            errors.add("broker_user_ids", "仅园区管理员可指定报关员 / only the park admin links brokers")
    brokers = []
    if broker_ids:
        from django.contrib.auth import get_user_model

        brokers = list(get_user_model().objects.filter(pk__in=broker_ids, role=Role.CUSTOMS_BROKER))
        if len(brokers) != len(set(broker_ids)):
            errors.add("broker_user_ids", "应为报关员账号 / must be customs broker users")
        if role != PartyRole.AGENT:
            errors.add("broker_user_ids", "仅申报企业可指定报关员 / only agent parties have brokers")
    if enterprise_id is not None:
        from livepark.registry.models import Enterprise

        if not Enterprise.objects.filter(pk=enterprise_id, archived_at__isnull=True).exists():
            errors.add("enterprise_id", "企业不存在 / no such enterprise")
    if code and role and CustomsParty.objects.filter(code=code, role=role, archived_at__isnull=True).exists():
        errors.add("code", "该编码已登记为此角色 / already registered in this role")
    errors.raise_if_any()
    with transaction.atomic():
        party = CustomsParty(code=code, name=name, role=role, enterprise_id=enterprise_id)
        save_audited(actor=actor, obj=party, before=None, group=GROUP)
        if brokers:
            party.broker_users.set(brokers)
    return party


def goods_register(*, actor, data: dict[str, Any]) -> GoodsRegistration:
    """Register a seller's product: itemNo, name, 10-digit HS code, positive-list note, 1210 record number."""
    require_right(actor, "customs_registration", "create")
    errors = FieldErrors()
    seller = (
        CustomsParty.objects.restrict(actor, "change")
        .filter(pk=data.get("seller_id"), role=PartyRole.SELLER, archived_at__isnull=True)
        .first()
    )
    if seller is None:
        errors.add("seller_id", "不是您可登记的电商企业 / not a seller party you may register goods for")
    item_no = required_text(errors, "item_no", data.get("item_no"), 20)
    gname = required_text(errors, "gname", data.get("gname"), 250)
    gcode = (data.get("gcode") or "").strip()
    if not re.fullmatch(r"\d{10}", gcode):
        errors.add("gcode", "海关商品编码应为 10 位数字 / HS code must be exactly 10 digits")
    note = data.get("positive_note") or ""
    choice(errors, "positive_note", note, PositiveNote)
    record_no = (data.get("item_record_no") or "").strip()
    ems_no = (data.get("ems_no") or "").strip()
    if note == PositiveNote.BONDED and not record_no:
        errors.add("item_record_no", "网购保税商品必填账册备案料号 / required for 1210 goods")
    if len(record_no) > 30:
        errors.add("item_record_no", "最多 30 个字符 / at most 30 characters")
    if len(ems_no) > 30:
        errors.add("ems_no", "最多 30 个字符 / at most 30 characters")
    if record_no and not ems_no:
        errors.add("ems_no", "有备案料号时必填账册编号 / required with an item record number")
    if (
        seller is not None
        and item_no
        and GoodsRegistration.objects.filter(
            seller=seller, item_no=item_no, archived_at__isnull=True
        ).exists()
    ):
        errors.add("item_no", "该商品已备案 / already registered for this seller")
    errors.raise_if_any()
    goods = GoodsRegistration(
        seller=seller,
        item_no=item_no,
        gname=gname,
        gcode=gcode,
        positive_note=note,
        item_record_no=record_no,
        ems_no=ems_no,
    )
    with transaction.atomic():
        save_audited(actor=actor, obj=goods, before=None, group=GROUP)
    return goods


# ---- import ---------------------------------------------------------------------------------------------


@dataclass
class _Doc:
    """A document of the import with where it came from."""

    code: str  # CEB311 …
    path: str  # files[0]/CEB311Message/Order[1]
    xml: bytes  # a message holding only this document


def verify_id_numbers() -> bool:
    """Whether buyer and payer resident ID numbers must pass GB 11643 (`CROSSBORDER_VERIFY_ID_NUMBERS`)."""
    return bool(getattr(settings, "CROSSBORDER_VERIFY_ID_NUMBERS", True))


def _parse_files(files: list[bytes], names: list[str] | None) -> tuple[list[Any], dict[int, _Doc]]:
    """Every document of every file, or one `Invalid` naming each bad element (file and XML path)."""
    errors = FieldErrors()
    docs: list[Any] = []
    origin: dict[int, _Doc] = {}
    if not files:
        errors.add("files", "至少上传一个报文 / at least one XML file is required")
    for i, raw in enumerate(files):
        label = f"files[{i}]" if not names or not names[i] else f"files[{i}]({names[i]})"
        try:
            message = parse(raw)
        except CebValidationError as exc:
            for p in exc.problems:
                errors.add(f"{label}/{p.path}" if p.path else label, f"{p.rule}: {p.message}")
            continue
        code = message.spec.code
        if code not in MESSAGES:
            errors.add(
                f"{label}/{message.spec.name}", "应为 CEB311/411/511/621 报文 / not an import document"
            )
            continue
        child, cls, head_name, id_type, id_field = MESSAGES[code]
        bare = message.replace(Signature=None) if message.get("Signature") is not None else message
        for k, node in enumerate(message[child]):
            path = f"{label}/{message.spec.name}/{child}[{k}]"
            head = node[head_name]
            if id_field and verify_id_numbers() and head.get(id_type) == "1":
                try:
                    clean_resident_id(head.get(id_field) or "")
                except ValidationError as exc:
                    errors.add(f"{path}/{head_name}/{id_field}", " ".join(exc.messages))
                    continue
            doc = cls.from_node(node)
            docs.append(doc)
            origin[id(doc)] = _Doc(code, path, build(bare.replace(**{child: (node,)})))
    errors.raise_if_any()
    return docs, origin


def _party(role: str, code: str | None) -> CustomsParty | None:
    if not code:
        return None
    return CustomsParty.objects.filter(role=role, code=code, archived_at__isnull=True).first()


def _aware(value: Any) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _limit_total(s: MatchSet) -> Decimal | None:
    limit = s.limit_input()
    if limit is None:
        return None
    return order_taxable_price(
        limit.goods_value,
        limit.freight,
        limit.insurance,
        limit.discount,
        discount_reduces_price=match_settings().discount_reduces_price,
    )


def declarations_import_xml(
    *, actor, files: list[bytes], names: list[str] | None = None, seller_id: int | None = None
) -> list[DeclarationSet]:
    """Import CEB311/411/511/621 messages and store one declaration set per order (all or nothing).

    Bad XML, a wrong namespace, an over-long field or a bad ID check digit answers 422 naming the file and the
    element. Each set's seller is the registered seller party of its `ebcCode`; a set that names none (a payment
    or waybill alone) belongs to `seller_id`. The actor must reach every set it creates (its enterprise's
    seller, or an agent party it brokers for). An order already held by a live set is a 409.
    """
    require_right(actor, "declaration", "create")
    docs, origin = _parse_files(files, names)
    fallback = None
    if seller_id is not None:
        fallback = (
            CustomsParty.objects.restrict(actor, "view")
            .filter(pk=seller_id, role=PartyRole.SELLER, archived_at__isnull=True)
            .first()
        )
        if fallback is None:
            raise Invalid.field("seller_id", "不是可用的电商企业 / not a seller party you may use")
    errors = FieldErrors()
    duplicates: list[str] = []
    pending: list[DeclarationSet] = []
    for s in declaration_sets(docs):
        label = f"{s.order_no}/{s.ebp_code or '-'}"
        head = s.order or s.inventory
        ebc = head.ebcCode if head is not None else None
        seller = _party(PartyRole.SELLER, ebc) if ebc else fallback
        if seller is None:
            if ebc:
                errors.add(f"{label}/ebcCode", f"电商企业 {ebc} 未登记 / seller {ebc} is not registered")
            else:
                errors.add(
                    f"{label}/ebcCode", "单证未载明电商企业，请指定 seller_id / no document names the seller"
                )
            continue
        agent = _party(PartyRole.AGENT, s.inventory.agentCode) if s.inventory else None
        if not DeclarationSet.reachable(actor, seller, agent):
            errors.add(f"{label}/ebcCode", "无权为该电商企业申报 / not a seller you may declare for")
            continue
        live = DeclarationSet.objects.filter(order_no=s.order_no, ebp_code=s.ebp_code or "").exclude(
            state=S.REJECTED
        )
        if live.exists():
            duplicates.append(label)
            continue
        buyer = (
            (s.order.buyerIdNumber if s.order else None)
            or (s.inventory.buyerIdNumber if s.inventory else None)
            or (s.payment.payerIdNumber if s.payment else None)
            or ""
        )
        carrier = s.waybill or s.inventory
        set_obj = DeclarationSet(
            trade_mode=s.inventory.tradeMode
            if s.inventory and s.inventory.tradeMode in ("9610", "1210")
            else "",
            seller=seller,
            agent=agent,
            order_no=s.order_no,
            ebp_code=s.ebp_code or "",
            ebc_code=ebc or "",
            logistics_code=(carrier.logisticsCode or "") if carrier else "",
            logistics_no=(carrier.logisticsNo or "") if carrier else "",
            app_time=_aware(head.appTime if head is not None else None),
            buyer_index=crypto.blind_index(buyer) if buyer else "",
            buyer_masked=crypto.mask_id_number(buyer) if buyer else "",
            order_total=_limit_total(s),
        )
        for slot, code in SLOT_CODE.items():
            doc = getattr(s, slot)
            if doc is not None:
                xml = origin[id(doc)].xml
                setattr(set_obj, DeclarationSet.DOCUMENT_FIELDS[code], crypto.encrypt(xml.decode()))
        pending.append(set_obj)
    errors.raise_if_any()
    if duplicates:
        raise Conflict(
            "订单已有在途申报 / orders already declared: " + ", ".join(duplicates),
            fields={"orderNo": duplicates},
            code="duplicate_order",
        )
    with transaction.atomic():
        for obj in pending:
            save_audited(actor=actor, obj=obj, before=None, group=GROUP)
    return pending


# ---- matching -------------------------------------------------------------------------------------------


def match_settings() -> MatchSettings:
    """Matching strictness from `settings.CROSSBORDER_MATCH` (keyword arguments of `MatchSettings`)."""
    return MatchSettings(**getattr(settings, "CROSSBORDER_MATCH", {}))


def _documents_of(obj: DeclarationSet) -> dict[str, Any]:
    """The stored documents as matching documents, by slot."""
    out: dict[str, Any] = {}
    for slot, code in SLOT_CODE.items():
        xml = obj.document_xml(code)
        if xml is not None:
            message = parse(xml)
            child, cls, *_ = MESSAGES[code]
            out[slot] = cls.from_node(message[child][0])
    return out


def _match_set(obj: DeclarationSet, docs: dict[str, Any]) -> MatchSet:
    order = docs.get("order")
    year_key = None
    if order is not None and isinstance(order.appTime, dt.datetime) and order.buyerIdNumber:
        year_key = (order.buyerIdNumber, order.appTime.year)
    return MatchSet(obj.order_no, obj.ebp_code or None, context=BatchContext(year_key=year_key), **docs)


def year_used(buyer_index: str, year: int, *, exclude_pk: int | None = None, within=None) -> Decimal:
    """What a buyer's declared orders of `year` add up to (from `within`, default every declaration)."""
    qs = within if within is not None else DeclarationSet.objects.all()
    qs = qs.filter(buyer_index=buyer_index, state__in=DECLARED, order_total__isnull=False)
    qs = qs.exclude(tax__quota_restored=True)
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    qs = qs.filter(app_time__gte=start, app_time__lt=timezone.make_aware(dt.datetime(year + 1, 1, 1)))
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return sum(qs.values_list("order_total", flat=True), Decimal(0))


def _positive_list_in_force(from_goods: dict[str, str]) -> dict[str, str]:
    from livepark.crossborder.positive_list import in_force

    loaded = in_force()
    return loaded if loaded is not None else from_goods


def _registry(obj: DeclarationSet, s: MatchSet) -> Registry:
    """What the database knows about the codes, goods, quota and waybills of this set."""
    docs = [d for d in (s.order, s.payment, s.waybill, s.inventory) if d is not None]
    codes = {
        getattr(d, f, None)
        for d in docs
        for f in ("ebpCode", "ebcCode", "payCode", "logisticsCode", "agentCode", "assureCode")
    }
    codes.discard(None)
    registered: dict[str, set[str]] = {r: set() for r in PartyRole.values}
    for role, code in CustomsParty.objects.filter(code__in=codes, archived_at__isnull=True).values_list(
        "role", "code"
    ):
        registered[role].add(code)
    goods_rows = GoodsRegistration.objects.filter(
        seller__code=obj.ebc_code, seller__role=PartyRole.SELLER, archived_at__isnull=True
    ).values_list("item_no", "gcode", "positive_note", "ems_no", "item_record_no")
    ems: dict[str, set[str]] = {}
    positive: dict[str, str] = {}
    for _item, gcode, note, ems_no, record_no in goods_rows:
        positive[gcode] = note
        if ems_no and record_no:
            ems.setdefault(ems_no, set()).add(record_no)
    year_totals = {}
    if s.context.year_key is not None and obj.buyer_index:
        year_totals[s.context.year_key] = year_used(obj.buyer_index, s.context.year_key[1], exclude_pk=obj.pk)
    waybills: dict[tuple[str, str], tuple[UsedWaybill, ...]] = {}
    if obj.logistics_no:
        used = (
            DeclarationSet.objects.filter(logistics_code=obj.logistics_code, logistics_no=obj.logistics_no)
            .exclude(pk=obj.pk)
            .exclude(state=S.REJECTED)
            .values_list("order_no", "created_at")
        )
        waybills[(obj.logistics_code, obj.logistics_no)] = tuple(
            UsedWaybill(no, timezone.localdate(at)) for no, at in used
        )
    return Registry(
        platforms=frozenset(registered[PartyRole.PLATFORM]),
        sellers=frozenset(registered[PartyRole.SELLER]),
        payers=frozenset(registered[PartyRole.PAYER]),
        carriers=frozenset(registered[PartyRole.CARRIER]),
        agents=frozenset(registered[PartyRole.AGENT]),
        guarantors=frozenset(registered[PartyRole.GUARANTOR]),
        goods={obj.ebc_code: frozenset(row[0] for row in goods_rows)},
        ems={k: frozenset(v) for k, v in ems.items()},
        # The loaded list in force (crossborder.positive_list); the goods' notes stand in until one is.
        positive_list=_positive_list_in_force(positive),
        year_totals=year_totals,
        waybills=waybills,
    )


_PHONE_FIELDS = ("Telephone",)


def _masked(report: dict[str, Any], secrets: set[str]) -> dict[str, Any]:
    """A discrepancy as JSON with ID numbers and phone numbers masked (they never leave in clear)."""
    field = report["field"]
    values = []
    for v in report["values"]:
        if isinstance(v, str) and ("IdNumber" in field or v in secrets):
            v = crypto.mask_id_number(v)
        elif isinstance(v, str) and any(p in field for p in _PHONE_FIELDS):
            v = crypto.mask_phone(v)
        values.append(v)
    message = report.get("message") or ""
    for secret in secrets:
        message = message.replace(secret, crypto.mask_id_number(secret))
    return {**report, "values": values, "message": message}


def declaration_check(*, actor, pk: int) -> DeclarationSet:
    """Run three-document matching with the registrations, goods, quota and waybills on record; store every
    discrepancy (document, field, values, rule) and move the set to `checked`."""
    with transaction.atomic():
        obj = scoped_for_update(DeclarationSet, actor, pk, "change")
        if obj.state not in (S.RECEIVED, S.CHECKED):
            raise Conflict(
                f"状态为 {obj.get_state_display()}，不能再对碰 / cannot check a set in state {obj.state}"
            )
        docs = _documents_of(obj)
        s = _match_set(obj, docs)
        found = check_set(s, match_settings(), _registry(obj, s))
        found += bonded.stock_discrepancies(obj, docs.get("inventory"))  # 1210: account book and stock
        secrets = {
            v
            for d in docs.values()
            for v in (getattr(d, "buyerIdNumber", None), getattr(d, "payerIdNumber", None))
            if v
        }
        before = apply(
            obj,
            {
                "discrepancies": [_masked(d.as_json(), secrets) for d in found],
                "state": S.CHECKED,
                "checked_at": timezone.now(),
            },
        )
        save_audited(actor=actor, obj=obj, before=before, group=GROUP)
    return obj


# ---- declaring ------------------------------------------------------------------------------------------

_signer_lock = threading.Lock()
_signer_cache: dict[str, LocalKeySigner] = {}


def signer() -> LocalKeySigner:
    """The local signing key under `$LIVEPARK_HOME/keys/`, generated on first use (development and tests;
    production signs with the E-port card behind another `Signer`)."""
    folder = Path(settings.HOME) / "keys"
    key_path, cert_path = folder / "customs-signer.key", folder / "customs-signer.crt"
    with _signer_lock:
        cached = _signer_cache.get(str(folder))
        if cached is not None:
            return cached
        folder.mkdir(parents=True, exist_ok=True)
        if not key_path.exists():
            fresh = LocalKeySigner.generate(common_name="LivePark customs signer")
            pem = fresh.private_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            cert_path.write_bytes(fresh.certificate.public_bytes(serialization.Encoding.PEM))
            tmp = key_path.with_suffix(".tmp")
            tmp.write_bytes(pem)
            tmp.chmod(0o600)
            tmp.replace(key_path)
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        loaded = LocalKeySigner(key, cert, key_name=f"{cert.serial_number:x}"[:16])
        _signer_cache[str(folder)] = loaded
        return loaded


def _declaration_message(obj: DeclarationSet) -> tuple[bytes, str]:
    """The CEB621 to send: the imported inventory as declared (appStatus 2) under a fresh guid, signed."""
    stored = parse(obj.document_xml("CEB621"))
    node: Node = stored.Inventory[0]
    guid = str(uuid.uuid4()).upper()
    # copNo is our own number for the document: customs quotes it back on every receipt.
    head = node.InventoryHead.replace(
        guid=guid, appType="1", appStatus="2", copNo=node.InventoryHead.copNo or f"LPCB{obj.pk:016d}"
    )
    cop = obj.agent or obj.seller
    message = im.CEB621(
        guid=guid,
        Inventory=[node.replace(InventoryHead=head)],
        BaseTransfer=im.BASE_TRANSFER(
            copCode=cop.code,
            copName=cop.name[:100],
            dxpMode="DXP",
            dxpId=getattr(settings, "CROSSBORDER_DXP_ID", "DXPENT0000000001"),
        ),
    )
    return build(message, signer=signer()), guid


def declaration_send(*, actor, pk: int, gateway: Gateway) -> DeclarationSet:
    """Declare a checked and taxed set without discrepancies, within the retail channel: build and sign its
    CEB621 and hand it to `gateway`."""
    with transaction.atomic():
        obj = scoped_for_update(DeclarationSet, actor, pk, "change")
        if obj.discrepancies:
            raise Conflict(
                f"仍有 {len(obj.discrepancies)} 处差异 / the set has {len(obj.discrepancies)} discrepancies",
                code="discrepancies",
            )
        if obj.state != S.TAXED:
            raise Conflict(
                f"状态为 {obj.get_state_display()}，须先对碰并计税 / only a checked and taxed set can be sent",
                code="not_taxed",
            )
        if obj.tax.mode == "general_trade":  # over the limits: not a retail-channel declaration
            raise Conflict(
                "超出限额，须按一般贸易申报 / over the limits: general trade", code="general_trade"
            )
        xml, guid = _declaration_message(obj)
        message_id = gateway.send(xml)
        before = apply(
            obj,
            {
                "state": S.SENT,
                "sent_guid": guid,
                "sent_xml": crypto.encrypt(xml.decode()),
                "message_id": message_id[:64],
                "sent_at": timezone.now(),
            },
        )
        save_audited(actor=actor, obj=obj, before=before, group=GROUP)
    return obj


def state_for(return_status: str) -> str | None:
    """The declaration state a receipt's `returnStatus` leads to (None: still on its way)."""
    try:
        code = int(return_status)
    except ValueError:
        return None
    if code < 0 or code in (4, 100, 700):
        return S.REJECTED
    if code in (800, 899):
        return S.RELEASED
    if code == 120 or 300 <= code < 800:
        return S.ACCEPTED
    return None


#: Handlers of the other receipts a poll may bring ("module.function", called with `actor`, the parsed
#: `message` and the `report` to count into); CEB622 is handled here.
RECEIPT_HANDLERS: dict[str, str] = {
    "CEB624": "livepark.crossborder.returns.receipts_apply",
    "CEB626": "livepark.crossborder.returns.receipts_apply",
    "CEB816": "livepark.crossborder.tax_bills.bills_apply",
    # B2B export (9710/9810): order, waybill, inventory, departure and summary receipts.
    **dict.fromkeys(
        ("CEB304", "CEB506", "CEB604", "CEB510", "CEB702"), "livepark.crossborder.export.receipts_apply"
    ),
}


@dataclass
class IngestReport:
    """What a poll of the gateway did."""

    applied: int = 0
    duplicates: int = 0
    unmatched: int = 0
    invalid: int = 0

    def as_dict(self) -> dict[str, int]:
        """Plain counts."""
        return dict(self.__dict__)


def receipts_ingest(*, actor, gateway: Gateway) -> IngestReport:
    """Read the gateway's receipts and move declarations by `returnStatus` (never backwards; rejected and
    released are final).

    Polling is a park-wide operation: the gateway hands each receipt over once, so every receipt is applied to
    the declaration it names whoever polls (a caller needs the right to change declarations; it learns only
    the counts). Receipts naming no declaration are counted as unmatched (the folder gateway keeps the files).
    """
    require_right(actor, "declaration", "change")
    report = IngestReport()
    for raw in gateway.receipts():
        try:
            message = parse(raw)
        except CebValidationError:
            report.invalid += 1
            continue
        if message.spec.code in RECEIPT_HANDLERS:  # cancellations, returns, tax bills …
            import_string(RECEIPT_HANDLERS[message.spec.code])(actor=actor, message=message, report=report)
            continue
        if message.spec.code != "CEB622":
            report.unmatched += 1
            continue
        for ret in message.InventoryReturn:
            with transaction.atomic():
                obj = DeclarationSet.objects.select_for_update().filter(sent_guid=ret.guid).first()
                if obj is None:
                    report.unmatched += 1
                    continue
                when = _aware(ret.returnTime) or timezone.now()
                _receipt, created = Receipt.objects.get_or_create(
                    declaration=obj,
                    message_type="CEB622",
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
                changes: dict[str, Any] = {
                    "return_status": ret.returnStatus,
                    "return_info": ret.returnInfo[:1000],
                }
                target = state_for(ret.returnStatus)
                final = obj.state in (S.REJECTED, S.RELEASED, S.CANCELLED, S.RETURNED)
                if target and not final and RANK.get(target, 0) >= RANK.get(obj.state, 0):
                    changes["state"] = target
                    if target == S.RELEASED and obj.trade_mode == "1210":  # out of the bonded account
                        bonded.release_on_receipt(actor=actor, declaration=obj)
                if final:
                    changes = {}
                before = apply(obj, changes)
                save_audited(actor=actor, obj=obj, before=before, group=GROUP)
                report.applied += 1
    return report


def quota_limit() -> Decimal:
    """The yearly per-buyer limit of the tax engine (26,000 yuan)."""
    return TaxSettings().year_limit
