"""B2B export declarations (9710 direct export, 9810 export to an overseas warehouse): services and selectors.

The flow mirrors the imports': documents arrive (uploaded CEB303/505/603 XML, or built from a form), the export
checks run between them and against the registrations (`engines.customs.export_checks`), a declaration without
discrepancies is sent through the `Gateway` (the order, the waybill and the inventory, each signed), and the
receipts that come back (CEB304/506/604) move it to accepted, released or rejected. After release, the
departure (CEB509) and the summary application (CEB701) are follow-up messages whose receipts (CEB510/702) are
recorded. Every write is keyword-only, runs in one transaction, checks right and scope, and is audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from livepark.core.errors import Conflict, FieldErrors, Invalid
from livepark.core.scoping import get_scoped, require_right
from livepark.core.servicekit import apply, choice, required_text, save_audited, scoped_for_update
from livepark.crossborder import services
from livepark.crossborder.gateway import Gateway
from livepark.crossborder.gateway_export import RETURN_CHILD
from livepark.crossborder.models import CustomsParty, DeclarationSet, PartyRole
from livepark.crossborder.models_export import (
    ExportDeclaration,
    ExportMode,
    ExportReceipt,
    ExportState,
    OverseasWarehouse,
)
from livepark.engines.customs import CebValidationError, Node, build, parse
from livepark.engines.customs import export_messages as em
from livepark.engines.customs.export_checks import (
    ORDER_TYPE,
    ExportRegistry,
    check_export,
    hs_code_problem,
    pad_hs_code,
)

GROUP = "crossborder"
X = ExportState
#: The business child of each export document message.
CHILD = {"CEB303": "Order", "CEB505": "Logistics", "CEB603": "Inventory"}
MODE_OF_ORDER_TYPE = {v: k for k, v in ORDER_TYPE.items()}
#: How far each state is along the way; receipts never move a declaration backwards.
RANK = {X.SENT: 1, X.ACCEPTED: 2, X.RELEASED: 3, X.REJECTED: 3}
FINAL = (X.REJECTED, X.RELEASED)
#: Receipt statuses after which a departure or a summary counts as accepted by customs.
ACCEPTED_STATUSES = ("120", "399", "800", "899")


# ---- helpers --------------------------------------------------------------------------------------------


def _party(role: str, code: str | None) -> CustomsParty | None:
    if not code:
        return None
    return CustomsParty.objects.filter(role=role, code=code, archived_at__isnull=True).first()


def _aware(value: Any) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _now_naive() -> dt.datetime:
    return timezone.localtime().replace(tzinfo=None, microsecond=0)


def _guid() -> str:
    return str(uuid.uuid4()).upper()


def value_in_rmb(value: Decimal | None, currency: str) -> Decimal | None:
    """`value` in yuan: as it is for currency 142, else at the rate `settings.CROSSBORDER_RMB_RATES[currency]`
    (yuan per unit); None when no rate is configured (such declarations are counted, not valued)."""
    if value is None:
        return None
    if currency == "142":
        rate = Decimal(1)
    else:
        raw = getattr(settings, "CROSSBORDER_RMB_RATES", {}).get(currency)
        if raw is None:
            return None
        rate = Decimal(str(raw))
    return (value * rate).quantize(Decimal("0.01"))


def _one_document(message: Node, child: str, node: Node) -> bytes:
    """A message holding only `node` (unsigned), as stored."""
    bare = message.replace(Signature=None) if message.get("Signature") is not None else message
    return build(bare.replace(**{child: (node,)}))


def _stored(obj: ExportDeclaration, code: str) -> Node | None:
    xml = obj.document_xml(code)
    return parse(xml)[CHILD[code]][0] if xml is not None else None


# ---- overseas warehouses --------------------------------------------------------------------------------


def warehouse_register(*, actor, data: dict[str, Any]) -> OverseasWarehouse:
    """Register a seller's overseas warehouse (its customs registration number, name, country, address)."""
    require_right(actor, "customs_registration", "create")
    errors = FieldErrors()
    seller = (
        CustomsParty.objects.restrict(actor, "change")
        .filter(pk=data.get("seller_id"), role=PartyRole.SELLER, archived_at__isnull=True)
        .first()
    )
    if seller is None:
        errors.add("seller_id", "不是您可登记的电商企业 / not a seller party you may register for")
    code = required_text(errors, "code", data.get("code"), 30)
    name = required_text(errors, "name", data.get("name"), 100)
    country = (data.get("country") or "").strip()
    if not (len(country) == 3 and country.isdigit()):
        errors.add("country", "应为 3 位海关国别代码 / must be a 3-digit customs country code")
    address = required_text(errors, "address", data.get("address"), 200)
    if (
        seller is not None
        and code
        and OverseasWarehouse.objects.filter(seller=seller, code=code, archived_at__isnull=True).exists()
    ):
        errors.add("code", "该海外仓已登记 / already registered for this seller")
    errors.raise_if_any()
    warehouse = OverseasWarehouse(seller=seller, code=code, name=name, country=country, address=address)
    with transaction.atomic():
        save_audited(actor=actor, obj=warehouse, before=None, group=GROUP)
    return warehouse


def warehouse_list(user, *, seller_id: int | None = None) -> QuerySet[OverseasWarehouse]:
    """Live overseas warehouses the user may see."""
    require_right(user, "customs_registration", "view")
    qs = OverseasWarehouse.objects.restrict(user, "view").live().select_related("seller")
    if seller_id:
        qs = qs.filter(seller_id=seller_id)
    return qs


