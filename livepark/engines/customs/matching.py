"""Three-document matching (三单对碰): order 311, payment 411, waybill 511 and inventory 621 must agree.

A `DeclarationSet` holds one order's documents as plain dataclasses whose attribute names are the official
element names (so a discrepancy's ``field`` is the attribute that disagrees). `declaration_sets` groups parsed
messages by ``orderNo`` + ``ebpCode`` and records what only the whole batch can tell (duplicates, a waybill
number used twice, the buyer's earlier orders) in the set's `BatchContext`.

`check_set` runs every check of the spec's table on one set and returns `Discrepancy` records (document, field,
the two values, rule, order). `check_bulk` returns exactly the same list for a whole batch, but decides which
sets have a problem with array arithmetic over columns of the batch — money as int64 fixed point at 10⁻⁵ yuan,
codes as numpy strings — so a day's clean orders cost no Python per order; only the sets that fail a check are
handed to the per-set code to word the report. Where int64 could overflow (amounts near 10¹³ yuan) or a value is
not representable, the set is handed over too, so the result never depends on the fast path.

Checks (rules): ``keys``, ``arithmetic`` (with `MatchSettings.tolerance`), ``money``, ``buyer_payer`` (waived for
platforms that verify identity), ``buyer`` (the inventory declares the order's buyer), ``consignee``, ``lines``,
``uniqueness``; with a `Registry` also ``registration``, ``positive_list`` and ``limits``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np

from . import import_messages as im
from .model import Node
from .tax import _CTX, GENERAL_TRADE, TaxLine, TaxOrder, channel_mode, is_single_item, order_taxable_price

__all__ = [
    "DOCUMENTS",
    "RULES",
    "BatchContext",
    "DeclarationSet",
    "Discrepancy",
    "Inventory",
    "InventoryLine",
    "LimitInput",
    "MatchSettings",
    "Order",
    "OrderLine",
    "Payment",
    "Registry",
    "Waybill",
    "check_bulk",
    "check_set",
    "declaration_sets",
    "documents",
    "message_discrepancies",
]

DOCUMENTS = ("CEB311", "CEB411", "CEB511", "CEB621")
RULES = (
    "keys",
    "arithmetic",
    "money",
    "buyer_payer",
    "buyer",
    "consignee",
    "lines",
    "uniqueness",
    "registration",
    "positive_list",
    "limits",
)


# ---- the documents ---------------------------------------------------------------------------------------


def _read(cls: type, head: Node, **extra: Any) -> Any:
    names = [f.name for f in fields(cls) if f.name not in extra]
    return cls(**{name: head.get(name) for name in names}, **extra)


@dataclass(frozen=True, slots=True)
class OrderLine:
    """An ``OrderList`` line."""

    gnum: int
    itemNo: str | None
    itemName: str
    qty: Decimal
    price: Decimal
    totalPrice: Decimal


@dataclass(frozen=True, slots=True)
class Order:
    """A CEB311 order (head fields the checks use, and its lines)."""

    DOCUMENT: ClassVar[str] = "CEB311"
    orderNo: str
    ebpCode: str
    ebcCode: str
    appTime: dt.datetime
    goodsValue: Decimal
    freight: Decimal
    discount: Decimal
    taxTotal: Decimal
    acturalPaid: Decimal
    buyerName: str
    buyerIdNumber: str
    payCode: str | None
    consignee: str
    consigneeTelephone: str
    consigneeAddress: str
    lines: tuple[OrderLine, ...] = ()

    @classmethod
    def from_node(cls, node: Node) -> Order:
        """From an ``Order`` record of a parsed CEB311 message."""
        return _read(cls, node.OrderHead, lines=tuple(_read(OrderLine, x) for x in node.OrderList))


@dataclass(frozen=True, slots=True)
class Payment:
    """A CEB411 payment voucher."""

    DOCUMENT: ClassVar[str] = "CEB411"
    orderNo: str
    ebpCode: str
    payCode: str
    payTransactionId: str
    payerIdNumber: str
    payerName: str
    amountPaid: Decimal
    appTime: dt.datetime

    @classmethod
    def from_node(cls, node: Node) -> Payment:
        """From a ``Payment`` record of a parsed CEB411 message."""
        return _read(cls, node.PaymentHead)


@dataclass(frozen=True, slots=True)
class Waybill:
    """A CEB511 waybill."""

    DOCUMENT: ClassVar[str] = "CEB511"
    orderNo: str
    logisticsCode: str
    logisticsNo: str
    consignee: str
    consigneeTelephone: str
    consigneeAddress: str
    freight: Decimal | None
    insuredFee: Decimal | None
    appTime: dt.datetime

    @classmethod
    def from_node(cls, node: Node) -> Waybill:
        """From a ``Logistics`` record of a parsed CEB511 message."""
        return _read(cls, node.LogisticsHead)


@dataclass(frozen=True, slots=True)
class InventoryLine:
    """An ``InventoryList`` line."""

    gnum: int
    itemRecordNo: str | None
    itemNo: str | None
    gcode: str
    gname: str
    qty: Decimal
    price: Decimal
    totalPrice: Decimal


@dataclass(frozen=True, slots=True)
class Inventory:
    """A CEB621 inventory declaration (清单)."""

    DOCUMENT: ClassVar[str] = "CEB621"
    orderNo: str
    ebpCode: str
    ebcCode: str
    logisticsCode: str
    logisticsNo: str
    assureCode: str
    agentCode: str
    emsNo: str | None
    tradeMode: str
    buyerIdNumber: str
    buyerName: str
    consigneeAddress: str
    freight: Decimal
    insuredFee: Decimal
    appTime: dt.datetime
    lines: tuple[InventoryLine, ...] = ()

    @classmethod
    def from_node(cls, node: Node) -> Inventory:
        """From an ``Inventory`` record of a parsed CEB621 message."""
        return _read(
            cls, node.InventoryHead, lines=tuple(_read(InventoryLine, x) for x in node.InventoryList)
        )


Document = Order | Payment | Waybill | Inventory
_NODE_TYPES: dict[int, type] = {
    id(im.ORDER): Order,
    id(im.PAYMENT): Payment,
    id(im.LOGISTICS): Waybill,
    id(im.INVENTORY): Inventory,
}
_MESSAGE_CHILD = {
    id(im.CEB311): "Order",
    id(im.CEB411): "Payment",
    id(im.CEB511): "Logistics",
    id(im.CEB621): "Inventory",
}


def documents(items: Iterable[Node | Document]) -> Iterator[Document]:
    """The documents in CEB311/411/511/621 messages, their business records, or documents as they are."""
    for item in items:
        if isinstance(item, Order | Payment | Waybill | Inventory):
            yield item
        elif isinstance(item, Node) and id(item.spec) in _MESSAGE_CHILD:
            for child in item[_MESSAGE_CHILD[id(item.spec)]]:
                yield _NODE_TYPES[id(child.spec)].from_node(child)
        elif isinstance(item, Node) and id(item.spec) in _NODE_TYPES:
            yield _NODE_TYPES[id(item.spec)].from_node(item)
        else:
            name = item.spec.name if isinstance(item, Node) else type(item).__name__
            raise ValueError(f"{name} is not an import order, payment, waybill or inventory")


# ---- sets and their batch context ------------------------------------------------------------------------


class LimitInput(NamedTuple):
    """What the limits need of an order: the parts of its taxable price and whether it is a single item."""

    goods_value: Decimal
    freight: Decimal
    insurance: Decimal
    discount: Decimal
    single_item: bool


@dataclass(frozen=True, slots=True)
class BatchContext:
    """What the rest of the batch says about a set; filled in by `declaration_sets`.

    The ``*_copies`` counts are how many documents of the batch share the document's uniqueness key (1 = only
    this one): orders and payments by (orderNo, ebpCode), waybills per order, inventories by (orderNo, ebcCode);
    ``waybill_uses`` counts the waybills carrying this set's (logisticsCode, logisticsNo). ``earlier`` holds the
    buyer's orders of the same calendar year that come before this one (by appTime), for the yearly limit.
    """

    order_copies: int = 1
    payment_copies: int = 1
    waybill_copies: int = 1
    inventory_copies: int = 1
    waybill_uses: int = 1
    year_key: tuple[str, int] | None = None  # (buyerIdNumber, year of the order's appTime)
    earlier: tuple[LimitInput, ...] = ()


@dataclass(frozen=True, slots=True)
class DeclarationSet:
    """One order's documents (any may be missing) and its batch context."""

    order_no: str
    ebp_code: str | None  # None for a waybill no order, payment or inventory claims
    order: Order | None = None
    payment: Payment | None = None
    waybill: Waybill | None = None
    inventory: Inventory | None = None
    context: BatchContext = BatchContext()

    def limit_input(self) -> LimitInput | None:
        """The order's limit amounts (insurance from the inventory, else the waybill); None without an order."""
        o = self.order
        if o is None:
            return None
        insurance = None
        if self.inventory is not None:
            insurance = self.inventory.insuredFee
        elif self.waybill is not None:
            insurance = self.waybill.insuredFee
        parts = (o.goodsValue, o.freight, insurance or Decimal(0), o.discount)
        if not all(isinstance(p, Decimal) and p.is_finite() for p in parts):
            return None
        return LimitInput(*parts, is_single_item([line.qty for line in o.lines]))

    def tax_order(
        self, goods: Mapping[str, str] | None = None, released_on: dt.date | None = None
    ) -> TaxOrder:
        """The order as the tax engine takes it; gcodes come from the inventory line of the same gnum, else
        from ``goods`` (itemNo → gcode). Raises ValueError naming the lines without a gcode."""
        o = self.order
        if o is None:
            raise ValueError(f"order {self.order_no!r}: no CEB311 order")
        by_gnum = {line.gnum: line.gcode for line in self.inventory.lines} if self.inventory else {}
        goods = goods or {}
        lines: list[TaxLine] = []
        missing: list[int] = []
        for line in o.lines:
            gcode = by_gnum.get(line.gnum) or (goods.get(line.itemNo) if line.itemNo else None)
            if not gcode:
                missing.append(line.gnum)
                continue
            lines.append(TaxLine(line.gnum, gcode, line.qty, line.price, line.totalPrice))
        if missing:
            raise ValueError(
                f"order {o.orderNo!r}: no gcode for line(s) {missing} (no CEB621 line, itemNo not in the goods map)"
            )
        limit = self.limit_input()
        return TaxOrder(
            order_no=o.orderNo,
            buyer_id=o.buyerIdNumber,
            app_time=o.appTime,
            lines=tuple(lines),
            freight=o.freight,
            insurance=limit.insurance if limit else Decimal(0),
            discount=o.discount,
            ebp_code=o.ebpCode,
            released_on=released_on,
        )


