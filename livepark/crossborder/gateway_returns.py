"""Customs in a box for cancellations and returns: what `TestGateway` answers to CEB623 and CEB625.

* CEB623 (cancel an inventory) → CEB624: if the inventory is still on its way (its release not yet sent back),
  the release is withdrawn and the cancellation goes 2 declaring → 120 accepted → 399 concluded (撤单审结);
  if it was already released (or never declared here), 2 → 100 refused.
* CEB625 (return after release) → CEB626: if the inventory is no longer pending (released), 2 → 120 → 399
  concluded (退货审结); while it is still pending, 2 → 100 refused (not released yet).

`deliver(xml)` queues any message customs would push (a CEB816 tax bill, say) for the next poll. No Django.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import uuid
from collections import deque
from typing import Any

from livepark.engines.customs import Node, build
from livepark.engines.customs import import_messages as im

#: The messages `ReturnsCustoms` answers.
RETURN_CODES = frozenset({"CEB623", "CEB625"})
#: Receipt times are offset from the inventory receipts' so two kinds never share a millisecond.
_OFFSET_MS = 500


class ReturnsCustoms:
    """The cancellation and return half of `TestGateway` (`gateway` is that gateway: its pending inventories
    decide whether a cancellation or a return is possible)."""

    def __init__(self, gateway: Any) -> None:
        self._gateway = gateway
        self._queue: deque[tuple[str, Node, deque[tuple[str, str]]]] = deque()
        self._delivered: list[bytes] = []
        self._lock = threading.Lock()
        self._serial = itertools.count(1)

    def _withdraw_release(self, order_no: str, ebp_code: str) -> bool:
        """Drop the pending receipts of the inventory of this order; True when it was still pending."""
        gw = self._gateway
        with gw._lock:
            for node, steps in gw._queue:
                head = node.InventoryHead
                if (head.orderNo, head.ebpCode) == (order_no, ebp_code) and steps:
                    steps.clear()
                    gw._queue = deque(item for item in gw._queue if item[1])
                    return True
        return False

    def _pending(self, order_no: str, ebp_code: str) -> bool:
        gw = self._gateway
        with gw._lock:
            return any(
                (node.InventoryHead.orderNo, node.InventoryHead.ebpCode) == (order_no, ebp_code)
                for node, _steps in gw._queue
            )

    def send(self, message: Node) -> None:
        """Take a parsed CEB623 or CEB625 and queue its receipts."""
        if message.spec.code == "CEB623":
            for node in message.InvtCancel:
                if self._withdraw_release(node.orderNo, node.ebpCode):
                    steps = deque(
                        [("2", "电子口岸申报中"), ("120", "撤单申请入库成功"), ("399", "撤单审结，清单作废")]
                    )
                else:
                    steps = deque(
                        [("2", "电子口岸申报中"), ("100", "清单已放行或不存在，不能撤单，请申报退货")]
                    )
                with self._lock:
                    self._queue.append(("CEB624", node, steps))
        else:
            for node in message.InvtRefund:
                head = node.InvtRefundHead
                if self._pending(head.orderNo, head.ebpCode):
                    steps = deque([("2", "电子口岸申报中"), ("100", "清单尚未放行，不能退货")])
                else:
                    steps = deque([("2", "电子口岸申报中"), ("120", "退货申请入库成功"), ("399", "退货审结")])
                with self._lock:
                    self._queue.append(("CEB626", head, steps))

    def deliver(self, message_xml: bytes) -> None:
        """Hand back `message_xml` (any customs message, e.g. a CEB816 tax bill) on the next poll."""
        with self._lock:
            self._delivered.append(message_xml)

    def receipts(self, now: dt.datetime) -> list[bytes]:
        """The next receipt of every pending cancellation and return, and whatever was delivered."""
        by_code: dict[str, list[Node]] = {"CEB624": [], "CEB626": []}
        with self._lock:
            pending = list(self._queue)
            self._queue.clear()
            delivered, self._delivered = self._delivered, []
            for code, head, steps in pending:
                status, info = steps.popleft()
                serial = next(self._serial)
                make = im.INVT_CANCEL_RETURN if code == "CEB624" else im.INVT_REFUND_RETURN
                by_code[code].append(
                    make(
                        guid=head.guid,
                        customsCode=head.customsCode,
                        agentCode=head.agentCode,
                        ebpCode=head.ebpCode,
                        ebcCode=head.ebcCode,
                        copNo=head.copNo or head.orderNo[:20],
                        preNo=f"R{serial:017d}",
                        invtNo=head.invtNo,
                        returnStatus=status,
                        returnTime=now + dt.timedelta(milliseconds=_OFFSET_MS + serial % 500),
                        returnInfo=info,
                    )
                )
                if steps:
                    self._queue.append((code, head, steps))
        out = []
        for code, nodes in by_code.items():
            spec, child = (
                (im.CEB624, "InvtCancelReturn") if code == "CEB624" else (im.CEB626, "InvtRefundReturn")
            )
            for start in range(0, len(nodes), 100):
                out.append(build(spec(guid=str(uuid.uuid4()).upper(), **{child: nodes[start : start + 100]})))
        return out + delivered
