"""Declarative field specs for CEB messages and the generic immutable record (`Node`) built from them.

A message is a tree of nodes. Each node type is a `NodeSpec`: an ordered list of members, each member one of

* `FieldSpec`   – a leaf element (``<ceb:orderNo>…</ceb:orderNo>``) described by a short type code, see `F`;
* `ChildSpec`   – a nested node type with min/max occurrences (``OrderList`` 1..99);
* `SignatureSpec` – the optional ``ds:Signature`` of a message root, carried as raw XML.

The member order is the element order the XSD's ``xs:sequence`` requires. The tables themselves live in
`import_messages` and `export_messages`; this module only knows how to check and convert single values.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lxml import etree

CEB_NS = "http://www.chinaport.gov.cn/ceb"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # xs:int

# Characters XML 1.0 cannot carry at all (not even escaped); lxml would refuse them anyway.
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_SPACE = " \t\n\r"  # what xs:decimal / xs:int collapse away
_DECIMAL_LEXICAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_INT_LEXICAL = re.compile(r"[+-]?[0-9]+")


class Kind(enum.Enum):
    """Value kinds; the value is the type code letter used in the field tables."""

    STRING = "C"  # str
    DECIMAL = "N"  # decimal.Decimal (int accepted on build)
    INT = "I"  # int (xs:int)
    DATE = "D8"  # datetime.date, text YYYYMMDD
    DATETIME = "T14"  # naive datetime.datetime, text YYYYMMDDhhmmss
    TIMESTAMP = "T17"  # naive datetime.datetime with milliseconds, text YYYYMMDDhhmmssSSS
    XML = "X"  # bytes: one arbitrary XML element (exclusive-c14n form) or b"" for none


class LexicalError(ValueError):
    """Text that cannot be read as a value of its field's kind; carries the rule name."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One leaf element (or root attribute) and the XSD facets the codec enforces on it."""

    name: str
    kind: Kind
    required: bool = True
    min_length: int = 0
    max_length: int | None = None
    total_digits: int | None = None
    fraction_digits: int | None = None
    fixed: str | None = None  # XSD fixed="…" (lexical)
    default: str | None = None  # XSD default="…" (lexical): what an empty element means
    code: str = ""  # the type code it was declared with, e.g. "C1..60?"

    @property
    def initial(self) -> Any:
        """The value a new record gets when the caller leaves this field out (fixed, default or None)."""
        text = self.fixed if self.fixed is not None else self.default
        return None if text is None else self.from_text(text)

    # -- value rules -------------------------------------------------------------------------------

    def check(self, value: Any) -> list[tuple[str, str]]:
        """Return (rule, message) for every facet the (non-None) value breaks."""
        kind = self.kind
        if kind is Kind.STRING:
            return self._check_string(value)
        if kind is Kind.DECIMAL:
            return self._check_decimal(value)
        if kind is Kind.INT:
            return self._check_int(value)
        if kind is Kind.XML:
            return check_xml_fragment(value)
        return self._check_temporal(value)

    def _check_string(self, value: Any) -> list[tuple[str, str]]:
        if not isinstance(value, str):
            return [("type", f"expected str, got {type(value).__name__}")]
        out: list[tuple[str, str]] = []
        bad = _XML_ILLEGAL.search(value)
        if bad:
            out.append(("char", f"character U+{ord(bad.group()):04X} cannot appear in XML"))
        n = len(value)
        if self.max_length is not None and self.min_length == self.max_length:
            if n != self.max_length:
                out.append(("length", f"must be exactly {self.max_length} characters, got {n}"))
        else:
            if n < self.min_length:
                out.append(("minLength", f"must be at least {self.min_length} characters, got {n}"))
            if self.max_length is not None and n > self.max_length:
                out.append(("maxLength", f"must be at most {self.max_length} characters, got {n}"))
        if self.fixed is not None and value != self.fixed:
            out.append(("fixed", f"must be {self.fixed!r}, got {value!r}"))
        return out

    def _check_decimal(self, value: Any) -> list[tuple[str, str]]:
        # int is exact, so it is accepted; float never is (binary fractions are not money).
        if isinstance(value, bool) or not isinstance(value, Decimal | int):
            return [("type", f"expected Decimal, got {type(value).__name__}")]
        value = Decimal(value)
        if not value.is_finite():
            return [("type", f"must be a finite number, got {value}")]
        total, fraction = decimal_digits(value)
        out: list[tuple[str, str]] = []
        if self.total_digits is not None and total > self.total_digits:
            out.append(("totalDigits", f"at most {self.total_digits} digits, got {total}"))
        if self.fraction_digits is not None and fraction > self.fraction_digits:
            out.append(("fractionDigits", f"at most {self.fraction_digits} decimal places, got {fraction}"))
        return out

    def _check_int(self, value: Any) -> list[tuple[str, str]]:
        if isinstance(value, bool) or not isinstance(value, int):
            return [("type", f"expected int, got {type(value).__name__}")]
        out: list[tuple[str, str]] = []
        if not INT_MIN <= value <= INT_MAX:
            out.append(("range", f"must be between {INT_MIN} and {INT_MAX}, got {value}"))
        digits = len(str(abs(value)))
        if self.total_digits is not None and digits > self.total_digits:
            out.append(("totalDigits", f"at most {self.total_digits} digits, got {digits}"))
        return out

    def _check_temporal(self, value: Any) -> list[tuple[str, str]]:
        kind = self.kind
        if kind is Kind.DATE:
            # datetime is a subclass of date; a time part would be silently dropped, so refuse it.
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                return [("type", f"expected date, got {type(value).__name__}")]
            return []
        if not isinstance(value, dt.datetime):
            return [("type", f"expected datetime, got {type(value).__name__}")]
        if value.tzinfo is not None:
            # The messages carry China local time without an offset; converting here would hide a bug.
            return [("timezone", "must be a naive datetime in China local time")]
        if kind is Kind.DATETIME and value.microsecond:
            return [("precision", f"YYYYMMDDhhmmss has whole seconds, got microsecond={value.microsecond}")]
        if kind is Kind.TIMESTAMP and value.microsecond % 1000:
            return [("precision", f"YYYYMMDDhhmmssSSS has milliseconds, got microsecond={value.microsecond}")]
        return []

    # -- text conversion ---------------------------------------------------------------------------

    def to_text(self, value: Any) -> str:
        """Render a checked value as element text."""
        kind = self.kind
        if kind is Kind.STRING:
            return value
        if kind is Kind.DECIMAL:
            # "f" keeps trailing zeros ("1.50") and never uses exponents, which xs:decimal forbids.
            return format(Decimal(value), "f")
        if kind is Kind.INT:
            return str(value)
        text = f"{value.year:04d}{value.month:02d}{value.day:02d}"
        if kind is Kind.DATE:
            return text
        text += f"{value.hour:02d}{value.minute:02d}{value.second:02d}"
        if kind is Kind.TIMESTAMP:
            text += f"{value.microsecond // 1000:03d}"
        return text

    def from_text(self, text: str) -> Any:
        """Read element text as a value; raise `LexicalError` if the text is not of this kind."""
        kind = self.kind
        if kind is Kind.STRING:
            return text  # xs:string keeps whitespace as is
        if kind is Kind.DECIMAL:
            token = text.strip(_XML_SPACE)
            if not _DECIMAL_LEXICAL.fullmatch(token):
                raise LexicalError("type", f"{text!r} is not a decimal number")
            return Decimal(token)
        if kind is Kind.INT:
            token = text.strip(_XML_SPACE)
            if not _INT_LEXICAL.fullmatch(token):
                raise LexicalError("type", f"{text!r} is not an integer")
            return int(token)
        if kind is Kind.XML:
            raise TypeError("XML fields are read from elements, not text")
        return _parse_temporal(kind, text)