class _Builder:
    __slots__ = ("copies", "ebp_code", "inventory", "order", "order_no", "payment", "pos", "waybill")

    def __init__(self, order_no: str, ebp_code: str | None, pos: int) -> None:
        self.order_no, self.ebp_code, self.pos = order_no, ebp_code, pos
        self.order: Order | None = None
        self.payment: Payment | None = None
        self.waybill: Waybill | None = None
        self.inventory: Inventory | None = None
        self.copies: Counter[str] = Counter()

    def names_waybill(self, w: Waybill) -> bool:
        i = self.inventory
        return i is not None and (i.logisticsCode, i.logisticsNo) == (w.logisticsCode, w.logisticsNo)


_SLOT = {Order: "order", Payment: "payment", Inventory: "inventory"}


def declaration_sets(messages: Iterable[Node | Document]) -> list[DeclarationSet]:
    """Group a batch's documents into one set per (orderNo, ebpCode), in order of first appearance.

    Orders, payments and inventories join by (orderNo, ebpCode). A payment or inventory whose ebpCode matches
    no order joins the one order of the same orderNo that lacks it, so the ``keys`` check can name the wrong
    code instead of reporting two half-empty sets. Waybills carry no ebpCode: they join by orderNo (preferring
    the set whose inventory names the waybill), else the set whose inventory names them. A second document
    for a filled slot is not matched but counted in the context (``uniqueness``).
    """
    docs = list(documents(messages))
    builders: dict[tuple[str, str | None], _Builder] = {}
    by_order_no: dict[str, list[_Builder]] = defaultdict(list)
    positions = itertools.count()

    def builder(order_no: str, ebp_code: str | None) -> _Builder:
        key = (order_no, ebp_code)
        b = builders.get(key)
        if b is None:
            b = builders[key] = _Builder(order_no, ebp_code, next(positions))
            by_order_no[order_no].append(b)
        return b

    for doc in docs:
        if isinstance(doc, Waybill):
            continue
        b = builder(doc.orderNo, doc.ebpCode)
        slot = _SLOT[type(doc)]
        if getattr(b, slot) is None:
            setattr(b, slot, doc)
        b.copies[slot] += 1

    # A payment or inventory under a wrong ebpCode: move it to the one order of its orderNo that lacks one.
    for b in list(builders.values()):
        if b.order is not None:
            continue
        for slot in ("payment", "inventory"):
            doc = getattr(b, slot)
            if doc is None:
                continue
            targets = [t for t in by_order_no[b.order_no] if t.order is not None and getattr(t, slot) is None]
            if len(targets) == 1:
                setattr(targets[0], slot, doc)
                targets[0].copies[slot] = b.copies.pop(slot)
                setattr(b, slot, None)
        if b.payment is None and b.inventory is None:
            del builders[(b.order_no, b.ebp_code)]
            by_order_no[b.order_no].remove(b)

    uses = Counter((w.logisticsCode, w.logisticsNo) for w in docs if isinstance(w, Waybill))
    orphans: list[Waybill] = []
    for w in (d for d in docs if isinstance(d, Waybill)):
        candidates = by_order_no.get(w.orderNo, [])
        if not candidates:
            orphans.append(w)
            continue
        free = [b for b in candidates if b.waybill is None]
        pool = free or candidates
        pick = next((b for b in pool if b.names_waybill(w)), pool[0])
        if pick.waybill is None:
            pick.waybill = w
        pick.copies["waybill"] += 1
    for w in orphans:
        named = [b for b in builders.values() if b.waybill is None and b.names_waybill(w)]
        pick = named[0] if named else builder(w.orderNo, None)
        if pick.waybill is None:
            pick.waybill = w
        pick.copies["waybill"] += 1

    # The spec's key for "one live declaration" is (orderNo, ebcCode), across platforms.
    declarations = Counter((d.orderNo, d.ebcCode) for d in docs if isinstance(d, Inventory))
    ordered = sorted(builders.values(), key=lambda b: b.pos)
    sets = [
        DeclarationSet(b.order_no, b.ebp_code, b.order, b.payment, b.waybill, b.inventory) for b in ordered
    ]
    earlier = _earlier_orders(sets)
    out: list[DeclarationSet] = []
    for i, (b, s) in enumerate(zip(ordered, sets, strict=True)):
        year_key, before = earlier.get(i, (None, ()))
        context = BatchContext(
            order_copies=b.copies["order"] or 1,
            payment_copies=b.copies["payment"] or 1,
            waybill_copies=b.copies["waybill"] or 1,
            inventory_copies=declarations[(b.inventory.orderNo, b.inventory.ebcCode)] if b.inventory else 1,
            waybill_uses=uses[(b.waybill.logisticsCode, b.waybill.logisticsNo)] if b.waybill else 1,
            year_key=year_key,
            earlier=before,
        )
        out.append(
            DeclarationSet(s.order_no, s.ebp_code, s.order, s.payment, s.waybill, s.inventory, context)
        )
    return out


def _earlier_orders(
    sets: Sequence[DeclarationSet],
) -> dict[int, tuple[tuple[str, int], tuple[LimitInput, ...]]]:
    # Same buyer, same calendar year, by appTime (then position in the batch). Each set carries its buyer's
    # earlier orders, quadratic in one buyer's orders per batch — a handful in practice (the year holds 26,000).
    groups: dict[tuple[str, int], list[tuple[dt.datetime, int, LimitInput]]] = defaultdict(list)
    for i, s in enumerate(sets):
        o = s.order
        limit = s.limit_input()
        if o is None or limit is None or not isinstance(o.appTime, dt.datetime) or o.buyerIdNumber is None:
            continue
        groups[(o.buyerIdNumber, o.appTime.year)].append((o.appTime, i, limit))
    result: dict[int, tuple[tuple[str, int], tuple[LimitInput, ...]]] = {}
    for key, members in groups.items():
        members.sort(key=lambda m: (m[0], m[1]))
        for n, (_, i, _) in enumerate(members):
            result[i] = (key, tuple(m[2] for m in members[:n]))
    return result


