"""Declaration sets from the base's own orders and from platforms' order exports (csv/xlsx).

Both build the CEB311 order of each order — with the CEB411 payment and the CEB511 waybill where the source has
them — as unsigned messages through the codec, and store them with `services.declarations_import_xml`, so a set
built here is exactly what an imported XML set would be: state `received`, ready for the check. All or nothing:
a refused source stores nothing and the report names each order or row, field and rule. Building again changes
nothing: an order whose live set already holds the same documents is counted as unchanged; one whose live set
differs is reported, never overwritten.

* **Base orders** (`declarations_from_orders`): a cross-border seller's paid orders (`fulfillment`, read through
  its selectors) whose every line's SKU barcode is a goods registration (`item_no`) of the seller. The base's
  orders do not carry the buyer's identity, so the caller gives it per order; the consignee, amounts and
  payment time come from the order, the waybill from its shipment (with the carrier party the caller names).
* **Platform exports** (`declarations_from_export`): one row per order line, order-level columns read from the
  order's first row; the column mapping is `EXPORT_COLUMNS` (documented in docs/crossborder.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from livepark.core.errors import FieldErrors, Invalid, ServiceError
from livepark.core.scoping import require_right
from livepark.core.validators import clean_phone, clean_resident_id
from livepark.crossborder import services
from livepark.crossborder.models import (
    CustomsParty,
    DeclarationSet,
    DeclarationState,
    GoodsRegistration,
    PartyRole,
)
from livepark.crossborder.tabular import FileReport, read_table
from livepark.engines.customs import CebValidationError, build, parse
from livepark.engines.customs import import_messages as im

D = Decimal
UNIT = "007"  # 个
#: The platform export's columns: (Chinese header, field). One row per order line.
EXPORT_COLUMNS = [
    ("订单编号", "order_no"),
    ("电商平台代码", "ebp_code"),
    ("电商企业代码", "ebc_code"),
    ("下单时间", "app_time"),
    ("订购人注册号", "buyer_reg_no"),
    ("订购人姓名", "buyer_name"),
    ("订购人证件号码", "buyer_id"),
    ("订购人电话", "buyer_phone"),
    ("收货人", "consignee"),
    ("收货人电话", "consignee_phone"),
    ("收货地址", "consignee_address"),
    ("商品货号", "item_no"),
    ("商品名称", "item_name"),
    ("规格型号", "gmodel"),
    ("条码", "barcode"),
    ("原产国", "country"),
    ("数量", "qty"),
    ("单价", "price"),
    ("运费", "freight"),
    ("优惠", "discount"),
    ("代扣税款", "tax_total"),
    ("实付金额", "paid"),
    ("支付企业代码", "pay_code"),
    ("支付流水号", "pay_no"),
    ("支付时间", "pay_time"),
    ("物流企业代码", "logistics_code"),
    ("运单号", "waybill_no"),
    ("保价费", "insured_fee"),
    ("毛重", "weight"),
]
EXPORT_REQUIRED = {
    "order_no",
    "ebp_code",
    "ebc_code",
    "app_time",
    "buyer_name",
    "buyer_id",
    "buyer_phone",
    "consignee",
    "consignee_phone",
    "consignee_address",
    "item_no",
    "qty",
    "price",
    "paid",
}
#: Columns read from an order's first row (the others are per line).
ORDER_LEVEL = [
    f
    for _, f in EXPORT_COLUMNS
    if f not in ("item_no", "item_name", "gmodel", "barcode", "country", "qty", "price")
]
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y%m%d%H%M%S")


@dataclass
class _Line:
    item_no: str
    name: str
    gmodel: str
    qty: Decimal
    price: Decimal
    country: str = "142"
    barcode: str = ""


@dataclass
class _Spec:
    """One order to build: what goes into its CEB311 (and 411/511)."""

    order_no: str
    platform: CustomsParty
    seller: CustomsParty
    app_time: dt.datetime  # naive, Asia/Shanghai
    buyer: dict[str, str]  # reg_no, name, id_number, phone
    consignee: dict[str, str]  # name, phone, address
    lines: list[_Line]
    freight: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    tax_total: Decimal = Decimal(0)
    paid: Decimal | None = None
    payment: dict[str, Any] | None = None  # party, transaction_id, pay_time
    waybill: dict[str, Any] | None = None  # party, logistics_no, insured_fee, weight
    where: str = ""  # the report key: "orders[ORDER]" or "row 2"
    rows: list[int] = field(default_factory=list)


def _guid(spec: _Spec, code: str) -> str:
    # Deterministic, so building the same order twice gives the same message.
    return str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"livepark:{code}:{spec.platform.code}:{spec.order_no}")
    ).upper()


def _transfer(spec: _Spec) -> Any:
    return im.BASE_TRANSFER(
        copCode=spec.seller.code, copName=spec.seller.name[:100], dxpMode="DXP", dxpId="DXPENT0000000001"
    )


def _messages(spec: _Spec) -> list[bytes]:
    """The order's messages as XML (raises `CebValidationError` naming the element that breaks a rule)."""
    goods = sum((ln.price * ln.qty for ln in spec.lines), D(0))
    paid = spec.paid if spec.paid is not None else goods + spec.freight + spec.tax_total - spec.discount
    head = im.ORDER_HEAD(
        guid=_guid(spec, "CEB311"),
        appType="1",
        appTime=spec.app_time,
        appStatus="2",
        orderType="I",
        orderNo=spec.order_no,
        ebpCode=spec.platform.code,
        ebpName=spec.platform.name[:100],
        ebcCode=spec.seller.code,
        ebcName=spec.seller.name[:100],
        goodsValue=goods,
        freight=spec.freight,
        discount=spec.discount,
        taxTotal=spec.tax_total,
        acturalPaid=paid,
        buyerRegNo=spec.buyer["reg_no"],
        buyerName=spec.buyer["name"],
        buyerTelephone=spec.buyer["phone"],
        buyerIdType="1",
        buyerIdNumber=spec.buyer["id_number"],
        payCode=spec.payment["party"].code if spec.payment else None,
        payName=spec.payment["party"].name[:100] if spec.payment else None,
        payTransactionId=spec.payment["transaction_id"] if spec.payment else None,
        consignee=spec.consignee["name"],
        consigneeTelephone=spec.consignee["phone"],
        consigneeAddress=spec.consignee["address"],
    )
    lines = [
        im.ORDER_LIST(
            gnum=k,
            itemNo=ln.item_no,
            itemName=ln.name,
            gmodel=ln.gmodel or ln.name,
            barCode=ln.barcode or None,
            unit=UNIT,
            qty=ln.qty,
            price=ln.price,
            totalPrice=ln.price * ln.qty,
            country=ln.country,
        )
        for k, ln in enumerate(spec.lines, 1)
    ]
    out = [
        build(
            im.CEB311(
                guid=_guid(spec, "CEB311"),
                Order=[im.ORDER(OrderHead=head, OrderList=lines)],
                BaseTransfer=_transfer(spec),
            )
        )
    ]
    if spec.payment:
        pay = spec.payment
        out.append(
            build(
                im.CEB411(
                    guid=_guid(spec, "CEB411"),
                    Payment=[
                        im.PAYMENT(
                            PaymentHead=im.PAYMENT_HEAD(
                                guid=_guid(spec, "CEB411"),
                                appType="1",
                                appTime=pay["pay_time"],
                                appStatus="2",
                                payCode=pay["party"].code,
                                payName=pay["party"].name[:100],
                                payTransactionId=pay["transaction_id"],
                                orderNo=spec.order_no,
                                ebpCode=spec.platform.code,
                                ebpName=spec.platform.name[:100],
                                payerIdType="1",
                                payerIdNumber=spec.buyer["id_number"],
                                payerName=spec.buyer["name"],
                                telephone=spec.buyer["phone"],
                                amountPaid=paid,
                                payTime=pay["pay_time"],
                            )
                        )
                    ],
                    BaseTransfer=_transfer(spec),
                )
            )
        )
    if spec.waybill:
        way = spec.waybill
        out.append(
            build(
                im.CEB511(
                    guid=_guid(spec, "CEB511"),
                    Logistics=[
                        im.LOGISTICS(
                            LogisticsHead=im.LOGISTICS_HEAD(
                                guid=_guid(spec, "CEB511"),
                                appType="1",
                                appTime=spec.app_time,
                                appStatus="2",
                                logisticsCode=way["party"].code,
                                logisticsName=way["party"].name[:100],
                                logisticsNo=way["logistics_no"],
                                orderNo=spec.order_no,
                                freight=spec.freight,
                                insuredFee=way.get("insured_fee") or D(0),
                                weight=way.get("weight") or D(0),
                                packNo=1,
                                consignee=spec.consignee["name"],
                                consigneeAddress=spec.consignee["address"],
                                consigneeTelephone=spec.consignee["phone"],
                            )
                        )
                    ],
                    BaseTransfer=_transfer(spec),
                )
            )
        )
    return out


