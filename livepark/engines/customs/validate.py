"""Validation against the official China E-port XSDs — the only place in the engine that reads them.

Used by the tests and by ``livepark customs validate --schema-only``. The schema folder is a parameter (the
XSDs are data, not package code); it must hold ``ceb-import.xsd``, ``ceb-export.xsd`` and
``xmldsig-core-schema.xsd``.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

from lxml import etree

from .codec import MESSAGE_SPECS
from .model import CEB_NS, xml_parser

SCHEMA_FILES = ("ceb-import.xsd", "ceb-export.xsd")


@functools.lru_cache(maxsize=8)
def _schema(path: str, mtime_ns: int) -> Any:
    import xmlschema  # heavy; only this module needs it

    return xmlschema.XMLSchema(path)


def load_schema(xsd_dir: str | Path, file_name: str) -> Any:
    """The parsed ``xmlschema.XMLSchema`` for one XSD file, cached until the file changes."""
    path = Path(xsd_dir) / file_name
    return _schema(str(path.resolve()), path.stat().st_mtime_ns)


def schema_for(root_name: str, xsd_dir: str | Path) -> Any | None:
    """The schema that declares the message root ``root_name`` (``CEB311Message``), or None."""
    spec = MESSAGE_SPECS.get(root_name)
    names = (spec.xsd,) if spec is not None else SCHEMA_FILES
    for file_name in names:
        schema = load_schema(xsd_dir, file_name)
        if f"{{{CEB_NS}}}{root_name}" in schema.elements or root_name in schema.elements:
            return schema
    return None


def schema_errors(xml: bytes, xsd_dir: str | Path) -> list[str]:
    """Every XSD violation in a CEB document as ``"<xpath>: <reason>"``; empty when it is valid.

    The schema (import or export) is chosen by the root element's name.
    """
    try:
        root = etree.fromstring(xml, xml_parser())
    except etree.XMLSyntaxError as exc:
        return [f"/: not well-formed XML: {exc}"]
    q = etree.QName(root)
    schema = schema_for(q.localname, xsd_dir) if q.namespace == CEB_NS else None
    if schema is None:
        return [f"/{q.localname}: root element {root.tag} is not declared in {', '.join(SCHEMA_FILES)}"]
    import xmlschema

    # Validate the bytes as given, not the lxml tree: the XSD sees exactly what would be sent. "always"
    # makes xmlschema parse without DTDs or entities, as the codec does.
    source = xmlschema.XMLResource(io.BytesIO(xml), defuse="always")
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(source)]