def _warehouse_for(errors: FieldErrors, actor, mode: str, warehouse_id: Any, seller: CustomsParty | None):
    """The registered overseas warehouse a 9810 declaration needs (None for 9710); notes why not."""
    if mode != ExportMode.OVERSEAS_WAREHOUSE:
        return None
    if not warehouse_id:
        errors.add("warehouse_id", "9810 须指定已登记的海外仓 / 9810 needs a registered overseas warehouse")
        return None
    try:
        warehouse_id = int(warehouse_id)
    except (TypeError, ValueError):
        warehouse_id = 0
    # Any actor may name the seller's warehouse: the seller itself was checked for reach already.
    warehouse = OverseasWarehouse.objects.live().filter(pk=warehouse_id).first()
    if warehouse is None or (seller is not None and warehouse.seller_id != seller.pk):
        errors.add("warehouse_id", "不是该电商企业已登记的海外仓 / not a registered warehouse of the seller")
        return None
    return warehouse


# ---- creation -------------------------------------------------------------------------------------------


@dataclass
class _Docs:
    order: Node | None = None
    order_message: Node | None = None
    order_path: str = ""
    inventory: Node | None = None
    inventory_message: Node | None = None
    inventory_path: str = ""
    waybill: Node | None = None
    waybill_message: Node | None = None


def _parse_files(files: list[bytes], names: list[str] | None) -> list[tuple[str, Node, Node, str]]:
    """(code, message, business node, path) of every document, or one `Invalid` naming each bad element."""
    errors = FieldErrors()
    out: list[tuple[str, Node, Node, str]] = []
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
        if code not in CHILD:
            errors.add(f"{label}/{message.spec.name}", "应为 CEB303/505/603 报文 / not an export document")
            continue
        child = CHILD[code]
        for k, node in enumerate(message[child]):
            path = f"{label}/{message.spec.name}/{child}[{k}]"
            if code == "CEB303" and node.OrderHead.orderType not in MODE_OF_ORDER_TYPE:
                errors.add(
                    f"{path}/OrderHead/orderType",
                    "B2B 出口订单类型应为 B（9710）或 W（9810）/ orderType must be B (9710) or W (9810)",
                )
                continue
            out.append((code, message, node, path))
    errors.raise_if_any()
    return out


def _mode_of(d: _Docs, requested: str | None) -> str | None:
    if requested:
        return requested
    if d.inventory is not None and d.inventory.InventoryHead.tradeMode in ExportMode.values:
        return d.inventory.InventoryHead.tradeMode
    if d.order is not None:
        return MODE_OF_ORDER_TYPE.get(d.order.OrderHead.orderType)
    return None