# ---- discrepancies, settings, registry -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One disagreement: ``values`` is (what ``document``.``field`` holds, what it should be).

    The second value is the other document's value, the computed one (``price × qty``), the limit, or None for
    "no such entry" (a missing document, an unregistered code). ``field`` is the official element name; line
    fields are ``OrderList.totalPrice``/``InventoryList.qty`` with the line's ``gnum``; the limits use the
    derived ``orderTotal`` and ``yearTotal``. ``rule`` is one of `RULES`.
    """

    document: str
    field: str
    values: tuple[Any, Any]
    rule: str
    order_no: str
    ebp_code: str | None = None
    gnum: int | None = None
    message: str = ""

    def as_json(self) -> dict[str, Any]:
        """Plain JSON values (decimals as strings, exactly as held)."""
        return {
            "document": self.document,
            "field": self.field,
            "values": [_plain(v) for v in self.values],
            "rule": self.rule,
            "order_no": self.order_no,
            "ebp_code": self.ebp_code,
            "gnum": self.gnum,
            "message": self.message,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class MatchSettings:
    """How strict the matching is.

    ``tolerance`` (a fraction: 0.05 = 5%) and ``abs_tolerance`` (yuan) apply to the arithmetic only: a value
    passes if it is within tolerance × |expected| + abs_tolerance of the expected one. Exact by default.
    ``platform_verifies_identity`` lists the ebpCodes whose buyers need not be the payers.
    ``required_documents`` are those whose absence is a ``keys`` discrepancy.
    """

    tolerance: Decimal = Decimal(0)
    abs_tolerance: Decimal = Decimal(0)
    platform_verifies_identity: frozenset[str] = frozenset()
    required_documents: frozenset[str] = frozenset(DOCUMENTS)
    discount_reduces_price: bool = True  # for the limits, as in the tax
    order_limit: Decimal = Decimal(5000)
    year_limit: Decimal = Decimal(26000)
    waybill_reuse_days: int = 183  # a waybill number is not reused within 6 months (reported)

    def __post_init__(self) -> None:
        for name in ("tolerance", "abs_tolerance", "order_limit", "year_limit"):
            value = Decimal(getattr(self, name))
            if not value.is_finite() or value < 0:
                raise ValueError(f"{name} must be a number ≥ 0")
            object.__setattr__(self, name, value)
        object.__setattr__(self, "platform_verifies_identity", frozenset(self.platform_verifies_identity))
        required = frozenset(self.required_documents)
        if required - set(DOCUMENTS):
            raise ValueError(f"required_documents must be among {DOCUMENTS}")
        object.__setattr__(self, "required_documents", required)


@dataclass(frozen=True)
class UsedWaybill:
    """A waybill number seen before: by which order and on which day."""

    order_no: str
    used_on: dt.date


@dataclass(frozen=True)
class Registry:
    """What customs has on record, for the registration, positive-list and limits checks.

    A collection left as None is unknown and its check is skipped; an empty one means nothing is registered.
    ``year_totals`` are the buyers' totals before this batch, by (buyerIdNumber, year). See `Registry.from_json`
    for the file format.
    """

    platforms: frozenset[str] | None = None  # ebpCode
    sellers: frozenset[str] | None = None  # ebcCode
    payers: frozenset[str] | None = None  # payCode
    carriers: frozenset[str] | None = None  # logisticsCode
    agents: frozenset[str] | None = None  # agentCode
    guarantors: frozenset[str] | None = None  # assureCode
    goods: Mapping[str, frozenset[str]] | None = None  # ebcCode → registered itemNo (SKU)
    ems: Mapping[str, frozenset[str]] | None = None  # 1210 account book emsNo → itemRecordNo
    positive_list: Mapping[str, str] | None = None  # gcode → "" (both modes), "1210" or "9610"
    year_totals: Mapping[tuple[str, int], Decimal] = field(default_factory=dict)
    waybills: Mapping[tuple[str, str], tuple[UsedWaybill, ...]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Registry:
        """Read the registry file format (every key optional)::

            {
              "platforms": ["1105910159"], "sellers": [...], "payers": [...],
              "carriers": [...], "agents": [...], "guarantors": [...],
              "goods": {"<ebcCode>": ["<itemNo>", ...]},
              "ems": {"<emsNo>": ["<itemRecordNo>", ...]},
              "positive_list": {"<gcode>": "" | "1210" | "9610"}   (or a plain list of gcodes),
              "year_totals": {"<buyerIdNumber>": {"2024": "12000.00"}},
              "waybills": [{"logisticsCode": "...", "logisticsNo": "...", "orderNo": "...", "date": "2024-03-01"}]
            }

        Amounts are strings or numbers (read as decimals). Unknown keys are an error, so a typo cannot silently
        switch a check off.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown registry key(s): {', '.join(unknown)}")

        def codes(name: str) -> frozenset[str] | None:
            value = data.get(name)
            if value is None:
                return None
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                raise ValueError(f"registry {name}: expected a list of strings")
            return frozenset(value)

        def book(name: str) -> dict[str, frozenset[str]] | None:
            value = data.get(name)
            if value is None:
                return None
            if not isinstance(value, dict) or not all(
                isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value.values()
            ):
                raise ValueError(f"registry {name}: expected an object of string lists")
            return {str(k): frozenset(v) for k, v in value.items()}

        positive = data.get("positive_list")
        if isinstance(positive, list):
            positive = dict.fromkeys(positive, "")
        if positive is not None:
            if not isinstance(positive, dict) or not all(
                v in ("", None, "1210", "9610") for v in positive.values()
            ):
                raise ValueError('registry positive_list: notes must be "", "1210" or "9610"')
            positive = {str(k): v or "" for k, v in positive.items()}

        totals: dict[tuple[str, int], Decimal] = {}
        for buyer, years in (data.get("year_totals") or {}).items():
            if not isinstance(years, dict):
                raise ValueError("registry year_totals: expected {buyer: {year: amount}}")
            for year, amount in years.items():
                try:
                    totals[(str(buyer), int(year))] = Decimal(str(amount))
                except (ValueError, InvalidOperation):
                    raise ValueError(f"registry year_totals: bad entry {buyer}/{year}: {amount!r}") from None

        used: dict[tuple[str, str], list[UsedWaybill]] = defaultdict(list)
        for entry in data.get("waybills") or []:
            try:
                key = (str(entry["logisticsCode"]), str(entry["logisticsNo"]))
                used[key].append(UsedWaybill(str(entry["orderNo"]), dt.date.fromisoformat(entry["date"])))
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"registry waybills: bad entry {entry!r}") from None

        return cls(
            platforms=codes("platforms"),
            sellers=codes("sellers"),
            payers=codes("payers"),
            carriers=codes("carriers"),
            agents=codes("agents"),
            guarantors=codes("guarantors"),
            goods=book("goods"),
            ems=book("ems"),
            positive_list=positive,
            year_totals=totals,
            waybills={k: tuple(v) for k, v in used.items()},
        )

    @classmethod
    def load(cls, path: str | Path) -> Registry:
        """Read a registry JSON file (see `from_json`)."""
        with Path(path).open(encoding="utf-8") as fh:
            return cls.from_json(json.load(fh, parse_float=Decimal))


# ---- the per-set checks ----------------------------------------------------------------------------------

_Out = list[Discrepancy]


class _Report:
    """Collects one rule's discrepancies for one set."""

    __slots__ = ("items", "rule", "s")

    def __init__(self, s: DeclarationSet, rule: str) -> None:
        self.s, self.rule = s, rule
        self.items: _Out = []

    def add(
        self, doc: str, name: str, found: Any, expected: Any, message: str, gnum: int | None = None
    ) -> None:
        s = self.s
        self.items.append(
            Discrepancy(doc, name, (found, expected), self.rule, s.order_no, s.ebp_code, gnum, message)
        )

    def differ(self, doc: str, name: str, found: Any, expected: Any, what: str) -> None:
        if found != expected:
            self.add(doc, name, found, expected, f"{doc} {name} differs from {what}")


