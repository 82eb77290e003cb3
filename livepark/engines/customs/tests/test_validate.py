"""schema_errors(): the one place the official XSD is used; and the engine's independence from Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from livepark.engines.customs import schema_errors

from .support import SAMPLES_DIR

PACKAGE = Path(__file__).resolve().parents[1]


def test_valid_message_has_no_errors(xsd_dir: Path) -> None:
    assert schema_errors((SAMPLES_DIR / "export" / "CEB607Message.xml").read_bytes(), xsd_dir) == []


def test_errors_name_the_element_and_the_rule(xsd_dir: Path) -> None:
    xml = (SAMPLES_DIR / "import" / "CEB311Message.xml").read_bytes()
    xml = xml.replace(b"order20160321116421002<", b"X" * 61 + b"<", 1)
    xml = xml.replace(b"<ceb:currency>142</ceb:currency>", b"<ceb:currency>143</ceb:currency>", 1)
    assert schema_errors(xml, xsd_dir) == [
        "/ceb:CEB311Message/ceb:Order[1]/ceb:OrderHead/ceb:orderNo: value length cannot be greater than 60",
        "/ceb:CEB311Message/ceb:Order[1]/ceb:OrderHead/ceb:currency: must have the fixed value '142'",
    ]


def test_schema_is_chosen_by_root_element(xsd_dir: Path) -> None:
    # An export root validated against the import schema would be "not declared"; here it is found.
    assert schema_errors(b'<ceb:CEB792Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"/>', xsd_dir) == [
        "/ceb:CEB792Message: missing required attribute 'guid'",
        "/ceb:CEB792Message: missing required attribute 'version'",
        "/ceb:CEB792Message: The content of element 'ceb:CEB792Message' is not complete. Tag "
        "'ceb:SummaryResult' expected.",
    ]
    assert schema_errors(b'<CEB311Message xmlns="urn:other"/>', xsd_dir) == [
        "/CEB311Message: root element {urn:other}CEB311Message is not declared in ceb-import.xsd, ceb-export.xsd"
    ]


def test_malformed_xml(xsd_dir: Path) -> None:
    [error] = schema_errors(b"<a><b></a>", xsd_dir)
    assert error.startswith("/: not well-formed XML: Opening and ending tag mismatch: b line 1 and a")


def test_package_code_has_no_hard_coded_data_paths() -> None:
    offenders = [
        p.name
        for p in PACKAGE.glob("*.py")
        if "/work" in p.read_text(encoding="utf-8") or "shared/ceb" in p.read_text()
    ]
    assert offenders == []


def test_engine_imports_no_django() -> None:
    code = (
        "import sys, livepark.engines.customs, livepark.engines.customs.validate;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'ninja'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
