"""The official E-port samples: parse, rebuild, validate against the XSD, and keep their content."""

from __future__ import annotations

from pathlib import Path

import pytest

from livepark.engines.customs import build, parse, schema_errors
from livepark.engines.customs.codec import MESSAGE_SPECS

from .support import SAMPLES_DIR, content_differences, sample_files

IMPORT_CODES = [311, 312, 411, 412, 511, 512, 513, 514, 621, 622, 623, 624, 625, 626, 711, 712]
EXPORT_CODES = [303, 304, 403, 404, 505, 506, 507, 508, 509, 510, 603, 604, 605, 606, 607, 608, 701, 702, 792]


def test_every_sample_is_present() -> None:
    assert [p.relative_to(SAMPLES_DIR).as_posix() for p in sample_files()] == [
        *(f"import/CEB{c}Message.xml" for c in IMPORT_CODES),
        *(f"export/CEB{c}Message.xml" for c in EXPORT_CODES),
    ]


def test_every_sample_type_has_a_spec() -> None:
    assert {p.stem for p in sample_files()} <= set(MESSAGE_SPECS)
    assert sorted(set(MESSAGE_SPECS) - {p.stem for p in sample_files()}) == [
        "CEB816Message",
        "CEB818Message",
        "CEB900Message",
    ]


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.stem)
def test_sample_round_trip(path: Path, xsd_dir: Path) -> None:
    original = path.read_bytes()
    assert schema_errors(original, xsd_dir) == []

    record = parse(original)
    assert record.spec is MESSAGE_SPECS[path.stem]
    rebuilt = build(record)

    assert schema_errors(rebuilt, xsd_dir) == []
    assert content_differences(original, rebuilt) == []
    assert parse(rebuilt) == record
    # A second pass is byte-stable: the codec has one canonical output per record.
    assert build(parse(rebuilt)) == rebuilt


def test_sample_values_are_typed() -> None:
    import datetime as dt
    from decimal import Decimal

    msg = parse((SAMPLES_DIR / "import" / "CEB311Message.xml").read_bytes())
    head = msg.Order[0].OrderHead
    assert head.appTime == dt.datetime(2016, 3, 8, 11, 27, 1)
    assert head.acturalPaid == Decimal("19050")
    assert head.currency == "142"
    assert msg.Order[0].OrderList[1].note == ""  # present but empty: not the same as absent
    assert head.get("nonexistent") is None
    assert [line.gnum for line in msg.Order[0].OrderList] == [1, 2]

    export = parse((SAMPLES_DIR / "export" / "CEB303Message.xml").read_bytes())
    assert export.Order[0].OrderHead.goodsValue == Decimal("12345678912345.12345")
    receipt = parse((SAMPLES_DIR / "export" / "CEB792Message.xml").read_bytes())
    assert receipt.SummaryResult[0].SummaryResultHead.opDate == dt.datetime(2018, 5, 8, 10, 11, 12, 12000)


def test_whitespace_inside_values_survives() -> None:
    # CEB624's sample has copNo values ending in a tab; xs:string keeps it, so must we.
    msg = parse((SAMPLES_DIR / "import" / "CEB624Message.xml").read_bytes())
    assert msg.InvtCancelReturn[0].copNo == "cop2016032210052\t"
    assert b"<ceb:copNo>cop2016032210052\t</ceb:copNo>" in build(msg)
