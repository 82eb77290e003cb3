"""CEB message codec: China E-port cross-border e-commerce messages (namespace http://www.chinaport.gov.cn/ceb).

Records are generic immutable `Node` objects described by the spec tables in `import_messages` and
`export_messages`::

    from livepark.engines.customs import build, parse, import_messages as im

    head = im.ORDER_HEAD(guid=..., appType="1", ...)          # currency="142" is pre-filled (fixed)
    order = im.ORDER(OrderHead=head, OrderList=[im.ORDER_LIST(...)])
    msg = im.CEB311(guid=..., Order=[order], BaseTransfer=im.BASE_TRANSFER(...))
    xml = build(msg)                                           # raises CebValidationError listing every problem
    assert parse(xml) == msg

Signing lives in `signing` (`Signer`, `LocalKeySigner`, `verify`); XSD validation in `validate`
(`schema_errors`), which is the only module that reads the official schemas. No Django here.
"""

from .codec import MESSAGE_SPECS, build, check, message_spec, parse
from .errors import CebValidationError, Problem
from .model import CEB_NS, DS_NS, ChildSpec, F, FieldSpec, Kind, MessageSpec, Node, NodeSpec, SignatureSpec
from .signing import LocalKeySigner, SignatureError, Signer, check_signature, embedded_certificate, verify
from .validate import schema_errors

__all__ = [
    "CEB_NS",
    "DS_NS",
    "MESSAGE_SPECS",
    "CebValidationError",
    "ChildSpec",
    "F",
    "FieldSpec",
    "Kind",
    "LocalKeySigner",
    "MessageSpec",
    "Node",
    "NodeSpec",
    "Problem",
    "SignatureError",
    "SignatureSpec",
    "Signer",
    "build",
    "check",
    "check_signature",
    "embedded_certificate",
    "message_spec",
    "parse",
    "schema_errors",
    "verify",
]
