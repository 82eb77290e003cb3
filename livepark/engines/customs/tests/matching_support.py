"""Builders for consistent declaration sets (as documents, records and XML) and hypothesis strategies."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any, NamedTuple

from hypothesis import strategies as st

from livepark.engines.customs import build
from livepark.engines.customs import import_messages as im
from livepark.engines.customs.matching import (
    Inventory,
    InventoryLine,
    Order,
    OrderLine,
    Payment,
    Registry,
    UsedWaybill,
    Waybill,
)
from livepark.engines.customs.model import FieldSpec, Kind, Node, NodeSpec

D = Decimal
GUID = "4CDE1CFD-EDED-46B1-946C-B8022E42FC94"
T0 = dt.datetime(2024, 5, 1, 10, 30)
PLATFORM = "1105910159"
SELLER = "1101110325"
CARRIER = "1101180326"
PAYER = "1105910160"
AGENT = "1105910161"
GUARANTOR = "1105910162"
BUYER_ID = "110101199003077777"
BUYER = "张三"
COSMETICS = "3304990099"
MILK = "1901101000"
FREIGHT, DISCOUNT, TAX_TOTAL, INSURED = D("10"), D("5"), D("31.90"), D("2")


class Docs(NamedTuple):
    """One order's four documents."""

    order: Order
    payment: Payment
    waybill: Waybill
    inventory: Inventory


def consistent(
    no: str = "ORD-1",
    *,
    lines: tuple[tuple[str, str, Decimal, Decimal, str], ...] = (
        ("SKU-1", "面霜", D(2), D("100"), COSMETICS),
        ("SKU-2", "奶粉", D(1), D("150.50"), MILK),
    ),
    freight: Decimal = FREIGHT,
    discount: Decimal = DISCOUNT,
    tax_total: Decimal = TAX_TOTAL,
    insured: Decimal = INSURED,
    ebp: str = PLATFORM,
    ebc: str = SELLER,
    buyer_id: str = BUYER_ID,
    buyer: str = BUYER,
    app_time: dt.datetime = T0,
    logistics_no: str | None = None,
    trade_mode: str = "9610",
    ems_no: str | None = None,
) -> Docs:
    """Four documents that agree on everything the matching checks. ``lines`` are (itemNo, name, qty,
    price, gcode); gnums are 1, 2, …"""
    order_lines = tuple(
        OrderLine(g, item, name, qty, price, price * qty)
        for g, (item, name, qty, price, _) in enumerate(lines, 1)
    )
    goods = sum((x.totalPrice for x in order_lines), D(0))
    paid = goods + freight + tax_total - discount
    consignee = ("李四", "13800000000", "北京市海淀区中关村大街1号")
    order = Order(
        orderNo=no,
        ebpCode=ebp,
        ebcCode=ebc,
        appTime=app_time,
        goodsValue=goods,
        freight=freight,
        discount=discount,
        taxTotal=tax_total,
        acturalPaid=paid,
        buyerName=buyer,
        buyerIdNumber=buyer_id,
        payCode=PAYER,
        consignee=consignee[0],
        consigneeTelephone=consignee[1],
        consigneeAddress=consignee[2],
        lines=order_lines,
    )
    payment = Payment(
        orderNo=no,
        ebpCode=ebp,
        payCode=PAYER,
        payTransactionId=f"PAY-{no}",
        payerIdNumber=buyer_id,
        payerName=buyer,
        amountPaid=paid,
        appTime=app_time + dt.timedelta(minutes=1),
    )
    waybill = Waybill(
        orderNo=no,
        logisticsCode=CARRIER,
        logisticsNo=logistics_no or f"WB-{no}",
        consignee=consignee[0],
        consigneeTelephone=consignee[1],
        consigneeAddress=consignee[2],
        freight=freight,
        insuredFee=insured,
        appTime=app_time + dt.timedelta(hours=1),
    )
    inventory = Inventory(
        orderNo=no,
        ebpCode=ebp,
        ebcCode=ebc,
        logisticsCode=CARRIER,
        logisticsNo=waybill.logisticsNo,
        assureCode=GUARANTOR,
        agentCode=AGENT,
        emsNo=ems_no if ems_no is not None else ("E1234" if trade_mode == "1210" else None),
        tradeMode=trade_mode,
        buyerIdNumber=buyer_id,
        buyerName=buyer,
        consigneeAddress=consignee[2],
        freight=freight,
        insuredFee=insured,
        appTime=app_time + dt.timedelta(hours=2),
        lines=tuple(
            InventoryLine(
                x.gnum, f"REC-{x.itemNo}", x.itemNo, gcode, x.itemName, x.qty, x.price, x.totalPrice
            )
            for x, (*_, gcode) in zip(order_lines, lines, strict=True)
        ),
    )
    return Docs(order, payment, waybill, inventory)


