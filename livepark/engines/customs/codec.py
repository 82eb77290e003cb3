"""Build CEB message XML from records and parse it back, enforcing the field rules of the spec tables.

The codec knows only its own tables (`import_messages`, `export_messages`); the official XSD is never consulted
here (see `validate` for that). Both directions check the whole tree and raise one `CebValidationError`
listing every problem with its path, e.g. ``CEB311Message/Order[0]/OrderList[1]/qty: fractionDigits: …``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lxml import etree

from . import export_messages, import_messages
from .errors import CebValidationError, Problem
from .model import (
    CEB_NS,
    XSI_NS,
    ChildSpec,
    FieldSpec,
    Kind,
    LexicalError,
    MessageSpec,
    Node,
    NodeSpec,
    SignatureSpec,
    canonical_xml,
    check_xml_fragment,
    xml_parser,
)

if TYPE_CHECKING:
    from .signing import Signer

MESSAGE_SPECS: Mapping[str, MessageSpec] = {**import_messages.MESSAGES, **export_messages.MESSAGES}
"""Every supported message root by element name; import and export numbers never collide."""

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
SIGNATURE_MISSING = "missing (the schema requires this message to be signed)"


def message_spec(name: str) -> MessageSpec:
    """Look up a message spec by element name (``CEB311Message``) or code (``CEB311``)."""
    key = name if name.endswith("Message") else f"{name}Message"
    try:
        return MESSAGE_SPECS[key]
    except KeyError:
        raise KeyError(f"unknown CEB message type {name!r}") from None


# ---- checking records ------------------------------------------------------------------------------------


def check(record: Node, *, require_signature: bool = False) -> list[Problem]:
    """Every rule the record tree breaks, in document order (empty list when it is fine).

    A missing ``ds:Signature`` counts only with ``require_signature`` (for a final check of a message that
    the XSD requires signed, CEB621/623/625/711): records are normally built unsigned and signed later.
    """
    problems: list[Problem] = []
    _check_node(record, record.spec.name, problems, require_signature=require_signature)
    return problems


def _check_node(
    record: Node,
    path: str,
    out: list[Problem],
    *,
    deep: bool = True,
    skip: frozenset[str] = frozenset(),
    require_signature: bool = False,
) -> None:
    spec = record.spec
    for attr in spec.attributes:
        if f"{path}/@{attr.name}" not in skip:
            _check_field(attr, record[attr.name], f"{path}/@{attr.name}", out)
    for m in spec.members:
        value = record[m.name]
        sub = f"{path}/{m.name}"
        if isinstance(m, FieldSpec):
            if sub not in skip:
                _check_field(m, value, sub, out)
        elif isinstance(m, ChildSpec):
            _check_children(m, value, sub, out, deep)
        elif value is not None:
            out.extend(Problem(sub, r, msg) for r, msg in check_xml_fragment(value, (m.namespace, m.name)))
        elif m.required and require_signature:
            out.append(Problem(sub, "required", SIGNATURE_MISSING))


def _check_field(spec: FieldSpec, value: Any, path: str, out: list[Problem]) -> None:
    if value is None:
        if spec.required:
            out.append(Problem(path, "required", "missing"))
        return
    out.extend(Problem(path, rule, msg) for rule, msg in spec.check(value))


def _check_children(m: ChildSpec, value: Any, path: str, out: list[Problem], deep: bool) -> None:
    if not m.repeated:
        if value is None:
            if m.min_occurs:
                out.append(Problem(path, "required", "missing"))
        elif deep and _is_node_of(value, m.spec, path, out):
            _check_node(value, path, out)
        return
    if not isinstance(value, tuple):
        out.append(Problem(path, "type", f"expected a sequence of {m.name}, got {type(value).__name__}"))
        return
    n = len(value)
    if n < m.min_occurs:
        out.append(Problem(path, "minOccurs", f"at least {m.min_occurs} required, got {n}"))
    if m.max_occurs is not None and n > m.max_occurs:
        out.append(Problem(path, "maxOccurs", f"at most {m.max_occurs} allowed, got {n}"))
    if not deep:
        return
    for i, item in enumerate(value):
        item_path = f"{path}[{i}]"
        if _is_node_of(item, m.spec, item_path, out):
            _check_node(item, item_path, out)


def _is_node_of(value: Any, spec: NodeSpec, path: str, out: list[Problem]) -> bool:
    if isinstance(value, Node) and value.spec is spec:
        return True
    got = value.spec.name if isinstance(value, Node) else type(value).__name__
    # Same element name from the other flow (import OrderHead in an export Order) is still wrong.
    out.append(Problem(path, "type", f"expected a {spec.name} record of this message family, got {got}"))
    return False


# ---- building ----------------------------------------------------------------------------------------------


def build(record: Node, *, signer: Signer | None = None, pretty: bool = False) -> bytes:
    """Serialise a message record to UTF-8 XML bytes, after checking every rule.

    With ``signer`` the built bytes are handed to it and the signed document is returned; the record must not
    already carry a signature. ``pretty`` indents the output (do not re-indent signed documents afterwards:
    whitespace is part of the signed content).
    """
    if not isinstance(record, Node) or not isinstance(record.spec, MessageSpec):
        raise TypeError("build() takes a message record (CEBnnnMessage), not a part of one")
    problems = check(record)
    if problems:
        raise CebValidationError(problems)
    if signer is not None and record["Signature"] is not None:
        raise ValueError("record already carries a ds:Signature; drop it before signing again")
    root = _element(record, nsmap={"ceb": CEB_NS})
    xml = XML_DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=pretty)
    return signer.sign(xml) if signer is not None else xml


def _element(record: Node, parent: etree._Element | None = None, nsmap: dict[str, str] | None = None) -> Any:
    spec = record.spec
    tag = etree.QName(CEB_NS, spec.name)
    el = etree.Element(tag, nsmap=nsmap) if parent is None else etree.SubElement(parent, tag)
    for attr in spec.attributes:
        el.set(attr.name, attr.to_text(record[attr.name]))
    for m in spec.members:
        value = record[m.name]
        if value is None:
            continue
        if isinstance(m, FieldSpec):
            leaf = etree.SubElement(el, etree.QName(CEB_NS, m.name))
            if m.kind is Kind.XML:
                if value.strip():
                    leaf.append(etree.fromstring(value, xml_parser()))
            else:
                leaf.text = m.to_text(value)
        elif isinstance(m, ChildSpec):
            for item in value if m.repeated else (value,):
                _element(item, el)
        else:
            el.append(etree.fromstring(value, xml_parser()))
    return el


# ---- parsing -----------------------------------------------------------------------------------------------


def parse(xml: bytes, *, require_signature: bool = False) -> Node:
    """Read a CEB message into records, checking structure, element order and every field rule.

    Raises `CebValidationError` (with all problems) for malformed XML, an unknown root, unexpected or
    misplaced elements, missing required parts and values that break their rules. A missing signature is
    a problem only with ``require_signature`` (see `check`).
    """
    if not isinstance(xml, bytes):
        raise TypeError("parse() takes the document as bytes (the encoding is in the XML declaration)")
    try:
        root = etree.fromstring(xml, xml_parser())
    except etree.XMLSyntaxError as exc:
        raise CebValidationError([Problem("", "xml", f"not well-formed: {exc}")]) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        # CEB messages never carry a DTD; refusing it closes the door on entity tricks.
        raise CebValidationError([Problem("", "xml", "DOCTYPE is not allowed")])
    qname = etree.QName(root)
    spec = MESSAGE_SPECS.get(qname.localname) if qname.namespace == CEB_NS else None
    if spec is None:
        raise CebValidationError(
            [Problem(qname.localname, "message", f"unknown CEB message root {root.tag}")]
        )
    problems: list[Problem] = []
    record = _read_node(root, spec, spec.name, problems)
    if require_signature and spec.signature_required and record["Signature"] is None:
        problems.append(Problem(f"{spec.name}/Signature", "required", SIGNATURE_MISSING))
    if problems:
        raise CebValidationError(problems)
    return record


def _read_node(el: Any, spec: NodeSpec, path: str, out: list[Problem]) -> Node:
    values: dict[str, Any] = {}
    failed: set[str] = set()  # paths already reported as unreadable; not to be reported again as missing
    for attr in spec.attributes:
        text = el.get(attr.name)
        if text is not None:
            values[attr.name] = _read_text(attr, text, f"{path}/@{attr.name}", out, failed)
        else:
            values[attr.name] = None
    _unexpected_attributes(el, {a.name for a in spec.attributes}, path, out)
    if (el.text or "").strip() or any((c.tail or "").strip() for c in el):
        out.append(Problem(path, "content", f"{spec.name} holds elements only, not text"))

    members = spec.members
    for m in members:
        if isinstance(m, ChildSpec) and m.repeated:
            values[m.name] = []
        else:
            values[m.name] = None
    counts: dict[str, int] = {}
    pos = 0  # members before pos are done: the XSD sequence never goes back
    for c in el:
        if not isinstance(c.tag, str):
            continue  # comments and processing instructions carry no data
        cq = etree.QName(c)
        j = next((k for k in range(pos, len(members)) if _matches(members[k], cq)), None)
        name_path = f"{path}/{cq.localname}"
        if j is None:
            earlier = any(_matches(m, cq) for m in members[:pos])
            if earlier:
                out.append(Problem(name_path, "order", f"must come before {members[pos].name}"))
            else:
                out.append(Problem(name_path, "unexpected", f"element {c.tag} is not allowed in {spec.name}"))
            continue
        pos = j
        m = members[j]
        seen = counts[m.name] = counts.get(m.name, 0) + 1
        if isinstance(m, ChildSpec) and m.repeated:
            values[m.name].append(_read_node(c, m.spec, f"{name_path}[{seen - 1}]", out))
            continue
        if seen > 1:
            out.append(Problem(name_path, "maxOccurs", "must occur at most once"))
            continue
        if isinstance(m, ChildSpec):
            values[m.name] = _read_node(c, m.spec, name_path, out)
        elif isinstance(m, SignatureSpec):
            values[m.name] = canonical_xml(c)
        else:
            values[m.name] = _read_leaf(c, m, name_path, out, failed)
    record = Node(spec, values)
    # Children were checked as they were read; here only this node's own fields and occurrence counts.
    _check_node(record, path, out, deep=False, skip=frozenset(failed))
    return record


def _matches(m: FieldSpec | ChildSpec | SignatureSpec, q: etree.QName) -> bool:
    namespace = m.namespace if isinstance(m, SignatureSpec) else CEB_NS
    return q.localname == m.name and q.namespace == namespace


def _unexpected_attributes(el: Any, allowed: set[str], path: str, out: list[Problem]) -> None:
    for key in el.attrib:
        if key in allowed or etree.QName(key).namespace == XSI_NS:
            continue  # xsi:* (schemaLocation and the like) is allowed anywhere by XML Schema
        out.append(Problem(f"{path}/@{key}", "unexpected", "attribute not allowed"))


def _read_leaf(el: Any, spec: FieldSpec, path: str, out: list[Problem], failed: set[str]) -> Any:
    _unexpected_attributes(el, set(), path, out)
    children = [c for c in el if isinstance(c.tag, str)]
    if spec.kind is Kind.XML:
        # xs:any, processContents="skip": at most one element of any namespace, no text around it.
        if len(children) > 1:
            out.append(Problem(path, "content", f"at most one element allowed, got {len(children)}"))
        if (el.text or "").strip() or any((c.tail or "").strip() for c in el):
            out.append(Problem(path, "content", "text is not allowed here"))
        return canonical_xml(children[0]) if children else b""
    if children:
        out.append(Problem(path, "content", "must hold text only, not elements"))
        failed.add(path)
        return None
    # Comments inside a value split its text; the value is all text nodes joined.
    text = (el.text or "") + "".join(c.tail or "" for c in el)
    if text == "" and (spec.fixed is not None or spec.default is not None):
        return spec.initial  # XSD: an empty element takes the fixed/default value
    return _read_text(spec, text, path, out, failed)


def _read_text(spec: FieldSpec, text: str, path: str, out: list[Problem], failed: set[str]) -> Any:
    try:
        return spec.from_text(text)
    except LexicalError as exc:
        out.append(Problem(path, exc.rule, exc.message))
        failed.add(path)
        return None