def _keys(s: DeclarationSet, st: MatchSettings, reg: Registry | None) -> _Out:
    r = _Report(s, "keys")
    present = {"CEB311": s.order, "CEB411": s.payment, "CEB511": s.waybill, "CEB621": s.inventory}
    for doc, value in present.items():
        if value is None and doc in st.required_documents:
            r.add(doc, "orderNo", None, s.order_no, f"no {doc} for this order")
    o, p, w, i = s.order, s.payment, s.waybill, s.inventory
    for doc, d in (("CEB311", o), ("CEB411", p), ("CEB621", i)):
        if d is not None:
            r.differ(doc, "orderNo", d.orderNo, s.order_no, "the set's orderNo")
            if s.ebp_code is not None:
                r.differ(doc, "ebpCode", d.ebpCode, s.ebp_code, "the set's ebpCode")
    if w is not None:
        r.differ("CEB511", "orderNo", w.orderNo, s.order_no, "the set's orderNo")
    if i is not None and o is not None:
        r.differ("CEB621", "ebcCode", i.ebcCode, o.ebcCode, "the order's")
    if i is not None and w is not None:
        r.differ("CEB621", "logisticsCode", i.logisticsCode, w.logisticsCode, "the waybill's")
        r.differ("CEB621", "logisticsNo", i.logisticsNo, w.logisticsNo, "the waybill's")
    return r.items


def _within(found: Decimal, expected: Decimal, st: MatchSettings) -> bool:
    with localcontext(_CTX):
        return abs(found - expected) <= st.tolerance * abs(expected) + st.abs_tolerance


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, Decimal) and v.is_finite() for v in values)


def _line_arithmetic(r: _Report, doc: str, list_name: str, lines: Sequence[Any], st: MatchSettings) -> None:
    for line in lines:
        if not _numbers(line.price, line.qty, line.totalPrice):
            continue  # a missing or non-numeric value is the codec's finding, not a mismatch
        with localcontext(_CTX):
            expected = line.price * line.qty
        if not _within(line.totalPrice, expected, st):
            r.add(
                doc,
                f"{list_name}.totalPrice",
                line.totalPrice,
                expected,
                "totalPrice ≠ price × qty",
                line.gnum,
            )


def _arithmetic(s: DeclarationSet, st: MatchSettings, reg: Registry | None) -> _Out:
    r = _Report(s, "arithmetic")
    o = s.order
    if o is not None:
        _line_arithmetic(r, "CEB311", "OrderList", o.lines, st)
        totals = [line.totalPrice for line in o.lines]
        if _numbers(o.goodsValue, *totals):
            with localcontext(_CTX):
                goods = sum(totals, Decimal(0))
            if not _within(o.goodsValue, goods, st):
                r.add("CEB311", "goodsValue", o.goodsValue, goods, "goodsValue ≠ Σ totalPrice")
        if _numbers(o.goodsValue, o.freight, o.taxTotal, o.discount, o.acturalPaid):
            with localcontext(_CTX):
                paid = o.goodsValue + o.freight + o.taxTotal - o.discount
            if not _within(o.acturalPaid, paid, st):
                why = "acturalPaid ≠ goodsValue + freight + taxTotal − discount"
                r.add("CEB311", "acturalPaid", o.acturalPaid, paid, why)
    if s.inventory is not None:
        _line_arithmetic(r, "CEB621", "InventoryList", s.inventory.lines, st)
    return r.items


def _money(s: DeclarationSet, st: MatchSettings, reg: Registry | None) -> _Out:
    r = _Report(s, "money")
    o, p = s.order, s.payment
    if o is not None and p is not None:
        r.differ("CEB411", "amountPaid", p.amountPaid, o.acturalPaid, "the order's acturalPaid")
    return r.items


def _buyer_payer(s: DeclarationSet, st: MatchSettings, reg: Registry | None) -> _Out:
    r = _Report(s, "buyer_payer")
    o, p = s.order, s.payment
    if o is not None and p is not None and s.ebp_code not in st.platform_verifies_identity:
        r.differ("CEB411", "payerIdNumber", p.payerIdNumber, o.buyerIdNumber, "the buyerIdNumber")
        r.differ("CEB411", "payerName", p.payerName, o.buyerName, "the buyerName")
    return r.items


def _buyer(s: DeclarationSet, st: MatchSettings, reg: Registry | None) -> _Out:
    r = _Report(s, "buyer")
    o, i = s.order, s.inventory
    if o is not None and i is not None:
        r.differ("CEB621", "buyerIdNumber", i.buyerIdNumber, o.buyerIdNumber, "the order's")
        r.differ("CEB621", "buyerName", i.buyerName, o.buyerName, "the order's")
    return r.items


def _consignee(s: DeclarationSet, st: MatchSettings, reg: Registry | None) -> _Out:
    r = _Report(s, "consignee")
    o, w, i = s.order, s.waybill, s.inventory
    if o is not None and w is not None:
        for name in ("consignee", "consigneeTelephone", "consigneeAddress"):
            r.differ("CEB511", name, getattr(w, name), getattr(o, name), "the order's")
    if o is not None and i is not None:
        r.differ("CEB621", "consigneeAddress", i.consigneeAddress, o.consigneeAddress, "the order's")
    return r.items


def _gnum_order(g: Any) -> tuple[int, Any]:
    return (0, g) if isinstance(g, int) else (1, repr(g))


def _lines(s: DeclarationSet, st: MatchSettings, reg: Registry | None) -> _Out:
    r = _Report(s, "lines")
    o, i = s.order, s.inventory
    if o is None or i is None:
        return r.items
    ocount = Counter(line.gnum for line in o.lines)
    icount = Counter(line.gnum for line in i.lines)
    ofirst = {line.gnum: line for line in reversed(o.lines)}
    ifirst = {line.gnum: line for line in reversed(i.lines)}
    for g in sorted(ocount.keys() | icount.keys(), key=_gnum_order):
        oc, ic = ocount[g], icount[g]
        if oc > 1:
            r.add("CEB311", "OrderList.gnum", oc, 1, f"gnum {g} appears {oc} times", g)
        if ic > 1:
            r.add("CEB621", "InventoryList.gnum", ic, 1, f"gnum {g} appears {ic} times", g)
        if oc == 0:
            r.add("CEB621", "InventoryList.gnum", g, None, "no order line with this gnum", g)
        elif ic == 0:
            r.add("CEB621", "InventoryList.gnum", None, g, "order line missing from the inventory", g)
        elif oc == 1 and ic == 1:  # a repeated gnum pairs with nothing: reported above, not compared
            ol, il = ofirst[g], ifirst[g]
            for name, found, expected, what in (
                ("gname", il.gname, ol.itemName, "itemName"),
                ("qty", il.qty, ol.qty, "qty"),
                ("price", il.price, ol.price, "price"),
            ):
                if found != expected:
                    r.add(
                        "CEB621",
                        f"InventoryList.{name}",
                        found,
                        expected,
                        f"differs from the order's {what}",
                        g,
                    )
    return r.items


def _uniqueness(s: DeclarationSet, st: MatchSettings, reg: Registry | None) -> _Out:
    r = _Report(s, "uniqueness")
    c, w, i = s.context, s.waybill, s.inventory
    if s.order is not None and c.order_copies > 1:
        r.add("CEB311", "orderNo", c.order_copies, 1, "orders with this orderNo and ebpCode")
    if s.payment is not None and c.payment_copies > 1:
        r.add("CEB411", "orderNo", c.payment_copies, 1, "payments for this order")
    if w is not None and c.waybill_copies > 1:
        r.add("CEB511", "orderNo", c.waybill_copies, 1, "waybills for this order")
    if w is not None and c.waybill_uses > 1:
        why = f"waybill {w.logisticsNo} of carrier {w.logisticsCode} used {c.waybill_uses} times in the batch"
        r.add("CEB511", "logisticsNo", c.waybill_uses, 1, why)
    if w is not None and reg is not None and isinstance(w.appTime, dt.datetime):
        for used in reg.waybills.get((w.logisticsCode, w.logisticsNo), ()):
            recent = abs((w.appTime.date() - used.used_on).days) <= st.waybill_reuse_days
            if used.order_no != w.orderNo and recent:
                why = f"waybill {w.logisticsNo} was used for order {used.order_no} on {used.used_on.isoformat()}"
                r.add("CEB511", "logisticsNo", w.orderNo, used.order_no, why)
    if i is not None and c.inventory_copies > 1:
        why = f"declarations with orderNo {i.orderNo} and ebcCode {i.ebcCode}"
        r.add("CEB621", "orderNo", c.inventory_copies, 1, why)
    return r.items


