"""Checks between the documents of a B2B export declaration (9710 direct export, 9810 overseas warehouse).

An export declaration is an order (CEB303 ``Order``), its waybill (CEB505 ``Logistics``) and the inventory
(CEB603 ``Inventory``). Customs accepts the inventory only when the three agree; `check_export` runs the same
checks before sending and reports every disagreement as a matching `Discrepancy` (document, field, the value
found, the value it should be, rule, message), worded like the import checks. The documents are codec `Node`
records as parsed (or built); no Django here.

Rules (`EXPORT_RULES`):

* ``keys`` — the three documents are present; the inventory's ``orderNo``/``ebpCode``/``ebcCode`` equal the
  order's; its ``logisticsCode``/``logisticsNo`` equal the waybill's; the waybill's ``ebcCode`` (when given)
  is the order's.
* ``mode`` — the order type belongs to the trade mode (9710 → ``B``, 9810 → ``W``), the inventory declares the
  same ``tradeMode``, and it is an export (``ieFlag`` ``E``).
* ``arithmetic`` — line ``totalPrice = price × qty`` on order and inventory; order ``goodsValue = Σ totalPrice``.
* ``lines`` — inventory lines one-to-one with order lines by ``gnum``; ``itemNo``, ``qty``, ``price``,
  ``totalPrice`` and ``currency`` agree.
* ``waybill`` — the inventory's ``grossWeight`` and ``packNo`` are the waybill's.
* ``hs_code`` — ``gcode`` is digits; the declaration type ``statisticsFlag`` is ``A`` (simplified: a 4- or
  6-digit heading, zero-padded to the 10 characters the schema fixes, is allowed) or ``B``.
* ``registration`` — with an `ExportRegistry`: platform, seller, carrier and agent codes registered; a 9810
  declaration names a registered overseas warehouse of the seller.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from .matching import Discrepancy
from .model import Node

EXPORT_RULES = ("keys", "mode", "arithmetic", "lines", "waybill", "hs_code", "registration")
#: The order type each export trade mode requires.
ORDER_TYPE = {"9710": "B", "9810": "W"}
#: HS code lengths a simplified (statisticsFlag A) export inventory may declare; B needs all 10 digits.
SIMPLIFIED_HS_LENGTHS = (4, 6)

_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class ExportRegistry:
    """What the platform knows about the codes of an export declaration.

    ``warehouse`` is whether the declaration names a registered overseas warehouse of its seller (only
    checked for 9810).
    """

    platforms: frozenset[str] = frozenset()
    sellers: frozenset[str] = frozenset()
    carriers: frozenset[str] = frozenset()
    agents: frozenset[str] = frozenset()
    warehouse: bool = False


def hs_code_problem(gcode: str | None, statistics_flag: str | None) -> str | None:
    """Why an export line's HS code is not acceptable (None when it is): 10 digits, or with the simplified
    declaration type ``A`` a 4- or 6-digit heading."""
    code = gcode or ""
    if not _DIGITS.fullmatch(code):
        return "海关商品编码应为数字 / gcode must be digits"
    if len(code) == 10:
        return None
    if len(code) in SIMPLIFIED_HS_LENGTHS:
        if statistics_flag == "A":
            return None
        return (
            "4 或 6 位商品编码仅限简化申报 (statisticsFlag=A) / a 4- or 6-digit gcode needs statisticsFlag A"
        )
    return "海关商品编码应为 10 位（简化申报可 4 或 6 位）/ gcode must be 10 digits (4 or 6 with statisticsFlag A)"


def pad_hs_code(gcode: str) -> str:
    """The 10 characters the schema requires: a 4- or 6-digit heading padded with zeros."""
    return gcode.ljust(10, "0")


class _Report:
    __slots__ = ("ebp_code", "items", "order_no", "rule")

    def __init__(self, order_no: str, ebp_code: str | None, rule: str) -> None:
        self.order_no, self.ebp_code, self.rule = order_no, ebp_code, rule
        self.items: list[Discrepancy] = []

    def add(
        self, doc: str, name: str, found: Any, expected: Any, message: str, gnum: int | None = None
    ) -> None:
        self.items.append(
            Discrepancy(doc, name, (found, expected), self.rule, self.order_no, self.ebp_code, gnum, message)
        )

    def differ(
        self, doc: str, name: str, found: Any, expected: Any, what: str, gnum: int | None = None
    ) -> None:
        if found != expected:
            self.add(doc, name, found, expected, f"{doc} {name} differs from {what}", gnum)


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, Decimal) and v.is_finite() for v in values)


def _within(found: Decimal, expected: Decimal, tolerance: Decimal) -> bool:
    return abs(found - expected) <= tolerance * abs(expected)


def _line_arithmetic(r: _Report, doc: str, list_name: str, lines: Sequence[Node], tolerance: Decimal) -> None:
    for line in lines:
        if not _numbers(line.price, line.qty, line.totalPrice):
            continue  # a missing value is the codec's finding
        with localcontext() as ctx:
            ctx.prec = 60
            expected = line.price * line.qty
        if not _within(line.totalPrice, expected, tolerance):
            r.add(
                doc,
                f"{list_name}.totalPrice",
                line.totalPrice,
                expected,
                "totalPrice ≠ price × qty",
                line.gnum,
            )


def check_export(
    trade_mode: str,
    order: Node | None,
    waybill: Node | None,
    inventory: Node | None,
    registry: ExportRegistry | None = None,
    *,
    tolerance: Decimal = Decimal(0),
) -> list[Discrepancy]:
    """Every discrepancy between an export declaration's order (CEB303 ``Order``), waybill (CEB505
    ``Logistics``) and inventory (CEB603 ``Inventory``), by rule in `EXPORT_RULES` order.

    ``registry`` None skips the registration rule (what customs can tell from the documents alone).
    ``tolerance`` is the relative tolerance of the arithmetic (0: exact).
    """
    oh = order.OrderHead if order is not None else None
    ih = inventory.InventoryHead if inventory is not None else None
    order_no = (oh.orderNo if oh is not None else None) or (ih.orderNo if ih is not None else None) or ""
    ebp = (oh.ebpCode if oh is not None else None) or (ih.ebpCode if ih is not None else None)
    out: list[Discrepancy] = []

    r = _Report(order_no, ebp, "keys")
    if oh is None:
        r.add("CEB303", "orderNo", None, order_no, "no CEB303 for this declaration")
    if waybill is None:
        r.add(
            "CEB505",
            "logisticsNo",
            None,
            ih.logisticsNo if ih is not None else None,
            "no CEB505 for this declaration",
        )
    if ih is None:
        r.add("CEB603", "orderNo", None, order_no, "no CEB603 for this declaration")
    if ih is not None and oh is not None:
        r.differ("CEB603", "orderNo", ih.orderNo, oh.orderNo, "the order's")
        r.differ("CEB603", "ebpCode", ih.ebpCode, oh.ebpCode, "the order's")
        r.differ("CEB603", "ebcCode", ih.ebcCode, oh.ebcCode, "the order's")
    if ih is not None and waybill is not None:
        r.differ("CEB603", "logisticsCode", ih.logisticsCode, waybill.logisticsCode, "the waybill's")
        r.differ("CEB603", "logisticsNo", ih.logisticsNo, waybill.logisticsNo, "the waybill's")
    if waybill is not None and oh is not None and waybill.ebcCode:
        r.differ("CEB505", "ebcCode", waybill.ebcCode, oh.ebcCode, "the order's")
    out += r.items

    r = _Report(order_no, ebp, "mode")
    want = ORDER_TYPE.get(trade_mode)
    if want is None:
        r.add("CEB603", "tradeMode", trade_mode, "9710/9810", "not a B2B export trade mode")
    elif oh is not None and oh.orderType != want:
        r.add("CEB303", "orderType", oh.orderType, want, f"trade mode {trade_mode} needs orderType {want}")
    if ih is not None:
        r.differ("CEB603", "tradeMode", ih.tradeMode, trade_mode, "the declaration's trade mode")
        r.differ("CEB603", "ieFlag", ih.ieFlag, "E", "E (export)")
    out += r.items

    r = _Report(order_no, ebp, "arithmetic")
    if order is not None:
        _line_arithmetic(r, "CEB303", "OrderList", order.OrderList, tolerance)
        totals = [line.totalPrice for line in order.OrderList]
        if _numbers(oh.goodsValue, *totals):
            goods = sum(totals, Decimal(0))
            if not _within(oh.goodsValue, goods, tolerance):
                r.add("CEB303", "goodsValue", oh.goodsValue, goods, "goodsValue ≠ Σ totalPrice")
    if inventory is not None:
        _line_arithmetic(r, "CEB603", "InventoryList", inventory.InventoryList, tolerance)
    out += r.items

    r = _Report(order_no, ebp, "lines")
    if order is not None and inventory is not None:
        by_gnum = {line.gnum: line for line in order.OrderList}
        seen = set()
        for line in inventory.InventoryList:
            seen.add(line.gnum)
            ol = by_gnum.get(line.gnum)
            if ol is None:
                r.add(
                    "CEB603", "InventoryList.gnum", line.gnum, None, "no order line with this gnum", line.gnum
                )
                continue
            for name in ("itemNo", "qty", "price", "totalPrice", "currency"):
                r.differ(
                    "CEB603", f"InventoryList.{name}", line[name], ol[name], "the order line's", line.gnum
                )
        for gnum in by_gnum:
            if gnum not in seen:
                r.add(
                    "CEB603", "InventoryList.gnum", None, gnum, "order line missing from the inventory", gnum
                )
    out += r.items

    r = _Report(order_no, ebp, "waybill")
    if ih is not None and waybill is not None:
        r.differ("CEB603", "grossWeight", ih.grossWeight, waybill.grossWeight, "the waybill's")
        r.differ("CEB603", "packNo", ih.packNo, waybill.packNo, "the waybill's")
    out += r.items

    r = _Report(order_no, ebp, "hs_code")
    if ih is not None:
        if ih.statisticsFlag not in ("A", "B"):
            r.add("CEB603", "statisticsFlag", ih.statisticsFlag, "A/B", "statisticsFlag must be A or B")
        for line in inventory.InventoryList:
            why = hs_code_problem(line.gcode, ih.statisticsFlag)
            if why:
                r.add("CEB603", "InventoryList.gcode", line.gcode, None, why, line.gnum)
    out += r.items

    if registry is not None:
        r = _Report(order_no, ebp, "registration")
        codes = (
            ("ebpCode", registry.platforms, "platform"),
            ("ebcCode", registry.sellers, "seller"),
            ("logisticsCode", registry.carriers, "carrier"),
            ("agentCode", registry.agents, "agent"),
        )
        head = ih if ih is not None else oh
        for name, known, what in codes:
            value = head.get(name) if head is not None else None
            if value is not None and value not in known:
                doc = "CEB603" if head is ih else "CEB303"
                r.add(doc, name, value, None, f"{what} {value} is not registered")
        if trade_mode == "9810" and not registry.warehouse:
            r.add(
                "CEB603", "warehouse", None, None, "9810 needs a registered overseas warehouse of the seller"
            )
        out += r.items
    return out