_TEMPORAL_FORMAT = {
    Kind.DATE: "YYYYMMDD",
    Kind.DATETIME: "YYYYMMDDhhmmss",
    Kind.TIMESTAMP: "YYYYMMDDhhmmssSSS",
}


def _parse_temporal(kind: Kind, text: str) -> dt.date | dt.datetime:
    fmt = _TEMPORAL_FORMAT[kind]
    if len(text) != len(fmt) or not text.isascii() or not text.isdigit():
        raise LexicalError("format", f"{text!r} does not match {fmt}")
    spans = ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 14), (14, 17))
    parts = [int(text[a:b]) for a, b in spans if b <= len(text)]
    try:
        if kind is Kind.DATE:
            return dt.date(parts[0], parts[1], parts[2])
        ms = parts[6] if kind is Kind.TIMESTAMP else 0
        return dt.datetime(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], ms * 1000)
    except ValueError as exc:
        raise LexicalError("format", f"{text!r} is not a valid {fmt} value ({exc})") from None


def decimal_digits(value: Decimal) -> tuple[int, int]:
    """Total and fraction digits of a decimal *value* as XSD counts them (trailing zeros don't count)."""
    _, digits, exp = value.as_tuple()
    assert isinstance(exp, int)  # finite values only
    ds = list(digits)
    while exp < 0 and len(ds) > 1 and ds[-1] == 0:
        ds.pop()
        exp += 1
    if ds == [0]:
        return 1, 0
    while len(ds) > 1 and ds[0] == 0:
        ds.pop(0)
    if exp >= 0:
        return len(ds) + exp, 0
    return max(len(ds), -exp), -exp