def exports_import_xml(
    *,
    actor,
    files: list[bytes],
    names: list[str] | None = None,
    trade_mode: str | None = None,
    warehouse_id: int | None = None,
) -> list[ExportDeclaration]:
    """Import CEB303/505/603 messages and store one export declaration per order (all or nothing).

    Orders and inventories pair by ``ebpCode`` + ``orderNo``; a waybill joins the inventory naming its
    ``logisticsCode`` + ``logisticsNo``. The trade mode is `trade_mode`, else the inventory's ``tradeMode``,
    else the order type (B → 9710, W → 9810); a 9810 declaration needs `warehouse_id`, a registered overseas
    warehouse of its seller. Bad XML, a wrong namespace, an over-long field or an order type other than B/W
    answers 422 naming the file and the element; an order already held by a live declaration is a 409.
    """
    require_right(actor, "declaration", "create")
    if trade_mode not in (None, "", *ExportMode.values):
        raise Invalid.field("trade_mode", "应为 9710 或 9810 / must be 9710 or 9810")
    parsed = _parse_files(files, names)
    errors = FieldErrors()
    sets: dict[tuple[str, str], _Docs] = {}
    waybills: dict[tuple[str, str], tuple[Node, Node, str]] = {}
    for code, message, node, path in parsed:
        if code == "CEB505":
            waybills[(node.logisticsCode, node.logisticsNo)] = (message, node, path)
            continue
        head = node.OrderHead if code == "CEB303" else node.InventoryHead
        d = sets.setdefault((head.ebpCode, head.orderNo), _Docs())
        if code == "CEB303":
            d.order, d.order_message, d.order_path = node, message, path
        else:
            d.inventory, d.inventory_message, d.inventory_path = node, message, path
    used: set[tuple[str, str]] = set()
    for d in sets.values():
        if d.inventory is not None:
            key = (d.inventory.InventoryHead.logisticsCode, d.inventory.InventoryHead.logisticsNo)
            if key in waybills:
                d.waybill_message, d.waybill, _path = waybills[key]
                used.add(key)
    for key, (_m, _n, path) in waybills.items():
        if key not in used:
            errors.add(f"{path}/logisticsNo", "没有清单引用该运单 / no inventory names this waybill")
    pending: list[ExportDeclaration] = []
    duplicates: list[str] = []
    for (ebp, order_no), d in sets.items():
        label = f"{order_no}/{ebp}"
        head = d.order.OrderHead if d.order is not None else d.inventory.InventoryHead
        seller = _party(PartyRole.SELLER, head.ebcCode)
        if seller is None:
            errors.add(
                f"{label}/ebcCode",
                f"电商企业 {head.ebcCode} 未登记 / seller {head.ebcCode} is not registered",
            )
            continue
        ih = d.inventory.InventoryHead if d.inventory is not None else None
        agent = _party(PartyRole.AGENT, ih.agentCode) if ih is not None else None
        if not DeclarationSet.reachable(actor, seller, agent):
            errors.add(f"{label}/ebcCode", "无权为该电商企业申报 / not a seller you may declare for")
            continue
        mode = _mode_of(d, trade_mode)
        if mode is None:
            errors.add(
                f"{label}/tradeMode", "无法确定贸易方式，请指定 trade_mode / give trade_mode (9710 or 9810)"
            )
            continue
        warehouse_errors = FieldErrors()
        warehouse = _warehouse_for(warehouse_errors, actor, mode, warehouse_id, seller)
        for name, rules in warehouse_errors.fields.items():
            for rule in rules:
                errors.add(name, f"{label}: {rule}")
        if warehouse_errors.fields:
            continue
        if (
            ExportDeclaration.objects.filter(order_no=order_no, ebp_code=ebp)
            .exclude(state=X.REJECTED)
            .exists()
        ):
            duplicates.append(label)
            continue
        if d.order is not None:
            goods_value, currency = head.goodsValue, head.currency
        else:
            lines = d.inventory.InventoryList
            goods_value = sum((line.totalPrice for line in lines), Decimal(0))
            currency = lines[0].currency if lines else "142"
        obj = ExportDeclaration(
            trade_mode=mode,
            seller=seller,
            agent=agent,
            warehouse=warehouse,
            order_no=order_no,
            order_type=d.order.OrderHead.orderType if d.order is not None else ORDER_TYPE[mode],
            ebp_code=ebp,
            ebc_code=head.ebcCode,
            logistics_code=ih.logisticsCode if ih is not None else "",
            logistics_no=ih.logisticsNo if ih is not None else "",
            customs_code=ih.customsCode if ih is not None else "",
            statistics_flag=ih.statisticsFlag if ih is not None else "",
            app_time=_aware(head.appTime),
            goods_value=goods_value,
            currency=currency,
            value_rmb=value_in_rmb(goods_value, currency),
        )
        if d.order is not None:
            obj.order_xml = _one_document(d.order_message, "Order", d.order).decode()
        if d.waybill is not None:
            obj.waybill_xml = _one_document(d.waybill_message, "Logistics", d.waybill).decode()
        if d.inventory is not None:
            obj.inventory_xml = _one_document(d.inventory_message, "Inventory", d.inventory).decode()
        pending.append(obj)
    errors.raise_if_any()
    if duplicates:
        raise Conflict(
            "订单已有在途出口申报 / orders already declared: " + ", ".join(duplicates),
            fields={"orderNo": duplicates},
            code="duplicate_order",
        )
    with transaction.atomic():
        for obj in pending:
            save_audited(actor=actor, obj=obj, before=None, group=GROUP)
    return pending


def _decimal(errors: FieldErrors, name: str, value: Any, *, positive: bool = False) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(name, "应为数字 / must be a decimal number")
        return Decimal(0)
    if not d.is_finite() or d < 0 or (positive and d == 0):
        errors.add(
            name, "应为正数 / must be a positive number" if positive else "不能为负 / must not be negative"
        )
        return Decimal(0)
    if d != d.quantize(Decimal("0.00001")) or d >= Decimal(10) ** 14:
        errors.add(name, "最多 14 位整数、5 位小数 / at most 14 integer and 5 decimal digits")
        return Decimal(0)
    return d


def _code(errors: FieldErrors, name: str, value: Any, length: int, *, digits: bool = True) -> str:
    value = (value or "").strip().upper()
    if len(value) != length or (digits and not value.isdigit()):
        kind = "数字" if digits else "字符"
        errors.add(name, f"应为 {length} 位{kind} / must be {length} {'digits' if digits else 'characters'}")
    return value


#: Codec problem paths of form-built messages → the form field they come from.
_FORM_FIELDS = {
    "orderNo": "order_no",
    "ebpName": "ebp_name",
    "logisticsName": "logistics_name",
    "logisticsNo": "logistics_no",
    "goodsInfo": "goods_info",
    "itemNo": "lines",
    "gname": "lines",
    "itemName": "lines",
    "gmodel": "lines",
    "barCode": "lines",
}