def _documents(files: list[bytes]) -> dict[str, Any]:
    """The built messages as matching documents by code (to compare with a stored set)."""
    out = {}
    for xml in files:
        message = parse(xml)
        child, cls, *_ = services.MESSAGES[message.spec.code]
        out[message.spec.code] = cls.from_node(message[child][0])
    return out


def _stored(obj: DeclarationSet, code: str) -> Any:
    xml = obj.document_xml(code)
    if xml is None:
        return None
    child, cls, *_ = services.MESSAGES[code]
    return cls.from_node(parse(xml)[child][0])


def _store(*, actor, specs: list[_Spec], report: FileReport, where) -> list[DeclarationSet]:
    """Build every spec; skip those already held unchanged; report the rest's problems; store all or none."""
    pending: list[bytes] = []
    for spec in specs:
        try:
            files = _messages(spec)
        except CebValidationError as exc:
            for p in exc.problems:
                where(spec, p.path.rsplit("/", 1)[-1] if p.path else "message", f"{p.rule}: {p.message}")
            continue
        live = (
            DeclarationSet.objects.filter(order_no=spec.order_no, ebp_code=spec.platform.code)
            .exclude(state=DeclarationState.REJECTED)
            .first()
        )
        if live is not None:
            built = _documents(files)
            if all(_stored(live, code) == doc for code, doc in built.items()):
                report.unchanged += 1
            else:
                where(
                    spec, "order_no", "订单已有在途申报且内容不同 / already declared with different content"
                )
            continue
        pending.extend(files)
    if not report.ok or not pending:
        return []
    try:
        created = services.declarations_import_xml(actor=actor, files=pending)
    except ServiceError as exc:
        # The import's own refusals (a seller the actor may not declare for, an ID number…) name the orders.
        for name, messages in (exc.fields or {"__all__": [exc.detail]}).items():
            for spec in specs:
                if spec.order_no in name:
                    for m in messages:
                        where(spec, name.rsplit("/", 1)[-1], m)
                    break
            else:
                report.file_error = report.file_error or exc.detail
        return []
    report.created = len(created)
    return created


