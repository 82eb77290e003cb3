"""Customs in a box for B2B exports (9710/9810): what `TestGateway` answers to export messages.

It keeps the orders (CEB303) and waybills (CEB505) it was sent and checks each declared inventory (CEB603)
against them with the export checks of the documents alone (`engines.customs.export_checks`, no
registrations). Receipts come one step per poll, as customs sends them:

* CEB303 → CEB304 and CEB505 → CEB506: 2 declaring, then 120 accepted;
* CEB603 → CEB604: 2, then 120 and 800 released — or 2, then 100 rejected with the discrepancies;
* CEB509 → CEB510 departure: 2, then 120 "departed";
* CEB701 → CEB702 summary application: 2, then 120 with a summary number.

No Django here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

from livepark.engines.customs import Node, build
from livepark.engines.customs import export_messages as em
from livepark.engines.customs.export_checks import check_export

#: The export messages `ExportCustoms` answers.
EXPORT_CODES = frozenset({"CEB303", "CEB505", "CEB603", "CEB509", "CEB701"})

#: The business child of each export receipt message.
RETURN_CHILD = {
    "CEB304": "OrderReturn",
    "CEB506": "LogisticsReturn",
    "CEB604": "InventoryReturn",
    "CEB510": "DepartureReturn",
    "CEB702": "SummaryReturn",
}

_Step = tuple[str, str]


class ExportCustoms:
    """The export half of `TestGateway`: see the module docstring."""

    def __init__(self) -> None:
        self._orders: dict[tuple[str, str], Node] = {}
        self._waybills: dict[tuple[str, str], Node] = {}
        # (receipt message code, function (status, info, serial) -> return node, remaining steps)
        self._queue: deque[tuple[str, Callable[[str, str, int], Node], deque[_Step]]] = deque()
        self._lock = threading.Lock()
        self._serial = itertools.count(1)

    def send(self, message: Node) -> None:
        """Take one parsed export message and queue its receipts."""
        code = message.spec.code
        with self._lock:
            if code == "CEB303":
                for order in message.Order:
                    head = order.OrderHead
                    self._orders[(head.ebpCode, head.orderNo)] = order
                    self._queue.append(("CEB304", _order_return(head), _accepted("订单入库成功")))
            elif code == "CEB505":
                for waybill in message.Logistics:
                    self._waybills[(waybill.logisticsCode, waybill.logisticsNo)] = waybill
                    self._queue.append(("CEB506", _waybill_return(waybill), _accepted("运单入库成功")))
            elif code == "CEB603":
                for inventory in message.Inventory:
                    head = inventory.InventoryHead
                    order = self._orders.get((head.ebpCode, head.orderNo))
                    waybill = self._waybills.get((head.logisticsCode, head.logisticsNo))
                    problems = check_export(head.tradeMode, order, waybill, inventory)
                    steps: deque[_Step] = deque([("2", "电子口岸申报中")])
                    if problems:
                        reasons = "; ".join(
                            f"{p.document}.{p.field}: {p.message or p.rule}" for p in problems
                        )
                        steps.append(("100", ("单证信息不一致 / documents disagree: " + reasons)[:1000]))
                    else:
                        steps.extend([("120", "海关入库成功"), ("800", "放行")])
                    self._queue.append(("CEB604", _inventory_return(head), steps))
            elif code == "CEB509":
                for departure in message.Departure:
                    self._queue.append(
                        ("CEB510", _departure_return(departure.DepartureHead), _accepted("离境"))
                    )
            elif code == "CEB701":
                for summary in message.SummaryApply:
                    self._queue.append(
                        ("CEB702", _summary_return(summary.SummaryApplyHead), _accepted("汇总成功"))
                    )
            else:
                raise ValueError(f"customs does not take {code} from enterprises here")

    def receipts(self, now: dt.datetime) -> list[bytes]:
        """The next receipt of every pending export message, one receipt message per type."""
        by_code: dict[str, list[Node]] = {}
        with self._lock:
            pending = list(self._queue)
            self._queue.clear()
            for code, make, steps in pending:
                status, info = steps.popleft()
                serial = next(self._serial)
                node = make(status, info, serial)
                by_code.setdefault(code, []).append(
                    node.replace(returnTime=now + dt.timedelta(milliseconds=serial))
                )
                if steps:
                    self._queue.append((code, make, steps))
        out = []
        for code, nodes in by_code.items():
            spec = em.MESSAGES[f"{code}Message"]
            child = RETURN_CHILD[code]
            for start in range(0, len(nodes), 100):
                out.append(build(spec(guid=str(uuid.uuid4()).upper(), **{child: nodes[start : start + 100]})))
        return out


def _accepted(info: str) -> deque[_Step]:
    return deque([("2", "电子口岸申报中"), ("120", info)])


def _pre_no(serial: int) -> str:
    return f"E{serial:017d}"


def _order_return(head: Node) -> Callable[[str, str, int], Node]:
    def make(status: str, info: str, serial: int) -> Node:
        return em.ORDER_RETURN(
            guid=head.guid,
            ebpCode=head.ebpCode,
            ebcCode=head.ebcCode,
            orderNo=head.orderNo,
            returnStatus=status,
            returnTime=_NOW,
            returnInfo=info,
        )

    return make


def _waybill_return(waybill: Node) -> Callable[[str, str, int], Node]:
    def make(status: str, info: str, serial: int) -> Node:
        return em.LOGISTICS_RETURN(
            guid=waybill.guid,
            logisticsCode=waybill.logisticsCode,
            logisticsNo=waybill.logisticsNo,
            returnStatus=status,
            returnTime=_NOW,
            returnInfo=info,
        )

    return make


def _inventory_return(head: Node) -> Callable[[str, str, int], Node]:
    # The inventory keeps one pre-entry and one inventory number through all its receipts.
    numbers: dict[str, Any] = {}

    def make(status: str, info: str, serial: int) -> Node:
        if not numbers:
            year = head.appTime.year if isinstance(head.appTime, dt.datetime) else dt.date.today().year
            numbers["pre"] = _pre_no(serial)
            numbers["invt"] = f"{head.customsCode}{year}E{serial:09d}"
        return em.INVENTORY_RETURN(
            guid=head.guid,
            agentCode=head.agentCode,
            copNo=head.copNo,
            preNo=numbers["pre"],
            invtNo=numbers["invt"],
            ebcCode=head.ebcCode,
            ebpCode=head.ebpCode,
            orderNo=head.orderNo,
            statisticsFlag=head.statisticsFlag,
            returnStatus=status,
            returnTime=_NOW,
            returnInfo=info,
        )

    return make


def _departure_return(head: Node) -> Callable[[str, str, int], Node]:
    def make(status: str, info: str, serial: int) -> Node:
        return em.DEPARTURE_RETURN(
            guid=head.guid,
            logisticsCode=head.logisticsCode,
            copNo=head.copNo,
            preNo=_pre_no(serial),
            msgSeqNo=head.msgSeqNo,
            returnStatus=status,
            returnTime=_NOW,
            returnInfo=info,
        )

    return make


def _summary_return(head: Node) -> Callable[[str, str, int], Node]:
    def make(status: str, info: str, serial: int) -> Node:
        return em.SUMMARY_RETURN(
            guid=head.guid,
            agentCode=head.agentCode,
            ebcCode=head.ebcCode,
            copNo=head.copNo,
            preNo=_pre_no(serial),
            sumNo=f"S{serial:017d}" if status == "120" else None,
            msgSeqNo=head.msgSeqNo,
            returnStatus=status,
            returnTime=_NOW,
            returnInfo=info,
        )

    return make


_NOW = dt.datetime(2000, 1, 1)  # placeholder; `receipts` sets the real return time