_PARSERS = threading.local()  # lxml parser objects must not be shared between threads


def xml_parser() -> etree.XMLParser:
    """The parser used for every untrusted document: no DTD loading, no entities, no network."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        _PARSERS.parser = parser
    return parser


def canonical_xml(element: etree._Element) -> bytes:
    """Exclusive C14N of one element: stable bytes, carrying only the namespaces it uses."""
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def _normalise_raw(value: Any) -> Any:
    # Raw XML is held canonicalised so that equal content compares equal after a round trip.
    if isinstance(value, bytes) and value.strip():
        try:
            return canonical_xml(etree.fromstring(value, xml_parser()))
        except etree.XMLSyntaxError:
            return value  # left for the checks to report
    return value


def check_xml_fragment(value: Any, root: tuple[str, str] | None = None) -> list[tuple[str, str]]:
    """Problems with raw XML bytes: one well-formed element (named ``root`` if given), or empty."""
    if not isinstance(value, bytes):
        return [("type", f"expected bytes, got {type(value).__name__}")]
    if not value.strip():
        return [] if root is None else [("xml", "empty")]
    try:
        element = etree.fromstring(value, xml_parser())
    except etree.XMLSyntaxError as exc:
        return [("xml", f"not well-formed XML: {exc}")]
    if root is not None and (etree.QName(element).namespace, etree.QName(element).localname) != root:
        return [("xml", f"root must be {{{root[0]}}}{root[1]}, got {element.tag}")]
    return []


_CODE_STRING_FIXED = re.compile(r"C([0-9]+)")
_CODE_STRING_RANGE = re.compile(r"C([0-9]*)\.\.([0-9]+)")
_CODE_DECIMAL = re.compile(r"N([0-9]+)(?:,([0-9]+))?")
_CODE_INT = re.compile(r"I([0-9]*)")
_CODE_FIXED_KIND = {"D8": Kind.DATE, "T14": Kind.DATETIME, "T17": Kind.TIMESTAMP, "X": Kind.XML}


def F(name: str, code: str, *, fixed: str | None = None, default: str | None = None) -> FieldSpec:
    """Declare a field from a type code, as in the CEB field notes; a trailing ``?`` makes it optional.

    ``C36`` exactly 36 characters · ``C..60`` at most 60 · ``C1..60`` 1 to 60 · ``C`` any length ·
    ``N19,5`` decimal, 19 digits of which at most 5 after the point · ``I`` xs:int · ``I9`` xs:int,
    at most 9 digits · ``D8`` date YYYYMMDD · ``T14`` datetime YYYYMMDDhhmmss · ``T17`` with milliseconds ·
    ``X`` one arbitrary XML element.
    """
    required = not code.endswith("?")
    body = code.removesuffix("?")
    kw: dict[str, Any] = {}
    if body in _CODE_FIXED_KIND:
        kind = _CODE_FIXED_KIND[body]
        if kind is not Kind.XML:
            kw["min_length"] = kw["max_length"] = int(body[1:])
    elif body == "C":
        kind = Kind.STRING
    elif m := _CODE_STRING_FIXED.fullmatch(body):
        kind = Kind.STRING
        kw["min_length"] = kw["max_length"] = int(m[1])
    elif m := _CODE_STRING_RANGE.fullmatch(body):
        kind = Kind.STRING
        kw["min_length"], kw["max_length"] = int(m[1] or 0), int(m[2])
    elif m := _CODE_DECIMAL.fullmatch(body):
        kind = Kind.DECIMAL
        kw["total_digits"] = int(m[1])
        kw["fraction_digits"] = int(m[2]) if m[2] else None
    elif m := _CODE_INT.fullmatch(body):
        kind = Kind.INT
        kw["total_digits"] = int(m[1]) if m[1] else None
    else:
        raise ValueError(f"bad type code {code!r} for field {name!r}")
    spec = FieldSpec(name, kind, required, fixed=fixed, default=default, code=code, **kw)
    for text in (fixed, default):
        if text is not None and spec.check(spec.from_text(text)):
            raise ValueError(f"fixed/default {text!r} breaks the rules of field {name!r}")
    return spec


@dataclass(frozen=True, slots=True)
class ChildSpec:
    """A nested node type and how often it may occur (max_occurs None = unbounded)."""

    spec: NodeSpec
    min_occurs: int = 1
    max_occurs: int | None = 1

    @property
    def name(self) -> str:
        """The element name of the nested node."""
        return self.spec.name

    @property
    def repeated(self) -> bool:
        """Whether the record holds a tuple (True) or a single node/None (False)."""
        return self.max_occurs is None or self.max_occurs > 1


@dataclass(frozen=True, slots=True)
class SignatureSpec:
    """The ``ds:Signature`` slot of a message root, held as raw XML bytes.

    ``required`` records what the XSD says (CEB621/623/625/711 must be signed); the codec does not enforce
    it, because messages are built unsigned and signed afterwards by a `Signer`.
    """

    required: bool = False
    name: str = "Signature"
    namespace: str = DS_NS


Member = FieldSpec | ChildSpec | SignatureSpec


def child(spec: NodeSpec, min_occurs: int = 1, max_occurs: int | None = 1) -> ChildSpec:
    """Declare a nested node member."""
    return ChildSpec(spec, min_occurs, max_occurs)


_RESERVED = frozenset({"spec", "replace", "as_dict", "get", "items"})


@dataclass(frozen=True, eq=False)
class NodeSpec:
    """An element type: its name, ordered members and (for message roots) attributes.

    Calling a spec makes a record: ``ORDER_HEAD(orderNo="A1", …)``. Identity is the spec object itself.
    """

    name: str
    members: tuple[Member, ...]
    attributes: tuple[FieldSpec, ...] = ()
    doc: str = ""
    _index: Mapping[str, Member | FieldSpec] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, Member | FieldSpec] = {}
        for m in (*self.attributes, *self.members):
            if m.name in index or m.name in _RESERVED:
                raise ValueError(f"{self.name}: member name {m.name!r} is duplicated or reserved")
            index[m.name] = m
        object.__setattr__(self, "_index", index)

    def __call__(self, **values: Any) -> Node:
        """Make a record of this type; absent members take their initial value (None, () or fixed)."""
        return Node(self, values)

    def member(self, name: str) -> Member | FieldSpec:
        """The member or attribute spec called ``name``."""
        return self._index[name]

    @property
    def names(self) -> tuple[str, ...]:
        """Attribute and member names in document order."""
        return tuple(self._index)

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        """The leaf-element members."""
        return tuple(m for m in self.members if isinstance(m, FieldSpec))

    def __repr__(self) -> str:
        return f"<NodeSpec {self.name}>"


@dataclass(frozen=True, eq=False)
class MessageSpec(NodeSpec):
    """A message root (``CEB311Message``): which flow it belongs to and which XSD declares it."""

    direction: str = ""  # "import" or "export"
    xsd: str = ""  # file name of the official schema, e.g. "ceb-import.xsd"

    @property
    def code(self) -> str:
        """Short message code, e.g. ``CEB311``."""
        return self.name.removesuffix("Message")

    @property
    def signature_required(self) -> bool:
        """Whether the XSD requires a ``ds:Signature`` (the signing layer's job, see `SignatureSpec`)."""
        return any(isinstance(m, SignatureSpec) and m.required for m in self.members)

    def __repr__(self) -> str:
        return f"<MessageSpec {self.name} ({self.direction})>"


# version="1.0" is what the spec prescribes; as a default it only pre-fills new records (defaults are applied
# to empty elements on parse, never to missing attributes).
MESSAGE_ATTRIBUTES = (F("guid", "C36"), F("version", "C1..10", default="1.0"))


def node(name: str, *members: Member, doc: str = "") -> NodeSpec:
    """Declare a node type from its members in schema order."""
    return NodeSpec(name, tuple(members), doc=doc)


def message(name: str, *members: Member, direction: str, xsd: str) -> MessageSpec:
    """Declare a message root; every root carries the ``guid`` and ``version`` attributes."""
    return MessageSpec(name, tuple(members), MESSAGE_ATTRIBUTES, direction=direction, xsd=xsd)


class Node:
    """An immutable record of one element: values by member name, in schema order.

    Fields hold typed values (str, Decimal, int, date, datetime, bytes) or None when absent; repeated
    children hold tuples of nodes; single children a node or None. Read with ``node.orderNo`` or
    ``node["orderNo"]``; change with ``node.replace(orderNo="…")``. Values are not checked here — the
    codec checks the whole tree at once so that every problem is reported together. Equality is by value
    (``Decimal("1.50") == Decimal("1.5")``); the written form of a decimal is the Decimal's own.
    """

    __slots__ = ("_hash", "_spec", "_values")

    def __init__(self, spec: NodeSpec, values: Mapping[str, Any]) -> None:
        unknown = [k for k in values if k not in spec.names]
        if unknown:
            raise TypeError(f"{spec.name} has no member {', '.join(map(repr, unknown))}")
        data: dict[str, Any] = {}
        for name in spec.names:
            m = spec.member(name)
            if name in values:
                v = values[name]
                if isinstance(m, ChildSpec) and m.repeated and isinstance(v, list | tuple):
                    v = tuple(v)
                elif isinstance(m, SignatureSpec) or (isinstance(m, FieldSpec) and m.kind is Kind.XML):
                    v = _normalise_raw(v)
            elif isinstance(m, FieldSpec):
                v = m.initial
            else:
                v = () if isinstance(m, ChildSpec) and m.repeated else None
            data[name] = v
        object.__setattr__(self, "_spec", spec)
        object.__setattr__(self, "_values", data)
        object.__setattr__(self, "_hash", None)

    @property
    def spec(self) -> NodeSpec:
        """The node type."""
        return self._spec

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"{self._spec.name} has no member {name!r}") from None

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def get(self, name: str, default: Any = None) -> Any:
        """The value of ``name``, or ``default`` if the spec has no such member."""
        return self._values.get(name, default)

    def items(self) -> Iterator[tuple[str, Any]]:
        """(name, value) pairs in document order."""
        return iter(self._values.items())

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Node is immutable; use replace()")

    def replace(self, **changes: Any) -> Node:
        """A copy with some members changed."""
        return Node(self._spec, {**self._values, **changes})

    def as_dict(self) -> dict[str, Any]:
        """Plain nested dicts/lists, for debugging and JSON-ish output."""

        def plain(v: Any) -> Any:
            if isinstance(v, Node):
                return v.as_dict()
            if isinstance(v, tuple):
                return [plain(x) for x in v]
            return v

        return {k: plain(v) for k, v in self._values.items()}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return self._spec is other._spec and self._values == other._values

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash((id(self._spec), tuple(self._values.items()))))
        return self._hash

    def __copy__(self) -> Node:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Node:
        return self

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._values.items() if v is not None and v != ())
        return f"{self._spec.name}({shown})"