# ---- from the base's orders -----------------------------------------------------------------------------


def eligible_orders(actor, seller: CustomsParty):
    """The seller's paid orders (not cancelled) whose every line's SKU is a registered good of the seller, with
    the registrations by barcode: (orders, {barcode: GoodsRegistration})."""
    from livepark.fulfillment import selectors as fulfillment

    goods = {g.item_no: g for g in GoodsRegistration.objects.filter(seller=seller, archived_at__isnull=True)}
    if seller.enterprise_id is None:
        return [], goods
    orders = (
        fulfillment.order_list(actor)
        .filter(shop_id=seller.enterprise_id)
        .exclude(status="cancelled")
        .prefetch_related("lines__sku__product", "shipments")
        .order_by("paid_at", "id")
    )
    out = [o for o in orders if o.lines.all() and all(ln.sku.barcode in goods for ln in o.lines.all())]
    return out, goods


def _party_of(errors: FieldErrors, name: str, pk: Any, role: str) -> CustomsParty | None:
    if pk is None:
        return None
    party = CustomsParty.objects.filter(pk=pk, role=role, archived_at__isnull=True).first()
    if party is None:
        errors.add(name, f"不是已登记的{PartyRole(role).label} / not a registered {role} party")
    return party


def _buyer(errors: FieldErrors, prefix: str, data: dict[str, Any], default_phone: str) -> dict[str, str]:
    name = (data.get("buyer_name") or "").strip()
    if not name or len(name) > 60:
        errors.add(f"{prefix}.buyer_name", "必填，最多 60 个字符 / required, at most 60 characters")
    number = (data.get("buyer_id_number") or "").strip().upper()
    if services.verify_id_numbers():
        try:
            number = clean_resident_id(number)
        except ValidationError as exc:
            errors.add(f"{prefix}.buyer_id_number", " ".join(exc.messages))
    elif not number:
        errors.add(f"{prefix}.buyer_id_number", "必填 / required")
    phone = (data.get("buyer_phone") or "").strip() or default_phone
    try:
        phone = clean_phone(phone)
    except ValidationError as exc:
        errors.add(f"{prefix}.buyer_phone", " ".join(exc.messages))
    reg_no = (data.get("buyer_reg_no") or "").strip() or phone
    return {"name": name, "id_number": number, "phone": phone, "reg_no": reg_no[:60]}