def export_create(*, actor, data: dict[str, Any]) -> ExportDeclaration:
    """Build a declaration's CEB303 order, CEB505 waybill and CEB603 inventory from form fields and store it.

    The lines (``item_no``, ``gname``, ``gcode``, ``qty``, ``unit``, ``price``, optional ``gmodel``,
    ``bar_code``) make both the order and the inventory; ``gcode`` is 10 digits, or 4 or 6 with
    ``statistics_flag`` A (padded with zeros in the message). Every broken rule is answered at once (422).
    """
    require_right(actor, "declaration", "create")
    errors = FieldErrors()
    mode = data.get("trade_mode")
    choice(errors, "trade_mode", mode, ExportMode)
    seller = (
        CustomsParty.objects.restrict(actor, "view")
        .filter(pk=data.get("seller_id"), role=PartyRole.SELLER, archived_at__isnull=True)
        .first()
    )
    if seller is None:
        errors.add("seller_id", "不是可用的电商企业 / not a seller party you may use")
    agent = (
        CustomsParty.objects.filter(
            pk=data.get("agent_id"), role=PartyRole.AGENT, archived_at__isnull=True
        ).first()
        if data.get("agent_id")
        else None
    )
    if agent is None:
        errors.add("agent_id", "须为已登记的申报企业 / must be a registered agent party")
    if seller is not None and not DeclarationSet.reachable(actor, seller, agent):
        errors.add("seller_id", "无权为该电商企业申报 / not a seller you may declare for")
    warehouse = _warehouse_for(errors, actor, mode, data.get("warehouse_id"), seller)
    order_no = required_text(errors, "order_no", data.get("order_no"), 60)
    ebp_code = services._customs_code(errors, "ebp_code", data.get("ebp_code"))
    platform = _party(PartyRole.PLATFORM, ebp_code)
    ebp_name = (data.get("ebp_name") or "").strip() or (platform.name if platform else "")
    if not ebp_name:
        errors.add("ebp_name", "必填（平台未登记时）/ required when the platform is not registered")
    currency = _code(errors, "currency", data.get("currency") or "142", 3)
    logistics_code = services._customs_code(errors, "logistics_code", data.get("logistics_code"))
    carrier = _party(PartyRole.CARRIER, logistics_code)
    logistics_name = (data.get("logistics_name") or "").strip() or (carrier.name if carrier else "")
    if not logistics_name:
        errors.add("logistics_name", "必填（物流企业未登记时）/ required when the carrier is not registered")
    logistics_no = required_text(errors, "logistics_no", data.get("logistics_no"), 80)
    freight = _decimal(errors, "freight", data.get("freight") or 0)
    insured_fee = _decimal(errors, "insured_fee", data.get("insured_fee") or 0)
    gross = _decimal(errors, "gross_weight", data.get("gross_weight"), positive=True)
    net = _decimal(errors, "net_weight", data.get("net_weight"), positive=True)
    if gross and net and net > gross:
        errors.add("net_weight", "净重不能大于毛重 / must not exceed gross_weight")
    try:
        pack_no = int(data.get("pack_no"))
        if pack_no < 1:
            raise ValueError
    except (TypeError, ValueError):
        errors.add("pack_no", "应为正整数 / must be a positive integer")
        pack_no = 0
    customs_code = _code(errors, "customs_code", data.get("customs_code"), 4)
    port_code = _code(errors, "port_code", data.get("port_code"), 4)
    country = _code(errors, "country", data.get("country"), 3)
    pod = (data.get("pod") or "").strip().upper()
    if not 3 <= len(pod) <= 4:
        errors.add("pod", "指运港代码应为 3–4 位 / must be 3 or 4 characters")
    traf_mode = _code(errors, "traf_mode", data.get("traf_mode"), 1, digits=False)
    flag = (data.get("statistics_flag") or "").strip().upper()
    if flag not in ("A", "B"):
        errors.add("statistics_flag", "应为 A（简化申报）或 B（汇总申报）/ must be A or B")
    ie_date = data.get("ie_date")
    if isinstance(ie_date, str):
        try:
            ie_date = dt.date.fromisoformat(ie_date)
        except ValueError:
            ie_date = None
    if not isinstance(ie_date, dt.date):
        errors.add("ie_date", "应为日期 YYYY-MM-DD / must be a date YYYY-MM-DD")
    goods_info = (data.get("goods_info") or "").strip()
    raw_lines = data.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        errors.add("lines", "至少一行商品 / at least one line is required")
        raw_lines = []
    if len(raw_lines) > 100:
        errors.add("lines", "最多 100 行 / at most 100 lines")
    lines = []
    for n, raw in enumerate(raw_lines, start=1):
        at = f"lines[{n - 1}]"
        if not isinstance(raw, dict):
            errors.add(at, "应为对象 / must be an object")
            continue
        item_no = required_text(errors, f"{at}.item_no", raw.get("item_no"), 20)
        gname = required_text(errors, f"{at}.gname", raw.get("gname"), 250)
        gcode = (raw.get("gcode") or "").strip()
        why = hs_code_problem(gcode, flag)
        if why:
            errors.add(f"{at}.gcode", why)
        qty = _decimal(errors, f"{at}.qty", raw.get("qty"), positive=True)
        price = _decimal(errors, f"{at}.price", raw.get("price"), positive=True)
        unit = _code(errors, f"{at}.unit", raw.get("unit"), 3)
        lines.append(
            {
                "gnum": n,
                "item_no": item_no,
                "gname": gname,
                "gcode": gcode,
                "gmodel": (raw.get("gmodel") or "").strip() or gname,
                "bar_code": (raw.get("bar_code") or "").strip() or "无",
                "qty": qty,
                "price": price,
                "total": (qty * price).quantize(Decimal("0.00001")),
                "unit": unit,
            }
        )
    errors.raise_if_any()
    if (
        ExportDeclaration.objects.filter(order_no=order_no, ebp_code=ebp_code)
        .exclude(state=X.REJECTED)
        .exists()
    ):
        raise Conflict(
            f"订单 {order_no} 已有在途出口申报 / order already declared",
            fields={"order_no": ["已有在途出口申报 / already declared"]},
            code="duplicate_order",
        )
    now = _now_naive()
    goods_value = sum((x["total"] for x in lines), Decimal(0))
    transfer = em.BASE_TRANSFER(copCode=agent.code, copName=agent.name[:100], dxpMode="DXP", dxpId=_dxp_id())
    order = em.ORDER(
        OrderHead=em.ORDER_HEAD(
            guid=_guid(),
            appType="1",
            appTime=now,
            appStatus="2",
            orderType=ORDER_TYPE[mode],
            orderNo=order_no,
            ebpCode=ebp_code,
            ebpName=ebp_name[:100],
            ebcCode=seller.code,
            ebcName=seller.name[:100],
            goodsValue=goods_value,
            freight=Decimal(0),
            currency=currency,
        ),
        OrderList=[
            em.ORDER_LIST(
                gnum=x["gnum"],
                itemNo=x["item_no"],
                itemName=x["gname"],
                barCode=x["bar_code"],
                unit=x["unit"],
                currency=currency,
                qty=x["qty"],
                price=x["price"],
                totalPrice=x["total"],
            )
            for x in lines
        ],
    )
    waybill = em.LOGISTICS(
        guid=_guid(),
        appType="1",
        appTime=now,
        appStatus="2",
        logisticsCode=logistics_code,
        logisticsName=logistics_name[:100],
        logisticsNo=logistics_no,
        freight=freight,
        insuredFee=insured_fee,
        currency=currency,
        grossWeight=gross,
        packNo=pack_no,
        goodsInfo=(goods_info or lines[0]["gname"])[:200],
        ebcCode=seller.code,
        ebcName=seller.name[:100],
    )
    inventory = em.INVENTORY(
        InventoryHead=em.INVENTORY_HEAD(
            guid=_guid(),
            appType="1",
            appTime=now,
            appStatus="2",
            customsCode=customs_code,
            ebpCode=ebp_code,
            ebpName=ebp_name[:100],
            orderNo=order_no,
            logisticsCode=logistics_code,
            logisticsName=logistics_name[:100],
            logisticsNo=logistics_no,
            copNo=f"LPX{uuid.uuid4().hex[:20].upper()}",
            ieFlag="E",
            portCode=port_code,
            ieDate=ie_date,
            statisticsFlag=flag,
            agentCode=agent.code,
            agentName=agent.name[:100],
            ebcCode=seller.code,
            ebcName=seller.name[:100],
            ownerCode=seller.code,
            ownerName=seller.name[:100],
            tradeMode=mode,
            trafMode=traf_mode,
            country=country,
            POD=pod,
            freight=freight,
            fCurrency=currency,
            fFlag="3",
            insuredFee=insured_fee,
            iCurrency=currency,
            iFlag="3",
            wrapType="2",
            packNo=pack_no,
            grossWeight=gross,
            netWeight=net,
        ),
        InventoryList=[
            em.INVENTORY_LIST(
                gnum=x["gnum"],
                itemNo=x["item_no"],
                itemName=x["gname"],
                gcode=pad_hs_code(x["gcode"]),
                gname=x["gname"],
                gmodel=x["gmodel"],
                barCode=x["bar_code"],
                country=country,
                currency=currency,
                qty=x["qty"],
                qty1=x["qty"],
                unit=x["unit"],
                unit1=x["unit"],
                price=x["price"],
                totalPrice=x["total"],
            )
            for x in lines
        ],
    )
    built: dict[str, str] = {}
    for code, message in (
        ("CEB303", em.CEB303(guid=_guid(), Order=[order], BaseTransfer=transfer)),
        ("CEB505", em.CEB505(guid=_guid(), Logistics=[waybill], BaseTransfer=transfer)),
        ("CEB603", em.CEB603(guid=_guid(), Inventory=[inventory], BaseTransfer=transfer)),
    ):
        try:
            built[code] = build(message).decode()
        except CebValidationError as exc:  # what the form rules above do not cover (lengths of the schema)
            for p in exc.problems:
                leaf = p.path.rsplit("/", 1)[-1]
                errors.add(_FORM_FIELDS.get(leaf, p.path), f"{p.rule}: {p.message}")
    errors.raise_if_any()
    obj = ExportDeclaration(
        trade_mode=mode,
        seller=seller,
        agent=agent,
        warehouse=warehouse,
        order_no=order_no,
        order_type=ORDER_TYPE[mode],
        ebp_code=ebp_code,
        ebc_code=seller.code,
        logistics_code=logistics_code,
        logistics_no=logistics_no,
        customs_code=customs_code,
        statistics_flag=flag,
        app_time=timezone.make_aware(now),
        goods_value=goods_value,
        currency=currency,
        value_rmb=value_in_rmb(goods_value, currency),
        order_xml=built["CEB303"],
        waybill_xml=built["CEB505"],
        inventory_xml=built["CEB603"],
    )
    with transaction.atomic():
        save_audited(actor=actor, obj=obj, before=None, group=GROUP)
    return obj