def full_registry(batch: list[Docs], **changes: Any) -> Registry:
    """A registry that knows every code, good and HS code of ``batch`` (so a consistent batch passes)."""
    docs = [d for docs in batch for d in docs]
    inventories = [d for d in docs if isinstance(d, Inventory)]
    registry = Registry(
        platforms=frozenset(d.ebpCode for d in docs if isinstance(d, Order)),
        sellers=frozenset(d.ebcCode for d in docs if isinstance(d, Order)),
        payers=frozenset(d.payCode for d in docs if isinstance(d, Payment)),
        carriers=frozenset(d.logisticsCode for d in docs if isinstance(d, Waybill)),
        agents=frozenset(d.agentCode for d in inventories),
        guarantors=frozenset(d.assureCode for d in inventories),
        goods={
            seller: frozenset(
                x.itemNo for i in inventories if i.ebcCode == seller for x in i.lines if x.itemNo
            )
            for seller in {i.ebcCode for i in inventories}
        },
        ems={
            book: frozenset(
                x.itemRecordNo for i in inventories if i.emsNo == book for x in i.lines if x.itemRecordNo
            )
            for book in {i.emsNo for i in inventories if i.emsNo}
        },
        positive_list={x.gcode: "" for i in inventories for x in i.lines},
    )
    return dataclasses.replace(registry, **changes)


# ---- as codec records and XML ---------------------------------------------------------------------------


def _filler(spec: FieldSpec) -> Any:
    if spec.kind is Kind.STRING:
        n = max(spec.min_length, 1)
        return GUID if n == 36 else "1" * n
    if spec.kind is Kind.DECIMAL:
        return D(1)
    if spec.kind is Kind.INT:
        return 1
    if spec.kind is Kind.DATE:
        return T0.date()
    return T0


def _record(spec: NodeSpec, values: dict[str, Any]) -> Node:
    # Every required field the test does not care about gets a valid filler value.
    known = {m.name for m in spec.fields}
    data = {k: v for k, v in values.items() if k in known and v is not None}
    for f in spec.fields:
        if f.required and f.name not in data and f.fixed is None:
            data[f.name] = _filler(f)
    return spec(**data)


def _fields(doc: Any) -> dict[str, Any]:
    return {f.name: getattr(doc, f.name) for f in dataclasses.fields(doc) if f.name != "lines"}


def _base_transfer() -> Node:
    return im.BASE_TRANSFER(copCode=PLATFORM, copName="测试", dxpMode="DXP", dxpId="DXPENT0000000001")


def messages(batch: list[Docs]) -> list[Node]:
    """The batch as one CEB311, 411, 511 and 621 message each (unsigned)."""
    orders = [
        im.ORDER(
            OrderHead=_record(im.ORDER_HEAD, {**_fields(d.order), "guid": GUID}),
            OrderList=[_record(im.ORDER_LIST, _fields(x)) for x in d.order.lines],
        )
        for d in batch
    ]
    payments = [
        im.PAYMENT(PaymentHead=_record(im.PAYMENT_HEAD, {**_fields(d.payment), "payTime": d.payment.appTime}))
        for d in batch
    ]
    waybills = [im.LOGISTICS(LogisticsHead=_record(im.LOGISTICS_HEAD, _fields(d.waybill))) for d in batch]
    inventories = [
        im.INVENTORY(
            InventoryHead=_record(im.INVENTORY_HEAD, {**_fields(d.inventory), "ieFlag": "I"}),
            InventoryList=[
                _record(im.INVENTORY_LIST, {**_fields(x), "qty1": x.qty, "unit": "007", "unit1": "007"})
                for x in d.inventory.lines
            ],
        )
        for d in batch
    ]
    common = {"guid": GUID, "BaseTransfer": _base_transfer()}
    return [
        im.CEB311(Order=orders, **common),
        im.CEB411(Payment=payments, **common),
        im.CEB511(Logistics=waybills, **common),
        im.CEB621(Inventory=inventories, **common),
    ]


def xml_files(batch: list[Docs]) -> dict[str, bytes]:
    """The batch's messages as XML by code (``CEB311`` …)."""
    return {m.spec.code: build(m) for m in messages(batch)}


# ---- hypothesis ------------------------------------------------------------------------------------------

PLATFORMS = (PLATFORM, "3301960001")
BUYERS = (("110101199003077777", "张三"), ("110101198001010011", "王五"), ("110101197505050022", "赵六"))
GCODES = (COSMETICS, MILK, "8517130000", "9503008900")
CENTS = st.integers(0, 30_000).map(lambda c: D(c).scaleb(-2))