def declarations_from_orders(
    *,
    actor,
    seller_id: int,
    platform_id: int,
    orders: list[dict[str, Any]],
    carrier_id: int | None = None,
) -> FileReport:
    """Build declaration sets (CEB311, and CEB511 when shipped) from a seller's paid base orders.

    `orders` are ``{"order_id", "buyer_name", "buyer_id_number", "buyer_phone"?, "buyer_reg_no"?}``: the
    buyer's identity is not part of a base order. `platform_id` is the registered platform party whose
    ebpCode the orders carry; `carrier_id` the registered carrier party of the shipments (no CEB511 without
    it). Every order must be eligible (`eligible_orders`). All or nothing; a second build changes nothing.
    """
    require_right(actor, "declaration", "create")
    errors = FieldErrors()
    seller = (
        CustomsParty.objects.restrict(actor, "view")
        .filter(pk=seller_id, role=PartyRole.SELLER, archived_at__isnull=True)
        .first()
    )
    if seller is None:
        raise Invalid.field("seller_id", "不是可用的电商企业 / not a seller party you may use")
    platform = _party_of(errors, "platform_id", platform_id, PartyRole.PLATFORM)
    if platform is None and "platform_id" not in errors.fields:
        errors.add("platform_id", "必填 / required")
    carrier = _party_of(errors, "carrier_id", carrier_id, PartyRole.CARRIER)
    if not isinstance(orders, list) or not orders:
        errors.add("orders", "至少选择一个订单 / at least one order")
        orders = []
    errors.raise_if_any()
    eligible, goods = eligible_orders(actor, seller)
    by_id = {o.pk: o for o in eligible}
    from livepark.fulfillment.orders import consignee as consignee_of

    specs: list[_Spec] = []
    seen: set[int] = set()
    for k, item in enumerate(orders):
        prefix = f"orders[{k}]"
        order = by_id.get((item or {}).get("order_id"))
        if order is None:
            errors.add(
                f"{prefix}.order_id",
                "不是该电商企业已付款且商品均已备案的订单 / not a paid order of this seller with registered goods",
            )
            continue
        if order.pk in seen:
            errors.add(f"{prefix}.order_id", "重复 / repeated")
            continue
        seen.add(order.pk)
        who = consignee_of(order)
        buyer = _buyer(errors, prefix, item, who["phone"])
        shipment = next(iter(order.shipments.all()), None)
        lines = [
            _Line(
                item_no=ln.sku.barcode,
                name=goods[ln.sku.barcode].gname,
                gmodel=f"{ln.sku.product.name} {ln.sku.spec}"[:510],
                qty=D(ln.quantity),
                price=D(ln.price_fen) / 100,
                country=ln.sku.product.origin_country or "142",
                barcode=ln.sku.barcode,
            )
            for ln in order.lines.all()
        ]
        specs.append(
            _Spec(
                order_no=order.order_no,
                platform=platform,
                seller=seller,
                app_time=timezone.localtime(order.paid_at).replace(tzinfo=None, microsecond=0),
                buyer=buyer,
                consignee={"name": who["name"], "phone": who["phone"], "address": who["address"]},
                lines=lines,
                freight=D(order.freight_fen) / 100,
                discount=D(order.discount_fen) / 100,
                paid=D(order.paid_fen) / 100,
                waybill={"party": carrier, "logistics_no": shipment.waybill_no}
                if shipment is not None and carrier is not None
                else None,
                where=prefix,
            )
        )
    errors.raise_if_any()
    report = FileReport(kind="orders", rows=len(specs))

    def where(spec: _Spec, name: str, message: str) -> None:
        errors.add(f"{spec.where}.{name}", message)

    with transaction.atomic():
        created = _store(actor=actor, specs=specs, report=report, where=where)
        if errors.fields or report.file_error:
            transaction.set_rollback(True)
    if report.file_error:
        errors.add("orders", report.file_error)
    errors.raise_if_any()
    report.extra = {"items": [o.pk for o in created]}
    return report