# (registry attribute, field, documents to take the code from, first present wins, what it is)
_REGISTERED = (
    ("platforms", "ebpCode", ("order", "inventory", "payment"), "platform"),
    ("sellers", "ebcCode", ("order", "inventory"), "seller"),
    ("payers", "payCode", ("payment", "order"), "payment company"),
    ("carriers", "logisticsCode", ("waybill", "inventory"), "carrier"),
    ("agents", "agentCode", ("inventory",), "declaring agent"),
    ("guarantors", "assureCode", ("inventory",), "guarantor"),
)
_DOC_OF = {"order": "CEB311", "payment": "CEB411", "waybill": "CEB511", "inventory": "CEB621"}


def _registration(s: DeclarationSet, st: MatchSettings, reg: Registry | None) -> _Out:
    r = _Report(s, "registration")
    if reg is None:
        return r.items
    for category, name, sources, what in _REGISTERED:
        codes = getattr(reg, category)
        if codes is None:
            continue
        for attr in sources:
            d = getattr(s, attr)
            if d is not None and getattr(d, name) is not None:
                code = getattr(d, name)
                if code not in codes:
                    r.add(_DOC_OF[attr], name, code, None, f"{what} {code} is not registered")
                break
    # Goods as declared on the inventory, else as ordered.
    d = s.inventory if s.inventory is not None else s.order
    if reg.goods is not None and d is not None:
        doc, list_name = ("CEB621", "InventoryList") if d is s.inventory else ("CEB311", "OrderList")
        registered = reg.goods.get(d.ebcCode, frozenset())
        for line in d.lines:
            if line.itemNo is None or line.itemNo not in registered:
                why = f"goods not registered for seller {d.ebcCode}"
                r.add(doc, f"{list_name}.itemNo", line.itemNo, None, why, line.gnum)
    i = s.inventory
    if reg.ems is not None and i is not None and i.tradeMode == "1210":
        if i.emsNo not in reg.ems:
            r.add("CEB621", "emsNo", i.emsNo, None, "1210 account book (emsNo) unknown")
        else:
            items = reg.ems[i.emsNo]
            for line in i.lines:
                if line.itemRecordNo is None or line.itemRecordNo not in items:
                    why = f"itemRecordNo not in account book {i.emsNo}"
                    r.add("CEB621", "InventoryList.itemRecordNo", line.itemRecordNo, None, why, line.gnum)
    return r.items


def _positive_list(s: DeclarationSet, st: MatchSettings, reg: Registry | None) -> _Out:
    r = _Report(s, "positive_list")
    i = s.inventory
    if reg is None or reg.positive_list is None or i is None:
        return r.items
    for line in i.lines:
        note = reg.positive_list.get(line.gcode)
        if note is None:
            why = "gcode is not on the retail-import positive list"
            r.add("CEB621", "InventoryList.gcode", line.gcode, None, why, line.gnum)
        elif note and note != i.tradeMode:
            why = f"gcode {line.gcode} is on the list for {note} only"
            r.add("CEB621", "tradeMode", i.tradeMode, note, why, line.gnum)
    return r.items


def _limit_amount(limit: LimitInput, st: MatchSettings) -> Decimal:
    reduce = st.discount_reduces_price
    return order_taxable_price(*limit[:4], discount_reduces_price=reduce)


def _limits(s: DeclarationSet, st: MatchSettings, reg: Registry | None) -> _Out:
    r = _Report(s, "limits")
    key = s.context.year_key
    limit = s.limit_input()
    if reg is None or key is None or limit is None:
        return r.items
    bounds = {"order_limit": st.order_limit, "year_limit": st.year_limit}
    year = reg.year_totals.get(key, Decimal(0))
    for before in s.context.earlier:  # replay the buyer's earlier orders: only channel orders use the quota
        amount = _limit_amount(before, st)
        if channel_mode(amount, before.single_item, year, **bounds) != GENERAL_TRADE:
            year += amount
    amount = _limit_amount(limit, st)
    if channel_mode(amount, limit.single_item, year, **bounds) != GENERAL_TRADE:
        return r.items
    within_year = year + amount <= st.year_limit
    if amount > st.order_limit and not (limit.single_item and within_year):
        r.add("CEB311", "orderTotal", amount, st.order_limit, "order over the per-order limit")
    if not within_year:
        why = f"buyer {key[0]}'s {key[1]} total would exceed the yearly limit"
        r.add("CEB311", "yearTotal", year + amount, st.year_limit, why)
    return r.items


_Check = Callable[[DeclarationSet, MatchSettings, "Registry | None"], _Out]
_CHECKS: tuple[tuple[str, _Check], ...] = (
    ("keys", _keys),
    ("arithmetic", _arithmetic),
    ("money", _money),
    ("buyer_payer", _buyer_payer),
    ("buyer", _buyer),
    ("consignee", _consignee),
    ("lines", _lines),
    ("uniqueness", _uniqueness),
    ("registration", _registration),
    ("positive_list", _positive_list),
    ("limits", _limits),
)
_REGISTRY_ONLY = frozenset({"registration", "positive_list", "limits"})


def check_set(
    s: DeclarationSet, settings: MatchSettings | None = None, registry: Registry | None = None
) -> list[Discrepancy]:
    """Every discrepancy of one declaration set, check by check in the order of `RULES`.

    The registration, positive-list and limits checks run only with a ``registry``.
    """
    st = settings or MatchSettings()
    out: _Out = []
    for name, check in _CHECKS:
        if registry is None and name in _REGISTRY_ONLY:
            continue
        out.extend(check(s, st, registry))
    return out


def message_discrepancies(message: Node, settings: MatchSettings | None = None) -> list[Discrepancy]:
    """The in-message arithmetic of a CEB311 or CEB621 message (other messages have none)."""
    st = settings or MatchSettings()
    out: _Out = []
    for doc in documents([message]) if id(message.spec) in _MESSAGE_CHILD else ():
        if isinstance(doc, Order):
            out.extend(_arithmetic(DeclarationSet(doc.orderNo, doc.ebpCode, order=doc), st, None))
        elif isinstance(doc, Inventory):
            out.extend(_arithmetic(DeclarationSet(doc.orderNo, doc.ebpCode, inventory=doc), st, None))
    return out


# ---- bulk: the same checks over columns ------------------------------------------------------------------
#
# Each check has a screen: a boolean array over the sets that is True wherever the per-set check may report
# something. Screens are exact on the common path and True (hand over) whenever the fast path cannot decide:
# None values, decimals with more than 5 places, amounts whose int64 products could overflow.

_SCALE = 5  # N19,5: five decimal places
_ONE = 10**_SCALE
_SAFE = float(2**62)  # float bound below int64's; floats only choose the path, never the answer
_SEP = "\x1f"  # joins key parts; cannot occur in XML text
_STR = np.dtypes.StringDType()


class _Str(NamedTuple):
    v: np.ndarray  # StringDType, "" for None
    null: np.ndarray  # bool


class _Fix(NamedTuple):
    v: np.ndarray  # int64, value × 10^k
    ok: np.ndarray  # bool: present and exactly representable


def _strings(values: Sequence[Any]) -> _Str:
    obj = np.array(values, dtype=object) if values else np.zeros(0, object)
    null = np.equal(obj, None).astype(bool)
    if not set(map(type, values)) <= {str, type(None)}:
        # Not text (hand-built records): a marker equal only to the very same object, so the fast path
        # never calls such values equal where Python would not; the per-set code decides.
        odd = ~null & ~np.fromiter((type(x) is str for x in values), bool, len(values))
        obj[odd] = [f"\x00{id(x)}" for x in obj[odd]]
    obj[null] = ""
    return _Str(obj.astype(_STR), null)