# ---- checking -------------------------------------------------------------------------------------------


def _export_registry(obj: ExportDeclaration, docs: list[Node | None]) -> ExportRegistry:
    codes: set[str] = set()
    for d in docs:
        if d is None:
            continue
        head = d.get("OrderHead") or d.get("InventoryHead") or d
        for name in ("ebpCode", "ebcCode", "logisticsCode", "agentCode"):
            if head.get(name):
                codes.add(head.get(name))
    registered: dict[str, set[str]] = {r: set() for r in PartyRole.values}
    for role, code in CustomsParty.objects.filter(code__in=codes, archived_at__isnull=True).values_list(
        "role", "code"
    ):
        registered[role].add(code)
    warehouse = obj.warehouse
    return ExportRegistry(
        platforms=frozenset(registered[PartyRole.PLATFORM]),
        sellers=frozenset(registered[PartyRole.SELLER]),
        carriers=frozenset(registered[PartyRole.CARRIER]),
        agents=frozenset(registered[PartyRole.AGENT]),
        warehouse=warehouse is not None
        and warehouse.archived_at is None
        and warehouse.seller_id == obj.seller_id,
    )


def export_check(*, actor, pk: int) -> ExportDeclaration:
    """Run the export checks between the documents and against the registrations; store every
    discrepancy (document, field, values, rule) and move the declaration to `checked`."""
    with transaction.atomic():
        obj = scoped_for_update(ExportDeclaration, actor, pk, "change")
        if obj.state not in (X.RECEIVED, X.CHECKED):
            raise Conflict(
                f"状态为 {obj.get_state_display()}，不能再校验 / cannot check a declaration in state {obj.state}"
            )
        order, waybill, inventory = (_stored(obj, c) for c in ("CEB303", "CEB505", "CEB603"))
        found = check_export(
            obj.trade_mode,
            order,
            waybill,
            inventory,
            _export_registry(obj, [order, waybill, inventory]),
            tolerance=services.match_settings().tolerance,
        )
        before = apply(
            obj,
            {"discrepancies": [d.as_json() for d in found], "state": X.CHECKED, "checked_at": timezone.now()},
        )
        save_audited(actor=actor, obj=obj, before=before, group=GROUP)
    return obj