# ---- from platform exports ------------------------------------------------------------------------------


def _decimal(
    report: FileReport, row: int, name: str, text: str, *, required: bool, positive: bool = False
) -> Decimal:
    if not text:
        if required:
            report.add(row, name, "必填 / required")
        return D(0)
    try:
        value = D(text.replace(",", ""))
    except InvalidOperation:
        report.add(row, name, "应为数字 / must be a number")
        return D(0)
    if not value.is_finite() or value < 0 or (positive and value == 0):
        report.add(
            row, name, "应为正数 / must be a positive number" if positive else "不能为负 / must be ≥ 0"
        )
        return D(0)
    if value.as_tuple().exponent < -5:  # type: ignore[operator]
        report.add(row, name, "最多 5 位小数 / at most 5 decimal places")
    return value


def _time(report: FileReport, row: int, name: str, text: str, *, required: bool) -> dt.datetime | None:
    if not text:
        if required:
            report.add(row, name, "必填 / required")
        return None
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    report.add(row, name, "时间格式应为 YYYY-MM-DD HH:MM:SS / must be YYYY-MM-DD HH:MM:SS (Asia/Shanghai)")
    return None


def declarations_from_export(*, actor, data: bytes, filename: str = "") -> FileReport:
    """Build declaration sets from a platform's order export (csv/xlsx, columns `EXPORT_COLUMNS`).

    Rows are grouped by (电商平台代码, 订单编号); an order's first row gives its order-level columns, and a
    later row of the order that disagrees on one is reported. Codes must be registered parties (platform,
    seller, payment firm, carrier) and every 商品货号 a goods registration of the seller. A CEB411 is built
    when 支付企业代码 and 支付流水号 are given, a CEB511 when 物流企业代码 and 运单号 are. All or nothing;
    importing the same file again changes nothing (its orders are counted as unchanged).
    """
    require_right(actor, "declaration", "create")
    report = FileReport(kind="platform_export")
    rows, report.file_error = read_table(EXPORT_COLUMNS, EXPORT_REQUIRED, data, filename)
    if report.file_error:
        return report
    report.rows = len(rows)
    if not rows:
        report.file_error = "文件没有数据行 / the file has no rows"
        return report
    groups: dict[tuple[str, str], list[tuple[int, dict[str, str]]]] = {}
    for number, row in rows:
        groups.setdefault((row.get("ebp_code", ""), row.get("order_no", "")), []).append((number, row))
    for members in groups.values():
        # Order-level columns are required on an order's first row, line columns on every row; numbers and
        # times are checked where they are read.
        for k, (number, row) in enumerate(members):
            for name in EXPORT_REQUIRED - {"qty", "price", "paid", "app_time"}:
                if (k == 0 or name not in ORDER_LEVEL) and not row.get(name):
                    report.add(number, name, "必填 / required")
    codes = {r.get(f, "") for _, r in rows for f in ("ebp_code", "ebc_code", "pay_code", "logistics_code")}
    parties = {
        (p.role, p.code): p
        for p in CustomsParty.objects.filter(code__in=codes - {""}, archived_at__isnull=True)
    }
    goods_of: dict[int, set[str]] = {}
    specs: list[_Spec] = []
    for (ebp, order_no), members in groups.items():
        first_no, first = members[0]
        for number, row in members[1:]:
            for name in ORDER_LEVEL:
                if row.get(name, "") and row.get(name, "") != first.get(name, ""):
                    report.add(
                        number,
                        name,
                        f"与本订单第 {first_no} 行不一致 / differs from row {first_no} of this order",
                    )
        if len(order_no) > 60:
            report.add(first_no, "order_no", "最多 60 个字符 / at most 60 characters")
        platform = parties.get((PartyRole.PLATFORM, ebp))
        if ebp and platform is None:
            report.add(first_no, "ebp_code", f"电商平台 {ebp} 未登记 / platform not registered")
        seller = parties.get((PartyRole.SELLER, first.get("ebc_code", "")))
        if first.get("ebc_code") and seller is None:
            report.add(first_no, "ebc_code", "电商企业未登记 / seller not registered")
        payment = None
        if first.get("pay_code") or first.get("pay_no"):
            party = parties.get((PartyRole.PAYER, first.get("pay_code", "")))
            if party is None:
                report.add(first_no, "pay_code", "支付企业未登记 / payment firm not registered")
            if not first.get("pay_no"):
                report.add(first_no, "pay_no", "有支付企业时必填 / required with a payment firm")
            pay_time = _time(report, first_no, "pay_time", first.get("pay_time", ""), required=False)
            payment = {"party": party, "transaction_id": first.get("pay_no", ""), "pay_time": pay_time}
        waybill = None
        if first.get("logistics_code") or first.get("waybill_no"):
            party = parties.get((PartyRole.CARRIER, first.get("logistics_code", "")))
            if party is None:
                report.add(first_no, "logistics_code", "物流企业未登记 / carrier not registered")
            if not first.get("waybill_no"):
                report.add(first_no, "waybill_no", "有物流企业时必填 / required with a carrier")
            waybill = {
                "party": party,
                "logistics_no": first.get("waybill_no", ""),
                "insured_fee": _decimal(
                    report, first_no, "insured_fee", first.get("insured_fee", ""), required=False
                ),
                "weight": _decimal(report, first_no, "weight", first.get("weight", ""), required=False),
            }
        app_time = _time(report, first_no, "app_time", first.get("app_time", ""), required=True)
        if payment is not None and payment["pay_time"] is None:
            payment["pay_time"] = app_time
        id_number = first.get("buyer_id", "").upper()
        if id_number and services.verify_id_numbers():
            try:
                id_number = clean_resident_id(id_number)
            except ValidationError as exc:
                report.add(first_no, "buyer_id", " ".join(exc.messages))
        registered = goods_of.setdefault(
            seller.pk if seller else 0,
            set(
                GoodsRegistration.objects.filter(seller=seller, archived_at__isnull=True).values_list(
                    "item_no", flat=True
                )
            )
            if seller
            else set(),
        )
        lines = []
        for number, row in members:
            item_no = row.get("item_no", "")
            if item_no and seller is not None and item_no not in registered:
                report.add(number, "item_no", "商品未备案 / goods not registered for this seller")
            lines.append(
                _Line(
                    item_no=item_no,
                    name=row.get("item_name") or item_no,
                    gmodel=row.get("gmodel", ""),
                    qty=_decimal(report, number, "qty", row.get("qty", ""), required=True, positive=True),
                    price=_decimal(report, number, "price", row.get("price", ""), required=True),
                    country=row.get("country") or "142",
                    barcode=row.get("barcode", ""),
                )
            )
        money = {
            name: _decimal(report, first_no, name, first.get(name, ""), required=name == "paid")
            for name in ("freight", "discount", "tax_total", "paid")
        }
        if platform is None or seller is None or app_time is None:
            continue
        specs.append(
            _Spec(
                order_no=order_no,
                platform=platform,
                seller=seller,
                app_time=app_time,
                buyer={
                    "name": first.get("buyer_name", ""),
                    "id_number": id_number,
                    "phone": first.get("buyer_phone", ""),
                    "reg_no": first.get("buyer_reg_no") or first.get("buyer_phone", ""),
                },
                consignee={
                    "name": first.get("consignee", ""),
                    "phone": first.get("consignee_phone", ""),
                    "address": first.get("consignee_address", ""),
                },
                lines=lines,
                freight=money["freight"],
                discount=money["discount"],
                tax_total=money["tax_total"],
                paid=money["paid"],
                payment=payment,
                waybill=waybill,
                where=str(first_no),
                rows=[n for n, _ in members],
            )
        )
    if not report.ok:
        return report

    def where(spec: _Spec, name: str, message: str) -> None:
        report.add(int(spec.where), name, message)

    with transaction.atomic():
        created = _store(actor=actor, specs=specs, report=report, where=where)
        if not report.ok:
            transaction.set_rollback(True)
    if not report.ok:
        report.created = 0
        return report
    report.extra = {"items": [o.pk for o in created]}
    return report