_INT_DIGITS = 12  # |value| < 10¹² yuan: × 10⁵ stays below 2⁵⁷, so sums and comparisons fit int64
_POW10 = 10 ** np.arange(_INT_DIGITS + _SCALE, dtype=np.int64)
_NUL, _MINUS, _DOT, _D0, _D9 = 0, ord("-"), ord("."), ord("0"), ord("9")


def _fixed(values: Sequence[Any]) -> _Fix:
    """Decimals as int64 × 10⁵, parsed from their ASCII text as a byte matrix (one row per value).

    Only the plain form ``-123.45`` with at most five decimals and twelve integer digits is ok; exponent forms,
    NaN, None, other types and larger values are not, and go to the per-set code.
    """
    n = len(values)
    if not set(map(type, values)) <= {Decimal, type(None)}:
        values = [x if type(x) is Decimal else None for x in values]
    text = np.array(list(map(str, values)) or [""], dtype="S")  # None reads "None": not a number
    width = max(text.dtype.itemsize, 1)
    # Characters by column (width × n): the reductions below run down short columns of long rows.
    m = np.ascontiguousarray(text.view(np.uint8).reshape(-1, width)[:n].T)
    col = np.arange(width)[:, None]
    digit = (m >= _D0) & (m <= _D9)
    dot = m == _DOT
    pad = m == _NUL  # str() never holds NUL: only the padding does
    neg = m[0] == _MINUS
    length = width - pad.sum(axis=0)
    ok = np.logical_and.reduce(digit | dot | pad | ((m == _MINUS) & (col == 0)), axis=0)
    ok &= dot.sum(axis=0) <= 1
    point = np.where(dot.any(axis=0), dot.argmax(axis=0), length)  # where the point is (or would be)
    int_digits = point - neg
    ok &= (int_digits >= 1) & (int_digits <= _INT_DIGITS) & (length - point - 1 <= _SCALE)
    # A digit left of the point at column j weighs 10^(point − j − 1 + 5); right of it, 10^(5 − (j − point)).
    power = np.where(col < point, point - col - 1 + _SCALE, _SCALE - (col - point))
    weight = _POW10[np.clip(power, 0, len(_POW10) - 1)]
    value = np.where(digit & ok, (m.astype(np.int64) - _D0) * weight, 0).sum(axis=0)
    return _Fix(np.where(neg, -value, value), ok)


def _mul(a: _Fix, b: _Fix) -> _Fix:
    safe = a.ok & b.ok & (np.abs(a.v.astype(float) * b.v.astype(float)) < _SAFE)
    return _Fix(np.where(safe, a.v * np.where(safe, b.v, 0), 0), safe)


def _scale_up(a: _Fix, factor: int) -> _Fix:
    safe = a.ok & (np.abs(a.v.astype(float)) * factor < _SAFE)
    return _Fix(np.where(safe, a.v, 0) * factor, safe)


def _add(*terms: tuple[int, _Fix]) -> _Fix:
    ok = np.logical_and.reduce([t.ok for _, t in terms])
    mag = sum(np.abs(t.v.astype(float)) for _, t in terms)
    ok &= mag < _SAFE
    total = sum(sign * np.where(ok, t.v, 0) for sign, t in terms)
    return _Fix(np.asarray(total, np.int64), ok)


def _ratio(value: Decimal) -> tuple[int, int]:
    num, den = value.as_integer_ratio()
    return num, den


def _outside(found: _Fix, expected: _Fix, k: int, st: MatchSettings) -> np.ndarray:
    """True where found (× 10^k) is not within tolerance of expected, or where that cannot be decided."""
    unsure = ~(found.ok & expected.ok)
    diff = _add((1, found), (-1, expected))
    unsure |= ~diff.ok
    if st.tolerance == 0 and st.abs_tolerance == 0:
        return unsure | (diff.v != 0)
    # |diff| ≤ a/b·|expected| + c/d  ⇔  |diff|·b·d ≤ a·d·|expected| + c·b, in integers.
    a, b = _ratio(st.tolerance)
    c, d = _ratio(st.abs_tolerance.scaleb(k))
    lhs_f = np.abs(diff.v.astype(float)) * b * d
    rhs_f = np.abs(expected.v.astype(float)) * a * d + float(c) * b
    unsure |= (lhs_f >= _SAFE) | (rhs_f >= _SAFE) | (float(max(a * d, b * d, c * b)) >= _SAFE)
    if unsure.all():
        return unsure
    bd, ad, cb = (int(x) if x < 2**62 else 0 for x in (b * d, a * d, c * b))
    dv = np.where(unsure, 0, np.abs(diff.v))
    ev = np.where(unsure, 0, np.abs(expected.v))
    return unsure | (dv * bd > ev * ad + cb)