# ---- declaring ------------------------------------------------------------------------------------------


def _dxp_id() -> str:
    return getattr(settings, "CROSSBORDER_DXP_ID", "DXPENT0000000001")


def _transfer(obj: ExportDeclaration) -> Node:
    cop = obj.agent or obj.seller
    return em.BASE_TRANSFER(copCode=cop.code, copName=cop.name[:100], dxpMode="DXP", dxpId=_dxp_id())


def export_messages(obj: ExportDeclaration) -> tuple[list[bytes], str]:
    """The signed CEB303, CEB505 and CEB603 to send (declared, appStatus 2, under fresh guids) and the
    inventory's guid, which customs quotes back on every CEB604."""
    signer = services.signer()
    transfer = _transfer(obj)
    order = _stored(obj, "CEB303")
    waybill = _stored(obj, "CEB505")
    inventory = _stored(obj, "CEB603")
    guid = _guid()
    head = inventory.InventoryHead.replace(
        guid=guid, appType="1", appStatus="2", copNo=inventory.InventoryHead.copNo or f"LPX{obj.pk:016d}"
    )
    out = [
        build(
            em.CEB303(
                guid=_guid(),
                Order=[order.replace(OrderHead=order.OrderHead.replace(guid=_guid(), appStatus="2"))],
                BaseTransfer=transfer,
            ),
            signer=signer,
        ),
        build(
            em.CEB505(
                guid=_guid(), Logistics=[waybill.replace(guid=_guid(), appStatus="2")], BaseTransfer=transfer
            ),
            signer=signer,
        ),
        build(
            em.CEB603(guid=guid, Inventory=[inventory.replace(InventoryHead=head)], BaseTransfer=transfer),
            signer=signer,
        ),
    ]
    return out, guid


def export_send(*, actor, pk: int, gateway: Gateway) -> ExportDeclaration:
    """Declare a checked declaration without discrepancies: sign its order, waybill and inventory and hand
    them to `gateway` (409 otherwise; a 9810 whose warehouse is no longer registered is refused too)."""
    with transaction.atomic():
        obj = scoped_for_update(ExportDeclaration, actor, pk, "change")
        if obj.state != X.CHECKED:
            raise Conflict(
                f"状态为 {obj.get_state_display()}，须先校验 / only a checked declaration can be sent"
            )
        if obj.discrepancies:
            raise Conflict(
                f"仍有 {len(obj.discrepancies)} 处差异 / the declaration has {len(obj.discrepancies)} discrepancies",
                code="discrepancies",
            )
        if obj.trade_mode == ExportMode.OVERSEAS_WAREHOUSE and (
            obj.warehouse is None or obj.warehouse.archived_at is not None
        ):
            raise Conflict(
                "9810 须有已登记的海外仓 / 9810 needs a registered overseas warehouse", code="warehouse"
            )
        messages, guid = export_messages(obj)
        message_id = ""
        for xml in messages:
            message_id = gateway.send(xml)
        before = apply(
            obj,
            {"state": X.SENT, "sent_guid": guid, "message_id": message_id[:64], "sent_at": timezone.now()},
        )
        save_audited(actor=actor, obj=obj, before=before, group=GROUP)
    return obj