@st.composite
def consistent_batches(draw: st.DrawFn, max_orders: int = 5) -> list[Docs]:
    """Batches of consistent sets, each order's taxable price under 5,000 (so within every limit)."""
    batch: list[Docs] = []
    for n in range(draw(st.integers(1, max_orders))):
        lines = tuple(
            (
                f"SKU-{draw(st.integers(1, 6))}",
                draw(st.sampled_from(["面霜", "奶粉", "耳机", "玩具"])),
                draw(st.sampled_from([D(1), D(2), D(3), D("1.5"), D("0.25")])),
                draw(CENTS),
                draw(st.sampled_from(GCODES)),
            )
            for _ in range(draw(st.integers(1, 3)))
        )
        buyer_id, buyer = draw(st.sampled_from(BUYERS))
        # Around New Year, so a buyer's orders fall in one calendar year or two.
        when = dt.datetime(2024, 12, 31, 12) + dt.timedelta(minutes=draw(st.integers(-3000, 3000)))
        trade_mode = draw(st.sampled_from(["9610", "1210"]))
        batch.append(
            consistent(
                f"ORD-{n}",
                lines=lines,
                freight=draw(CENTS.map(lambda c: c / 3).map(lambda c: c.quantize(D("0.01")))),
                discount=draw(st.sampled_from([D(0), D("5"), D("0.99")])),
                tax_total=draw(CENTS.map(lambda c: c / 10).map(lambda c: c.quantize(D("0.01")))),
                insured=draw(st.sampled_from([D(0), D("1.50")])),
                ebp=draw(st.sampled_from(PLATFORMS)),
                buyer_id=buyer_id,
                buyer=buyer,
                app_time=when,
                trade_mode=trade_mode,
            )
        )
    return batch


_HUGE = D(10) ** 17


def _mutated_value(draw: st.DrawFn, value: Any, others: list[Any]) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return draw(
            st.sampled_from(
                [
                    value + D("0.01"),
                    value * _HUGE,
                    value + D("0.000001"),
                    -value,
                    None,
                    value * 2,
                    D("5000.01"),
                ]
            )
        )
    if isinstance(value, int):
        return draw(st.sampled_from([value + 1, value + 10, 0, None]))
    if isinstance(value, str):
        return draw(st.sampled_from([value + "x", "", None, *others[:3]]))
    return value


@st.composite
def mutated(draw: st.DrawFn, batch: list[Docs]) -> list[Any]:
    """The batch's documents with a few random changes: fields, lines, dropped or repeated documents."""
    docs: list[Any] = [d for docs in batch for d in docs]
    for _ in range(draw(st.integers(0, 4))):
        k = draw(st.integers(0, len(docs) - 1))
        doc = docs[k]
        op = draw(
            st.sampled_from(["field", "field", "field", "line", "drop", "dup", "drop_line", "dup_line"])
        )
        if op == "drop" and len(docs) > 1:
            docs.pop(k)
        elif op == "dup":
            docs.append(doc)
        elif op in ("line", "drop_line", "dup_line") and getattr(doc, "lines", ()):
            lines = list(doc.lines)
            j = draw(st.integers(0, len(lines) - 1))
            if op == "drop_line":
                lines.pop(j)
            elif op == "dup_line":
                lines.append(lines[j])
            else:
                name = draw(st.sampled_from([f.name for f in dataclasses.fields(lines[j])]))
                same = [getattr(x, name) for x in lines if getattr(x, name) != getattr(lines[j], name)]
                value = _mutated_value(draw, getattr(lines[j], name), same)
                lines[j] = dataclasses.replace(lines[j], **{name: value})
            docs[k] = dataclasses.replace(doc, lines=tuple(lines))
        elif op == "field":
            names = [f.name for f in dataclasses.fields(doc) if f.name not in ("lines", "appTime")]
            name = draw(st.sampled_from(names))
            same = [
                getattr(d, name)
                for d in docs
                if hasattr(d, name)
                and getattr(d, name) != getattr(doc, name)
                and getattr(d, name) is not None
            ]
            docs[k] = dataclasses.replace(doc, **{name: _mutated_value(draw, getattr(doc, name), same)})
    return docs


@st.composite
def registries(draw: st.DrawFn, batch: list[Docs]) -> Registry:
    """A registry close to complete for ``batch``: a few codes, goods or HS codes left out, some notes,
    earlier years, and a waybill number seen before."""
    base = full_registry(batch)
    changes: dict[str, Any] = {}
    for name in ("platforms", "sellers", "payers", "carriers", "agents", "guarantors"):
        codes = sorted(getattr(base, name))
        if draw(st.booleans()):
            changes[name] = frozenset(codes[1:])
        elif draw(st.booleans()):
            changes[name] = None
    goods = {k: sorted(v) for k, v in (base.goods or {}).items()}
    if draw(st.booleans()):
        changes["goods"] = {k: frozenset(v[1:]) for k, v in goods.items()}
    if draw(st.booleans()):
        changes["ems"] = {k: frozenset(sorted(v)[1:]) for k, v in (base.ems or {}).items()}
    notes = st.sampled_from(["", "", "1210", "9610"])
    positive = {g: draw(notes) for g in sorted(base.positive_list or {})}
    if draw(st.booleans()) and positive:
        positive.pop(sorted(positive)[0])
    changes["positive_list"] = positive
    changes["year_totals"] = {
        (buyer_id, year): draw(st.sampled_from([D(0), D(20000), D("25999.99"), D(26000)]))
        for buyer_id, _ in BUYERS
        for year in (2024, 2025)
    }
    if draw(st.booleans()):
        w = batch[0].waybill
        when = w.appTime.date() - dt.timedelta(days=draw(st.sampled_from([10, 400])))
        changes["waybills"] = {(w.logisticsCode, w.logisticsNo): (UsedWaybill("OLD-1", when),)}
    return dataclasses.replace(base, **changes)
