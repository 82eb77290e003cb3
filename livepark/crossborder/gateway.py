"""The way declarations reach customs and receipts come back: a `Gateway`.

Two implementations: `FolderGateway` drops messages into a folder a real customs client (the E-port's DXP
client) picks up, and reads the receipts that client leaves; `TestGateway` plays customs in tests and demos: it
matches a declared CEB621 against the orders, payments and waybills "filed" with it and answers with realistic
CEB622 receipts, one step per poll (2 declaring → 120 accepted → 800 released, or 2 → 100 rejected with the
reasons in `returnInfo`). No Django here except reading the configured gateway in `configured_gateway`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import tempfile
import threading
import uuid
from collections import defaultdict, deque
from pathlib import Path
from typing import Protocol

from livepark.crossborder.gateway_export import EXPORT_CODES, ExportCustoms
from livepark.crossborder.gateway_returns import RETURN_CODES, ReturnsCustoms
from livepark.engines.customs import build, parse
from livepark.engines.customs import import_messages as im
from livepark.engines.customs.matching import Inventory, check_set, declaration_sets, documents


class Gateway(Protocol):
    """Where declaration messages go and receipts come from."""

    def send(self, message_xml: bytes) -> str:
        """Hand over one signed message; returns the message id (its root `guid`)."""
        ...

    def receipts(self) -> list[bytes]:
        """Receipt messages that arrived since the last call (each returned once)."""
        ...


def _message_guid(message_xml: bytes) -> str:
    from lxml import etree

    from livepark.engines.customs.model import xml_parser

    return etree.fromstring(message_xml, xml_parser()).get("guid") or uuid.uuid4().hex.upper()


class FolderGateway:
    """Writes messages to `root/outbox/<guid>.xml`; reads receipts from `root/inbox/*.xml` (moved to `read/`)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.outbox = self.root / "outbox"
        self.inbox = self.root / "inbox"
        self.read = self.inbox / "read"
        for d in (self.outbox, self.inbox, self.read):
            d.mkdir(parents=True, exist_ok=True)

    def send(self, message_xml: bytes) -> str:
        """Write the message atomically (temp file + rename), so the client never sees half a file."""
        guid = _message_guid(message_xml)
        fd, tmp = tempfile.mkstemp(dir=self.outbox, suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(message_xml)
        os.replace(tmp, self.outbox / f"{guid}.xml")
        return guid

    def receipts(self) -> list[bytes]:
        """Every `*.xml` in the inbox, oldest name first; each is moved to `inbox/read/` once read."""
        out: list[bytes] = []
        for path in sorted(self.inbox.glob("*.xml")):
            out.append(path.read_bytes())
            os.replace(path, self.read / path.name)
        return out


class TestGateway:
    """Customs in a box: checks each declared inventory against the documents filed with it.

    `file(xml)` gives it the CEB311/411/511 messages the platform, payment firm and carrier send customs
    directly. A declared CEB621 whose set is consistent (no discrepancy of the matching rules between the
    documents) gets receipts 2, 120, 800 over three polls; otherwise 2, then 100 with the discrepancies. A
    message that does not parse is answered at once with returnStatus -1 in a CEB622 naming nothing.
    Cancellations (CEB623) and returns (CEB625) are answered by `returns` (`gateway_returns.ReturnsCustoms`).
    """

    __test__ = False  # not a pytest class

    def __init__(self, filed: list[bytes] | tuple[bytes, ...] = ()) -> None:
        self._filed: dict[str, list] = defaultdict(list)  # orderNo -> documents
        self._queue: deque[tuple[object, deque[tuple[str, str]]]] = deque()
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        self.sent: list[bytes] = []
        self.export = ExportCustoms()  # B2B export messages (9710/9810)
        self.returns = ReturnsCustoms(self)  # cancellations (CEB623) and returns (CEB625); `deliver`
        for xml in filed:
            self.file(xml)

    def file(self, message_xml: bytes) -> None:
        """Record an order, payment or waybill message as customs received it from its own sender."""
        for doc in documents([parse(message_xml)]):
            with self._lock:
                self._filed[doc.orderNo].append(doc)

    def send(self, message_xml: bytes) -> str:
        """Accept a signed CEB621 and queue its receipts."""
        guid = _message_guid(message_xml)
        self.sent.append(message_xml)
        message = parse(message_xml, require_signature=True)
        if message.spec.code in EXPORT_CODES:
            self.export.send(message)
            return guid
        if message.spec.code in RETURN_CODES:
            self.returns.send(message)
            return guid
        if message.spec.code != "CEB621":
            raise ValueError(f"only CEB621 declarations are sent to customs here, not {message.spec.code}")
        for node in message.Inventory:
            inventory = Inventory.from_node(node)
            with self._lock:
                filed = list(self._filed.get(inventory.orderNo, ()))
            sets = [s for s in declaration_sets([*filed, inventory]) if s.inventory is inventory]
            problems = check_set(sets[0]) if sets else []
            steps: deque[tuple[str, str]] = deque([("2", "电子口岸申报中")])
            if problems:
                reasons = "; ".join(f"{p.document}.{p.field}: {p.message or p.rule}" for p in problems)
                steps.append(("100", ("三单信息不一致 / documents disagree: " + reasons)[:1000]))
            else:
                steps.extend([("120", "海关入库成功"), ("800", "放行")])
            with self._lock:
                self._queue.append((node, steps))
        return guid

    def receipts(self) -> list[bytes]:
        """The next receipt of every pending declaration, as one CEB622 message (or nothing)."""
        returns = []
        now = dt.datetime.now().replace(microsecond=0)
        with self._lock:
            pending = list(self._queue)
            self._queue.clear()
            for node, steps in pending:
                status, info = steps.popleft()
                head = node.InventoryHead
                serial = next(self._serial)
                returns.append(
                    im.INVENTORY_RETURN(
                        guid=head.guid,
                        customsCode=head.customsCode,
                        ebpCode=head.ebpCode,
                        ebcCode=head.ebcCode,
                        agentCode=head.agentCode,
                        copNo=head.copNo or head.orderNo[:20],
                        preNo=f"B{serial:017d}",
                        invtNo=f"{serial:018d}" if status in ("120", "800") else None,
                        returnStatus=status,
                        returnTime=now + dt.timedelta(milliseconds=serial),
                        returnInfo=info,
                    )
                )
                if steps:
                    self._queue.append((node, steps))
        exported = self.export.receipts(now) + self.returns.receipts(now)
        if not returns:
            return exported
        guid = str(uuid.uuid4()).upper()
        out = []
        for start in range(0, len(returns), 100):  # at most 100 business nodes per message
            out.append(build(im.CEB622(guid=guid, InventoryReturn=returns[start : start + 100])))
        return out + exported


_gateways: dict[str, Gateway] = {}
_gateways_lock = threading.Lock()


def configured_gateway() -> Gateway:
    """The gateway named by `settings.CROSSBORDER_GATEWAY`: `test`, or `folder:<path>` (default
    `folder:$LIVEPARK_HOME/customs-gateway`); one instance per process and setting."""
    from django.conf import settings

    spec = getattr(settings, "CROSSBORDER_GATEWAY", "") or f"folder:{Path(settings.HOME) / 'customs-gateway'}"
    with _gateways_lock:
        gw = _gateways.get(spec)
        if gw is None:
            if spec == "test":
                gw = TestGateway()
            elif spec.startswith("folder:"):
                gw = FolderGateway(spec.removeprefix("folder:"))
            else:
                raise ValueError(
                    f"CROSSBORDER_GATEWAY: unknown gateway {spec!r} (use 'test' or 'folder:PATH')"
                )
            _gateways[spec] = gw
        return gw