def export_depart(
    *, actor, pk: int, gateway: Gateway, data: dict[str, Any] | None = None
) -> ExportDeclaration:
    """Report a released declaration's goods as gone abroad: a signed CEB509 departure of its waybill
    (``traf_mode``, ``traf_name``, ``voyage_no``, ``bill_no`` optional; leave time now)."""
    data = data or {}
    errors = FieldErrors()
    traf_mode = (data.get("traf_mode") or "").strip() or None
    for name, limit in (("traf_name", 100), ("voyage_no", 32), ("bill_no", 37)):
        if len((data.get(name) or "").strip()) > limit:
            errors.add(name, f"最多 {limit} 个字符 / at most {limit} characters")
    if traf_mode is not None and len(traf_mode) != 1:
        errors.add("traf_mode", "应为 1 位运输方式代码 / must be a 1-character transport mode")
    errors.raise_if_any()
    with transaction.atomic():
        obj = scoped_for_update(ExportDeclaration, actor, pk, "change")
        if obj.state != X.RELEASED:
            raise Conflict("仅已放行的出口申报可申报离境 / only a released declaration departs")
        if (
            obj.departure_guid
            and obj.departure_status not in ("100", "4")
            and not obj.departure_status.startswith("-")
        ):
            raise Conflict("已申报离境 / departure already declared", code="departed")
        inventory = _stored(obj, "CEB603").InventoryHead
        waybill = _stored(obj, "CEB505")
        guid = _guid()
        now = _now_naive()
        message = em.CEB509(
            guid=_guid(),
            Departure=[
                em.DEPARTURE(
                    DepartureHead=em.DEPARTURE_HEAD(
                        guid=guid,
                        appType="1",
                        appTime=now,
                        appStatus="2",
                        customsCode=obj.customs_code or inventory.customsCode,
                        copNo=f"LPD{obj.pk:016d}",
                        logisticsCode=obj.logistics_code,
                        logisticsName=(
                            waybill.logisticsName if waybill is not None else inventory.logisticsName
                        ),
                        trafMode=traf_mode or inventory.trafMode,
                        trafName=(data.get("traf_name") or "").strip() or inventory.trafName,
                        voyageNo=(data.get("voyage_no") or "").strip() or inventory.voyageNo,
                        billNo=(data.get("bill_no") or "").strip() or inventory.billNo,
                        leaveTime=now,
                        msgCount=1,
                        msgSeqNo=1,
                    ),
                    DepartureList=[em.DEPARTURE_LIST(gnum=1, logisticsNo=obj.logistics_no)],
                )
            ],
            BaseTransfer=_transfer(obj),
        )
        gateway.send(build(message, signer=services.signer()))
        before = apply(obj, {"departure_guid": guid, "departure_status": ""})
        save_audited(actor=actor, obj=obj, before=before, group=GROUP)
    return obj


def export_summarize(*, actor, pks: list[int], gateway: Gateway) -> list[ExportDeclaration]:
    """Apply for the summary declaration (CEB701) of released declarations of one seller and one agent,
    listing their inventory numbers; each may be summarized once (until a summary is refused)."""
    require_right(actor, "declaration", "change")
    if not pks or len(pks) > 100:
        raise Invalid.field("ids", "应为 1–100 个出口申报 / must name 1 to 100 export declarations")
    with transaction.atomic():
        objs = list(
            ExportDeclaration.objects.restrict(actor, "change")
            .select_for_update(of=("self",))
            .filter(pk__in=pks)
            .select_related("seller", "agent")
            .order_by("pk")
        )
        if len(objs) != len(set(pks)):
            missing = sorted(set(pks) - {o.pk for o in objs})
            raise Invalid.field("ids", f"不存在或无权访问 / not found: {missing}")
        errors = FieldErrors()
        for o in objs:
            if o.state != X.RELEASED or not o.invt_no:
                errors.add("ids", f"{o.pk}: 仅已放行且有清单编号的申报可汇总 / not released")
            elif (
                o.summary_guid
                and o.summary_status not in ("100", "4")
                and not o.summary_status.startswith("-")
            ):
                errors.add("ids", f"{o.pk}: 已申请汇总 / already summarized")
        if len({(o.seller_id, o.agent_id) for o in objs}) > 1:
            errors.add("ids", "须为同一电商企业、同一申报企业 / one seller and one agent per summary")
        errors.raise_if_any()
        first = objs[0]
        agent = first.agent or first.seller
        guid = _guid()
        message = em.CEB701(
            guid=_guid(),
            SummaryApply=[
                em.SUMMARY_APPLY(
                    SummaryApplyHead=em.SUMMARY_APPLY_HEAD(
                        guid=guid,
                        appType="1",
                        appTime=_now_naive(),
                        appStatus="2",
                        customsCode=first.customs_code,
                        copNo=f"LPS{first.pk:016d}",
                        agentCode=agent.code,
                        agentName=agent.name[:100],
                        ebcCode=first.seller.code,
                        ebcName=first.seller.name[:100],
                        declAgentCode=agent.code,
                        declAgentName=agent.name[:100],
                        summaryFlag="1",
                        itemNameFlag="1",
                        msgCount=1,
                        msgSeqNo=1,
                    ),
                    SummaryApplyList=[em.SUMMARY_APPLY_LIST(invtNo=o.invt_no) for o in objs],
                )
            ],
            BaseTransfer=_transfer(first),
        )
        gateway.send(build(message, signer=services.signer()))
        for o in objs:
            before = apply(o, {"summary_guid": guid, "summary_status": "", "sum_no": ""})
            save_audited(actor=actor, obj=o, before=before, group=GROUP)
    return objs


# ---- receipts -------------------------------------------------------------------------------------------


def _rejects(status: str) -> bool:
    return services.state_for(status) == X.REJECTED


