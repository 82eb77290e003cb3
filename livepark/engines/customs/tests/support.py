"""Shared test helpers: where the official data lives, XML content comparison, hypothesis strategies."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import strategies as st
from lxml import etree

from livepark.engines.customs.model import (
    INT_MAX,
    INT_MIN,
    ChildSpec,
    FieldSpec,
    Kind,
    Node,
    NodeSpec,
    canonical_xml,
)

SHARED = Path(os.environ.get("LIVEPARK_SHARED", Path(__file__).resolve().parents[4].parent / "shared"))
XSD_DIR = SHARED / "ceb" / "xsd"
SAMPLES_DIR = SHARED / "ceb" / "samples"


def sample_files() -> list[Path]:
    """The official sample messages, import then export."""
    return sorted(SAMPLES_DIR.glob("import/*.xml")) + sorted(SAMPLES_DIR.glob("export/*.xml"))


# ---- content comparison ---------------------------------------------------------------------------------


def content_differences(a: bytes, b: bytes) -> list[str]:
    """Differences between two documents, element by element.

    Ignored: namespace prefixes and declarations, comments, and whitespace-only text between elements.
    Compared exactly: element names (namespace URI + local name), attributes, and all other text.
    """
    out: list[str] = []
    _compare(etree.fromstring(a), etree.fromstring(b), "", out)
    return out


def _elements(el: Any) -> list[Any]:
    return [c for c in el if isinstance(c.tag, str)]


def _compare(x: Any, y: Any, path: str, out: list[str]) -> None:
    here = f"{path}/{etree.QName(x).localname}"
    if x.tag != y.tag:
        out.append(f"{here}: element {x.tag} != {y.tag}")
        return
    if dict(x.attrib) != dict(y.attrib):
        out.append(f"{here}: attributes {dict(x.attrib)} != {dict(y.attrib)}")
    xs, ys = _elements(x), _elements(y)
    if not xs and not ys:
        if (x.text or "") != (y.text or ""):
            out.append(f"{here}: text {x.text!r} != {y.text!r}")
        return
    # Element content: only whitespace may sit between children, and it does not count.
    for el, side in ((x, "left"), (y, "right")):
        stray = [t for t in [el.text, *(c.tail for c in el)] if t and t.strip()]
        if stray:
            out.append(f"{here}: {side} has text between elements: {stray!r}")
    if len(xs) != len(ys):
        out.append(f"{here}: {len(xs)} child elements != {len(ys)}")
    for cx, cy in zip(xs, ys, strict=False):
        _compare(cx, cy, here, out)


# ---- hypothesis strategies -----------------------------------------------------------------------------

_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
XML_CHARS = st.characters(exclude_categories=("Cs",)).filter(lambda c: not _ILLEGAL.match(c))


@st.composite
def _decimals(draw: st.DrawFn, total: int, fraction: int) -> Decimal:
    places = draw(st.integers(0, min(fraction, total)))
    digits = draw(st.integers(1, total))
    digits = max(digits, places)
    bound = 10**digits - 1
    # scaleb keeps trailing zeros ("1.50"), which the codec must carry through unchanged.
    return Decimal(draw(st.integers(-bound, bound))).scaleb(-places)


def _raw_xml(text: str) -> bytes:
    return canonical_xml(etree.fromstring(f'<x:ext xmlns:x="urn:livepark:test">{escape(text)}</x:ext>'))


def values(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Valid values for one field (never None)."""
    if spec.fixed is not None:
        return st.just(spec.initial)
    kind = spec.kind
    if kind is Kind.STRING:
        return st.text(XML_CHARS, min_size=spec.min_length, max_size=spec.max_length or 80)
    if kind is Kind.DECIMAL:
        total = spec.total_digits or 28
        return _decimals(total, total if spec.fraction_digits is None else spec.fraction_digits)
    if kind is Kind.INT:
        lo, hi = INT_MIN, INT_MAX
        if spec.total_digits is not None:
            lo, hi = max(lo, -(10**spec.total_digits - 1)), min(hi, 10**spec.total_digits - 1)
        return st.integers(lo, hi)
    if kind is Kind.DATE:
        return st.dates()
    if kind is Kind.DATETIME:
        return st.datetimes().map(lambda d: d.replace(microsecond=0))
    if kind is Kind.TIMESTAMP:
        return st.datetimes().map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
    return st.one_of(st.just(b""), st.text(XML_CHARS, max_size=20).map(_raw_xml))


@functools.cache
def records(spec: NodeSpec, max_repeat: int = 2) -> st.SearchStrategy[Node]:
    """Valid records of a node type (without signature); repeated children limited to ``max_repeat``."""
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for attr in spec.attributes:
        parts[attr.name] = values(attr)
    for m in spec.members:
        if isinstance(m, FieldSpec):
            parts[m.name] = values(m) if m.required else st.none() | values(m)
        elif isinstance(m, ChildSpec):
            sub = records(m.spec, max_repeat)
            if m.repeated:
                top = max(m.min_occurs, max_repeat)
                top = top if m.max_occurs is None else min(top, m.max_occurs)
                parts[m.name] = st.lists(sub, min_size=m.min_occurs, max_size=top)
            else:
                parts[m.name] = sub if m.min_occurs else st.none() | sub
        else:
            parts[m.name] = st.none()
    return st.fixed_dictionaries(parts).map(lambda kw: spec(**kw))


def extreme_record(spec: NodeSpec, *, largest: bool) -> Node:
    """Every field at its limit: longest strings, most digits, all optional parts present (``largest``),
    or only what is required at the shortest lengths and smallest numbers."""
    kw: dict[str, Any] = {}
    for m in (*spec.attributes, *spec.members):
        if isinstance(m, FieldSpec):
            if not (m.required or largest):
                continue
            kw[m.name] = _extreme_value(m, largest)
        elif isinstance(m, ChildSpec):
            count = max(m.min_occurs, 2 if largest else 0)
            count = count if m.max_occurs is None else min(count, m.max_occurs)
            items = [extreme_record(m.spec, largest=largest) for _ in range(count)]
            kw[m.name] = items if m.repeated else (items[0] if items else None)
    return spec(**kw)


def _extreme_value(m: FieldSpec, largest: bool) -> Any:
    if m.fixed is not None:
        return m.initial
    if m.kind is Kind.STRING:
        # CJK and an astral character: lengths count characters, not bytes or UTF-16 units.
        n = (m.max_length or 300) if largest else m.min_length
        return ("中文𠀀" * n)[:n]
    if m.kind is Kind.DECIMAL:
        if not largest:
            return Decimal(0)
        total = m.total_digits or 28
        places = total if m.fraction_digits is None else m.fraction_digits
        return -Decimal("9" * total).scaleb(-places)
    if m.kind is Kind.INT:
        return (INT_MAX if m.total_digits is None else 10**m.total_digits - 1) if largest else 0
    if m.kind is Kind.DATE:
        return dt.date(9999, 12, 31) if largest else dt.date(1, 1, 1)
    if m.kind is Kind.DATETIME:
        return dt.datetime(9999, 12, 31, 23, 59, 59) if largest else dt.datetime(1, 1, 1)
    if m.kind is Kind.TIMESTAMP:
        return dt.datetime(9999, 12, 31, 23, 59, 59, 999000) if largest else dt.datetime(1, 1, 1)
    return _raw_xml("x" * 50) if largest else b""
