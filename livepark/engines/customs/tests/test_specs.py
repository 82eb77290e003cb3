"""The hand-transcribed spec tables agree with the official XSDs, member by member.

The codec never reads the XSD; this test is what keeps the two from drifting apart.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from livepark.engines.customs import F, export_messages, import_messages
from livepark.engines.customs.codec import MESSAGE_SPECS, message_spec
from livepark.engines.customs.model import DS_NS, ChildSpec, FieldSpec, Kind, NodeSpec, SignatureSpec
from livepark.engines.customs.validate import load_schema

XS = "{http://www.w3.org/2001/XMLSchema}"
BUILTINS = {f"{XS}string": "string", f"{XS}decimal": "decimal", f"{XS}int": "int"}
TEMPORAL_LENGTH = {Kind.DATE: 8, Kind.DATETIME: 14, Kind.TIMESTAMP: 17}


def _builtin(t: Any) -> str:
    while t.name not in BUILTINS:
        t = t.base_type
    return BUILTINS[t.name]


def _facets(t: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    while t is not None and t.name not in BUILTINS:
        for key, facet in t.facets.items():
            if key:
                out.setdefault(key.removeprefix(XS), facet.value)
        t = t.base_type
    return out


def _expected_field(el: Any) -> dict[str, Any]:
    facets = _facets(el.type)
    length = facets.get("length")
    return {
        "base": _builtin(el.type),
        "min_length": length if length is not None else facets.get("minLength", 0),
        "max_length": length if length is not None else facets.get("maxLength"),
        "total_digits": facets.get("totalDigits"),
        "fraction_digits": facets.get("fractionDigits"),
        "required": el.use == "required" if hasattr(el, "use") else el.min_occurs == 1,
        "fixed": el.fixed,
        "default": el.default,
    }


def _actual_field(f: FieldSpec) -> dict[str, Any]:
    if f.kind in TEMPORAL_LENGTH:
        base = "string"  # dates are fixed-length strings in the XSD
        assert (f.min_length, f.max_length) == (TEMPORAL_LENGTH[f.kind],) * 2
    else:
        base = {Kind.STRING: "string", Kind.DECIMAL: "decimal", Kind.INT: "int"}[f.kind]
    return {
        "base": base,
        "min_length": f.min_length,
        "max_length": f.max_length,
        "total_digits": f.total_digits,
        "fraction_digits": f.fraction_digits,
        "required": f.required,
        "fixed": f.fixed,
        "default": f.default,
    }


def _compare(spec: NodeSpec, el: Any, path: str, out: list[str]) -> None:
    particles = list(el.type.content.iter_model())
    if [p.local_name for p in particles] != [m.name for m in spec.members]:
        out.append(f"{path}: members {[m.name for m in spec.members]} != {[p.local_name for p in particles]}")
        return
    for m, p in zip(spec.members, particles, strict=True):
        here = f"{path}/{m.name}"
        if isinstance(m, SignatureSpec):
            if (p.name, p.min_occurs, p.max_occurs) != (f"{{{DS_NS}}}Signature", int(m.required), 1):
                out.append(f"{here}: signature slot differs")
        elif isinstance(m, ChildSpec):
            if (m.min_occurs, m.max_occurs) != (p.min_occurs, p.max_occurs):
                out.append(f"{here}: occurs {(m.min_occurs, m.max_occurs)} != {(p.min_occurs, p.max_occurs)}")
            _compare(m.spec, p, here, out)
        elif m.kind is Kind.XML:
            if p.type.is_simple() or [type(x).__name__ for x in p.type.content] != ["XsdAnyElement"]:
                out.append(f"{here}: not an xs:any wrapper in the XSD")
        else:
            if p.max_occurs != 1:
                out.append(f"{here}: repeated leaf in the XSD")
            expected, actual = _expected_field(p), _actual_field(m)
            if expected != actual:
                out.append(f"{here}: {actual} != XSD {expected}")


@pytest.mark.parametrize("spec", sorted(MESSAGE_SPECS.values(), key=lambda s: s.name), ids=lambda s: s.code)
def test_spec_matches_xsd(spec: Any, xsd_dir: Path) -> None:
    schema = load_schema(xsd_dir, spec.xsd)
    root = schema.elements[spec.name]
    problems: list[str] = []
    _compare(spec, root, spec.name, problems)
    attrs = {
        name: _expected_field(a) | {"required": a.use == "required"} for name, a in root.attributes.items()
    }
    for a in spec.attributes:
        actual = _actual_field(a) | {"default": None}  # version's default only pre-fills new records
        if attrs.get(a.name, {}) | {"fixed": None, "default": None} != actual:
            problems.append(f"{spec.name}/@{a.name}: {actual} != XSD {attrs.get(a.name)}")
    assert sorted(attrs) == sorted(a.name for a in spec.attributes)
    assert problems == []


def test_every_declared_message_has_a_spec(xsd_dir: Path) -> None:
    for module, file_name in ((import_messages, "ceb-import.xsd"), (export_messages, "ceb-export.xsd")):
        declared = sorted(n for n in load_schema(xsd_dir, file_name).elements if n.startswith("CEB"))
        assert sorted(module.MESSAGES) == declared


def test_message_families() -> None:
    assert message_spec("CEB311") is import_messages.CEB311
    assert message_spec("CEB303Message") is export_messages.CEB303
    assert [s.code for s in MESSAGE_SPECS.values() if s.signature_required] == [
        "CEB621",
        "CEB623",
        "CEB625",
        "CEB711",
    ]
    assert {s.direction for s in import_messages.MESSAGES.values()} == {"import"}
    assert {s.xsd for s in export_messages.MESSAGES.values()} == {"ceb-export.xsd"}
    with pytest.raises(KeyError, match="unknown CEB message type 'CEB999'"):
        message_spec("CEB999")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("C36", dict(kind=Kind.STRING, min_length=36, max_length=36, required=True)),
        ("C..60?", dict(kind=Kind.STRING, min_length=0, max_length=60, required=False)),
        ("C1..60", dict(kind=Kind.STRING, min_length=1, max_length=60, required=True)),
        ("C", dict(kind=Kind.STRING, min_length=0, max_length=None, required=True)),
        ("N19,5", dict(kind=Kind.DECIMAL, total_digits=19, fraction_digits=5)),
        ("I", dict(kind=Kind.INT, total_digits=None)),
        ("I9?", dict(kind=Kind.INT, total_digits=9, required=False)),
        ("D8", dict(kind=Kind.DATE, min_length=8, max_length=8)),
        ("T17", dict(kind=Kind.TIMESTAMP, min_length=17, max_length=17)),
        ("X", dict(kind=Kind.XML, max_length=None)),
    ],
)
def test_type_codes(code: str, expected: dict[str, Any]) -> None:
    f = F("x", code)
    assert {k: getattr(f, k) for k in expected} == expected
    assert f.code == code


@pytest.mark.parametrize("code", ["C1.60", "N", "Z3", "C..", "I9,2"])
def test_bad_type_codes(code: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"bad type code '{code}' for field 'x'")):
        F("x", code)


def test_fixed_value_must_fit_its_field() -> None:
    with pytest.raises(ValueError, match="fixed/default '1420' breaks the rules of field 'currency'"):
        F("currency", "C3", fixed="1420")