def _record(actor, obj: ExportDeclaration, code: str, ret: Node, changes: dict[str, Any], report) -> None:
    when = _aware(ret.returnTime) or timezone.now()
    _receipt, created = ExportReceipt.objects.get_or_create(
        declaration=obj,
        message_type=code,
        return_status=ret.returnStatus,
        return_time=when,
        defaults={
            "return_info": (ret.returnInfo or "")[:1000],
            "pre_no": ret.get("preNo") or "",
            "invt_no": ret.get("invtNo") or "",
        },
    )
    if not created:
        report.duplicates += 1
        return
    before = apply(obj, changes)
    save_audited(actor=actor, obj=obj, before=before, group=GROUP)
    report.applied += 1


def _document_changes(obj: ExportDeclaration, ret: Node) -> dict[str, Any]:
    """An order's or waybill's receipt: kept; a refusal rejects a declaration not yet final."""
    if _rejects(ret.returnStatus) and obj.state not in FINAL:
        return {"state": X.REJECTED, "return_status": ret.returnStatus, "return_info": ret.returnInfo[:1000]}
    return {}


def _inventory_changes(obj: ExportDeclaration, ret: Node) -> dict[str, Any]:
    if obj.state in FINAL:
        return {}
    changes: dict[str, Any] = {
        "return_status": ret.returnStatus,
        "return_info": ret.returnInfo[:1000],
        "pre_no": ret.preNo or obj.pre_no,
    }
    target = services.state_for(ret.returnStatus)
    if target and RANK.get(target, 0) >= RANK.get(obj.state, 0):
        changes["state"] = target
    if target in (X.ACCEPTED, X.RELEASED) and ret.invtNo:
        changes["invt_no"] = ret.invtNo
    return changes


def receipts_apply(*, actor, message: Node, report) -> None:
    """Apply one export receipt message (CEB304/506/604/510/702) polled from the gateway, counting into
    `report` (`services.IngestReport`). Receipts never move a declaration backwards; rejected and released
    are final. A receipt naming no sent declaration is counted as unmatched."""
    code = message.spec.code
    for ret in message[RETURN_CHILD[code]]:
        with transaction.atomic():
            base = ExportDeclaration.objects.select_for_update()
            if code == "CEB604":
                objs = list(base.filter(sent_guid=ret.guid))
            elif code == "CEB304":
                objs = list(
                    base.filter(ebp_code=ret.ebpCode, order_no=ret.orderNo, sent_at__isnull=False)
                    .exclude(state=X.REJECTED)
                    .order_by("-pk")[:1]
                )
            elif code == "CEB506":
                objs = list(
                    base.filter(
                        logistics_code=ret.logisticsCode, logistics_no=ret.logisticsNo, sent_at__isnull=False
                    )
                    .exclude(state=X.REJECTED)
                    .order_by("-pk")[:1]
                )
            elif code == "CEB510":
                objs = list(base.filter(departure_guid=ret.guid))
            elif code == "CEB702":
                objs = list(base.filter(summary_guid=ret.guid))
            else:
                objs = []
            if not objs:
                report.unmatched += 1
                continue
            for obj in objs:
                if code == "CEB604":
                    changes = _inventory_changes(obj, ret)
                elif code in ("CEB304", "CEB506"):
                    changes = _document_changes(obj, ret)
                elif code == "CEB510":
                    changes = {"departure_status": ret.returnStatus}
                    if ret.returnStatus in ACCEPTED_STATUSES:
                        changes["departed_at"] = _aware(ret.returnTime) or timezone.now()
                else:
                    changes = {"summary_status": ret.returnStatus, "sum_no": ret.sumNo or obj.sum_no}
                _record(actor, obj, code, ret, changes, report)


# ---- reads ----------------------------------------------------------------------------------------------


def export_list(
    user, *, trade_mode: str | None = None, state: str | None = None, q: str | None = None
) -> QuerySet[ExportDeclaration]:
    """The user's export declarations, newest first; `q` matches the start of the order or waybill number."""
    require_right(user, "declaration", "view")
    qs = ExportDeclaration.objects.restrict(user, "view").select_related("seller", "agent", "warehouse")
    if trade_mode:
        qs = qs.filter(trade_mode=trade_mode)
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(Q(order_no__startswith=q) | Q(logistics_no__startswith=q))
    return qs


def export_get(user, pk: int, action: str = "view") -> ExportDeclaration:
    """One export declaration in the user's scope (403 without the right, 404 outside scope)."""
    return get_scoped(ExportDeclaration, user, pk, action)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def export_documents(obj: ExportDeclaration) -> dict[str, dict[str, Any]]:
    """Each stored document as `{"head": {field: value}, "lines": [{…}]}`; a missing document is absent."""
    out: dict[str, dict[str, Any]] = {}
    for code in ExportDeclaration.DOCUMENT_FIELDS:
        node = _stored(obj, code)
        if node is None:
            continue
        head_name = {"CEB303": "OrderHead", "CEB603": "InventoryHead"}.get(code)
        head = node[head_name] if head_name else node
        lines = []
        if head_name:
            for member in node.spec.names:
                if member != head_name:
                    lines += [{k: _shown(v) for k, v in line.items()} for line in node[member] or ()]
        out[code] = {"head": {k: _shown(v) for k, v in head.items()}, "lines": lines}
    return out