class _Columns:
    """The batch as arrays, built on first use: one row per set; line tables with a set index."""

    def __init__(self, sets: Sequence[DeclarationSet]) -> None:
        self.sets = sets
        self.n = len(sets)
        self.docs = {
            "order": [s.order for s in sets],
            "payment": [s.payment for s in sets],
            "waybill": [s.waybill for s in sets],
            "inventory": [s.inventory for s in sets],
        }
        self.has = {k: np.fromiter((d is not None for d in v), bool, self.n) for k, v in self.docs.items()}
        self._cache: dict[Any, Any] = {}

    def _cached(self, key: Any, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def _column(self, doc: str, name: str) -> list[Any]:
        get = operator.attrgetter(name)
        return [None if d is None else get(d) for d in self.docs[doc]]

    def s(self, doc: str, name: str) -> _Str:
        """A text field of one document kind (null where the document or the value is absent)."""
        return self._cached(("s", doc, name), lambda: _strings(self._column(doc, name)))

    def f(self, doc: str, name: str) -> _Fix:
        """A decimal field of one document kind."""
        return self._cached(("f", doc, name), lambda: _fixed(self._column(doc, name)))

    def null(self, doc: str, name: str) -> np.ndarray:
        """Where a field of one document kind is absent (no document, or the value is None)."""
        return self._cached(
            ("n", doc, name), lambda: np.equal(np.array(self._column(doc, name), object), None)
        )

    def key(self, name: str) -> _Str:
        """The set's own orderNo / ebpCode."""
        attr = {"orderNo": "order_no", "ebpCode": "ebp_code"}[name]
        return self._cached(("k", name), lambda: _strings([getattr(s, attr) for s in self.sets]))

    def ints(self, name: str, getter: Callable[[DeclarationSet], Any]) -> tuple[np.ndarray, np.ndarray]:
        """An integer per set (value, ok)."""
        return self._cached(("i", name), lambda: _ints([getter(s) for s in self.sets]))

    def lines(self, doc: str) -> _Lines:
        """The order or inventory lines of every set that has the document."""
        return self._cached(("l", doc), lambda: _Lines(self.docs[doc], self.has[doc]))


def _ints(raw: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    if set(map(type, raw)) <= {int}:
        try:
            return np.array(raw, np.int64), np.ones(len(raw), bool)
        except OverflowError:
            pass
    ok = np.fromiter((type(x) is int and abs(x) < 2**62 for x in raw), bool, len(raw))
    return np.array([x if o else 0 for x, o in zip(raw, ok, strict=True)], np.int64), ok


class _Lines:
    def __init__(self, docs: Sequence[Order | Inventory | None], has: np.ndarray) -> None:
        present = [d for d in docs if d is not None]
        counts = np.fromiter((len(d.lines) for d in present), np.int64, len(present))
        owners = np.flatnonzero(has)
        self.items = [line for d in present for line in d.lines]
        self.set = np.repeat(owners, counts)  # the set each line belongs to
        self.count = np.zeros(len(docs), np.int64)
        self.count[owners] = counts
        self._cache: dict[Any, Any] = {}

    def _column(self, name: str) -> list[Any]:
        return list(map(operator.attrgetter(name), self.items))

    def s(self, name: str) -> _Str:
        if ("s", name) not in self._cache:
            self._cache[("s", name)] = _strings(self._column(name))
        return self._cache[("s", name)]

    def f(self, name: str) -> _Fix:
        if ("f", name) not in self._cache:
            self._cache[("f", name)] = _fixed(self._column(name))
        return self._cache[("f", name)]

    def gnum(self) -> tuple[np.ndarray, np.ndarray]:
        value, ok = _ints(self._column("gnum"))
        return value, ok & (np.abs(value) < 2**31)  # xs:int; keeps (set, gnum) packable in one int64


def _ne(a: _Str, b: _Str) -> np.ndarray:
    # Python's None == None: two absent values agree, an absent and a present one do not.
    return (a.v != b.v) | (a.null != b.null)


def _any_per_set(n: int, owner: np.ndarray, flags: np.ndarray) -> np.ndarray:
    out = np.zeros(n, bool)
    out[owner[flags]] = True
    return out


def _isin(values: _Str, allowed: Iterable[str]) -> np.ndarray:
    # np.isin on StringDType compares the whole column once per allowed value (O(n × m): 28 min for a million
    # sets against 37k registered goods). Hash each distinct value once instead.
    pool = frozenset(allowed)
    uniq, inverse = np.unique(values.v, return_inverse=True)
    hit = np.fromiter((u in pool for u in uniq.tolist()), dtype=bool, count=len(uniq))
    return ~values.null & hit[inverse.reshape(-1)]


def _join(*parts: _Str) -> _Str:
    v = parts[0].v
    for p in parts[1:]:
        v = np.strings.add(np.strings.add(v, _SEP), p.v)
    return _Str(v, np.logical_or.reduce([p.null for p in parts]))


def _screen_keys(c: _Columns, st: MatchSettings, reg: Registry | None) -> np.ndarray:
    flag = np.zeros(c.n, bool)
    for doc, attr in zip(DOCUMENTS, ("order", "payment", "waybill", "inventory"), strict=True):
        if doc in st.required_documents:
            flag |= ~c.has[attr]
    set_no, set_ebp = c.key("orderNo"), c.key("ebpCode")
    for attr in ("order", "payment", "inventory"):
        flag |= c.has[attr] & _ne(c.s(attr, "orderNo"), set_no)
        flag |= c.has[attr] & ~set_ebp.null & _ne(c.s(attr, "ebpCode"), set_ebp)
    flag |= c.has["waybill"] & _ne(c.s("waybill", "orderNo"), set_no)
    both = c.has["inventory"] & c.has["order"]
    flag |= both & _ne(c.s("inventory", "ebcCode"), c.s("order", "ebcCode"))
    both = c.has["inventory"] & c.has["waybill"]
    for name in ("logisticsCode", "logisticsNo"):
        flag |= both & _ne(c.s("inventory", name), c.s("waybill", name))
    return flag


def _line_products_off(c: _Columns, doc: str, st: MatchSettings) -> np.ndarray:
    lines = c.lines(doc)
    if not lines.items:
        return np.zeros(c.n, bool)
    product = _mul(lines.f("price"), lines.f("qty"))  # × 10^10
    total = _scale_up(lines.f("totalPrice"), _ONE)
    return _any_per_set(c.n, lines.set, _outside(total, product, 2 * _SCALE, st))


def _screen_arithmetic(c: _Columns, st: MatchSettings, reg: Registry | None) -> np.ndarray:
    flag = _line_products_off(c, "order", st) | _line_products_off(c, "inventory", st)
    has = c.has["order"]
    lines = c.lines("order")
    totals = lines.f("totalPrice")
    goods = np.zeros(c.n, np.int64)
    np.add.at(goods, lines.set, np.where(totals.ok, totals.v, 0))
    mag = np.zeros(c.n)
    np.add.at(mag, lines.set, np.abs(totals.v.astype(float)))
    goods_ok = ~_any_per_set(c.n, lines.set, ~totals.ok) & (mag < _SAFE / 8)
    flag |= has & _outside(c.f("order", "goodsValue"), _Fix(goods, goods_ok), _SCALE, st)
    paid = _add(
        (1, c.f("order", "goodsValue")),
        (1, c.f("order", "freight")),
        (1, c.f("order", "taxTotal")),
        (-1, c.f("order", "discount")),
    )
    flag |= has & _outside(c.f("order", "acturalPaid"), paid, _SCALE, st)
    return flag


def _screen_money(c: _Columns, st: MatchSettings, reg: Registry | None) -> np.ndarray:
    a, b = c.f("payment", "amountPaid"), c.f("order", "acturalPaid")
    return c.has["order"] & c.has["payment"] & (~a.ok | ~b.ok | (a.v != b.v))


def _screen_buyer_payer(c: _Columns, st: MatchSettings, reg: Registry | None) -> np.ndarray:
    flag = _ne(c.s("payment", "payerIdNumber"), c.s("order", "buyerIdNumber"))
    flag |= _ne(c.s("payment", "payerName"), c.s("order", "buyerName"))
    verified = _isin(c.key("ebpCode"), st.platform_verifies_identity)
    return c.has["order"] & c.has["payment"] & ~verified & flag


def _screen_buyer(c: _Columns, st: MatchSettings, reg: Registry | None) -> np.ndarray:
    flag = _ne(c.s("inventory", "buyerIdNumber"), c.s("order", "buyerIdNumber"))
    flag |= _ne(c.s("inventory", "buyerName"), c.s("order", "buyerName"))
    return c.has["order"] & c.has["inventory"] & flag


def _screen_consignee(c: _Columns, st: MatchSettings, reg: Registry | None) -> np.ndarray:
    way = np.zeros(c.n, bool)
    for name in ("consignee", "consigneeTelephone", "consigneeAddress"):
        way |= _ne(c.s("waybill", name), c.s("order", name))
    inv = _ne(c.s("inventory", "consigneeAddress"), c.s("order", "consigneeAddress"))
    return c.has["order"] & ((c.has["waybill"] & way) | (c.has["inventory"] & inv))


def _screen_lines(c: _Columns, st: MatchSettings, reg: Registry | None) -> np.ndarray:
    both = c.has["order"] & c.has["inventory"]
    ol, il = c.lines("order"), c.lines("inventory")
    flag = both & (ol.count != il.count)
    okeep, ikeep = both[ol.set], both[il.set]
    (og, ogok), (ig, igok) = ol.gnum(), il.gnum()
    flag |= _any_per_set(c.n, ol.set, okeep & ~ogok) | _any_per_set(c.n, il.set, ikeep & ~igok)
    opos, ipos = np.flatnonzero(okeep & ogok), np.flatnonzero(ikeep & igok)
    if len(opos) == 0 and len(ipos) == 0:
        return flag
    # (set, gnum) packed into one int64: a 1-D unique is much faster than a row-wise one.
    packed = np.concatenate(
        [ol.set[opos] << 32 | (og[opos] + 2**31), il.set[ipos] << 32 | (ig[ipos] + 2**31)]
    )
    keys, inverse = np.unique(packed, return_inverse=True)
    owner = keys >> 32
    ocount = np.bincount(inverse[: len(opos)], minlength=len(keys))
    icount = np.bincount(inverse[len(opos) :], minlength=len(keys))
    flag[owner[(ocount != 1) | (icount != 1)]] = True  # a gnum missing or repeated on either side
    # Lines that pair one-to-one: compare name, quantity and price.
    paired = (ocount == 1) & (icount == 1)
    o_at = np.full(len(keys), -1)
    i_at = np.full(len(keys), -1)
    o_at[inverse[: len(opos)]] = opos
    i_at[inverse[len(opos) :]] = ipos
    o_idx, i_idx = o_at[paired], i_at[paired]
    names_o, names_i = ol.s("itemName"), il.s("gname")
    bad = (names_o.v[o_idx] != names_i.v[i_idx]) | (names_o.null[o_idx] != names_i.null[i_idx])
    for name in ("qty", "price"):
        a, b = ol.f(name), il.f(name)
        bad |= ~a.ok[o_idx] | ~b.ok[i_idx] | (a.v[o_idx] != b.v[i_idx])
    flag[owner[paired][bad]] = True
    return flag


def _screen_uniqueness(c: _Columns, st: MatchSettings, reg: Registry | None) -> np.ndarray:
    counts = (
        ("order_copies", "order"),
        ("payment_copies", "payment"),
        ("waybill_copies", "waybill"),
        ("waybill_uses", "waybill"),
        ("inventory_copies", "inventory"),
    )
    get = operator.attrgetter(*(name for name, _ in counts))
    value, ok = _ints([n for s in c.sets for n in get(s.context)])  # one pass over the contexts
    value, ok = value.reshape(c.n, len(counts)), ok.reshape(c.n, len(counts))
    flag = np.zeros(c.n, bool)
    for k, (_, doc) in enumerate(counts):
        flag |= c.has[doc] & (~ok[:, k] | (value[:, k] > 1))
    if reg is not None and reg.waybills:
        used = [_SEP.join(k) for k in reg.waybills]
        flag |= c.has["waybill"] & _isin(
            _join(c.s("waybill", "logisticsCode"), c.s("waybill", "logisticsNo")), used
        )
    return flag


def _screen_registration(c: _Columns, st: MatchSettings, reg: Registry | None) -> np.ndarray:
    assert reg is not None
    flag = np.zeros(c.n, bool)
    for category, name, sources, _ in _REGISTERED:
        codes = getattr(reg, category)
        if codes is None:
            continue
        taken = np.zeros(c.n, bool)  # the first present document with a value decides
        for attr in sources:
            col = c.s(attr, name)
            here = ~taken & c.has[attr] & ~col.null
            flag |= here & ~_isin(col, codes)
            taken |= here
    if reg.goods is not None:
        registered = [_SEP.join((seller, item)) for seller, items in reg.goods.items() for item in items]
        for attr, use in (("inventory", c.has["inventory"]), ("order", c.has["order"] & ~c.has["inventory"])):
            lines = c.lines(attr)
            seller = c.s(attr, "ebcCode")
            owner = _Str(seller.v[lines.set], seller.null[lines.set])
            known = _isin(_join(owner, lines.s("itemNo")), registered)
            flag |= _any_per_set(c.n, lines.set, use[lines.set] & ~known)
    if reg.ems is not None:
        bonded = c.has["inventory"] & (c.s("inventory", "tradeMode").v == "1210")
        ems = c.s("inventory", "emsNo")
        flag |= bonded & ~_isin(ems, reg.ems)
        lines = c.lines("inventory")
        records = [_SEP.join((book, item)) for book, items in reg.ems.items() for item in items]
        owner = _Str(ems.v[lines.set], ems.null[lines.set])
        known = _isin(_join(owner, lines.s("itemRecordNo")), records)
        flag |= _any_per_set(c.n, lines.set, bonded[lines.set] & ~known)
    return flag


def _screen_positive_list(c: _Columns, st: MatchSettings, reg: Registry | None) -> np.ndarray:
    assert reg is not None
    if reg.positive_list is None:
        return np.zeros(c.n, bool)
    lines = c.lines("inventory")
    gcode = lines.s("gcode")
    listed = _isin(gcode, reg.positive_list)
    restricted = _isin(gcode, [g for g, note in reg.positive_list.items() if note])
    # A restricted line is handed over whole: the per-set check compares its note with the tradeMode.
    return _any_per_set(c.n, lines.set, ~listed | restricted)


def _screen_limits(c: _Columns, st: MatchSettings, reg: Registry | None) -> np.ndarray:
    assert reg is not None
    keys = [s.context.year_key for s in c.sets]
    rows = np.fromiter((k is not None for k in keys), bool, c.n)
    if not rows.any():
        return rows
    # The limit amount as `DeclarationSet.limit_input` takes it: insurance from the inventory, else the
    # waybill; an absent insurance counts as 0.
    use_i = c.has["inventory"]
    use_w = ~use_i & c.has["waybill"]
    ins_i, ins_w = c.f("inventory", "insuredFee"), c.f("waybill", "insuredFee")
    insurance = _Fix(
        np.where(use_i, ins_i.v, np.where(use_w, ins_w.v, 0)),
        np.where(
            use_i,
            ins_i.ok | c.null("inventory", "insuredFee"),
            np.where(use_w, ins_w.ok | c.null("waybill", "insuredFee"), True),
        ),
    )
    terms = [(1, c.f("order", "goodsValue")), (1, c.f("order", "freight")), (1, insurance)]
    if st.discount_reduces_price:
        terms.append((-1, c.f("order", "discount")))
    total = _add(*terms)
    # Half up to the fen, as order_taxable_price does (10⁵ → 10² and back to 10⁵ for the comparisons).
    unit = 10 ** (_SCALE - 2)
    amount = np.sign(total.v) * ((np.abs(total.v) + unit // 2) // unit) * unit
    lines = c.lines("order")
    qty = lines.f("qty")
    one = np.zeros(c.n, bool)
    one[lines.set] = qty.ok & (qty.v == _ONE)
    single = (lines.count == 1) & one  # one line of quantity 1
    bounds = _fixed([st.order_limit, st.year_limit])
    order_limit, year_limit = int(bounds.v[0]), int(bounds.v[1])

    # Group by (buyer, year); within a group, by position (the number of earlier orders).
    names = {k: _SEP.join((k[0], str(k[1]))) for k in set(filter(None, keys))}
    groups, gid = np.unique(np.array([names[k] if k else "" for k in keys], dtype=_STR), return_inverse=True)
    gid = gid.reshape(-1)
    by_name = {v: k for k, v in names.items()}
    prior_g = _fixed(
        [reg.year_totals.get(by_name[g], Decimal(0)) if g else Decimal(0) for g in groups.tolist()]
    )
    prior = _Fix(prior_g.v[gid], prior_g.ok[gid])
    rank, rank_ok = c.ints("earlier", lambda s: len(s.context.earlier))
    ok = rows & total.ok & prior.ok & rank_ok & bool(bounds.ok.all())
    order = np.lexsort((rank, gid))
    # Assuming every earlier order used the quota — exact when none of the group's orders fails a limit.
    contrib = np.where(rows, amount, 0)[order]
    if np.abs(contrib.astype(float)).sum() >= _SAFE / 8:
        return rows  # the running sums could overflow int64: let the per-set code decide everything
    running = np.cumsum(contrib) - contrib
    sorted_gid = gid[order]
    first = np.r_[True, sorted_gid[1:] != sorted_gid[:-1]]
    starts = np.zeros(len(groups), np.int64)
    starts[sorted_gid[first]] = running[first]
    before = np.empty(c.n, np.int64)
    before[order] = running - starts[sorted_gid]
    ok &= np.abs(before.astype(float) + prior.v + amount) < _SAFE / 8
    fine = (before + prior.v + amount <= year_limit) & ((amount <= order_limit) | single)
    bad_group = np.zeros(len(groups), bool)
    np.logical_or.at(bad_group, gid, rows & ~(ok & fine))
    return rows & bad_group[gid]


_SCREENS: dict[str, Callable[[_Columns, MatchSettings, Registry | None], np.ndarray]] = {
    "keys": _screen_keys,
    "arithmetic": _screen_arithmetic,
    "money": _screen_money,
    "buyer_payer": _screen_buyer_payer,
    "buyer": _screen_buyer,
    "consignee": _screen_consignee,
    "lines": _screen_lines,
    "uniqueness": _screen_uniqueness,
    "registration": _screen_registration,
    "positive_list": _screen_positive_list,
    "limits": _screen_limits,
}


def check_bulk(
    sets: Sequence[DeclarationSet], settings: MatchSettings | None = None, registry: Registry | None = None
) -> list[Discrepancy]:
    """The discrepancies of a whole batch — the same list as ``check_set`` over each set in turn.

    Every check first runs over the batch's columns at once; only the sets it flags go through the per-set
    code, which words the discrepancies. The batch context must be the one `declaration_sets` gave the sets
    (the limits screen groups buyers by it).
    """
    st = settings or MatchSettings()
    if not sets:
        return []
    cols = _Columns(sets)
    found: dict[int, _Out] = {}
    for name, check in _CHECKS:
        if registry is None and name in _REGISTRY_ONLY:
            continue
        for k in np.flatnonzero(_SCREENS[name](cols, st, registry)).tolist():
            items = check(sets[k], st, registry)
            if items:
                found.setdefault(k, []).extend(items)
    return [d for k in sorted(found) for d in found[k]]
