"""``customs validate | check | tax``: exit codes and JSON reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from livepark.engines.customs.cli import XSD_ENV, main

from .matching_support import BUYER_ID, MILK, PLATFORM, Docs, consistent, xml_files
from .support import SAMPLES_DIR

D = Decimal
SAMPLE = SAMPLES_DIR / "import"


def run(capsys: pytest.CaptureFixture[str], *argv: Any, **kw: Any) -> tuple[int, Any]:
    code = main([str(a) for a in argv], **kw)
    out = capsys.readouterr().out
    try:
        return code, json.loads(out)
    except json.JSONDecodeError:
        return code, out


def write(tmp_path: Path, batch: list[Docs], *codes: str) -> list[Path]:
    files = xml_files(batch)
    paths = []
    for code in codes or tuple(files):
        path = tmp_path / f"{code}.xml"
        path.write_bytes(files[code])
        paths.append(path)
    return paths


# ---- validate --------------------------------------------------------------------------------------------


def test_validate_valid_sample(capsys: pytest.CaptureFixture[str], xsd_dir: Path) -> None:
    code, report = run(capsys, "validate", "--xsd-dir", xsd_dir, SAMPLE / "CEB411Message.xml")
    assert code == 0
    assert report["ok"] is True
    assert report["files"] == [
        {
            "file": str(SAMPLE / "CEB411Message.xml"),
            "message": "CEB411Message",
            "schema_errors": [],
            "problems": [],
            "discrepancies": [],
            "ok": True,
        }
    ]


def test_validate_reports_in_message_arithmetic(capsys: pytest.CaptureFixture[str], xsd_dir: Path) -> None:
    path = SAMPLE / "CEB311Message.xml"
    code, report = run(capsys, "validate", "--xsd-dir", xsd_dir, path)
    assert code == 1
    [entry] = report["files"]
    assert entry["schema_errors"] == [] and entry["problems"] == []
    assert {(d["field"], tuple(d["values"]), d["rule"]) for d in entry["discrepancies"]} == {
        ("OrderList.totalPrice", ("12000", "2000"), "arithmetic")
    }
    # The sample is schema-valid: --schema-only passes it.
    code, report = run(capsys, "validate", "--schema-only", "--xsd-dir", xsd_dir, path)
    assert code == 0 and report["files"][0] == {
        "file": str(path),
        "message": "CEB311Message",
        "schema_errors": [],
        "ok": True,
    }


def test_validate_schema_and_codec_problems(
    capsys: pytest.CaptureFixture[str], xsd_dir: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.xml"
    xml = (
        (SAMPLE / "CEB411Message.xml").read_bytes().replace(b"<ceb:amountPaid>19050", b"<ceb:amountPaid>x", 1)
    )
    bad.write_bytes(xml)
    code, report = run(capsys, "validate", "--xsd-dir", xsd_dir, bad, SAMPLE / "CEB511Message.xml")
    assert code == 1
    first, second = report["files"]
    assert len(first["schema_errors"]) == 1 and "amountPaid" in first["schema_errors"][0]
    assert [(p["rule"], p["path"]) for p in first["problems"]] == [
        ("type", "CEB411Message/Payment[0]/PaymentHead/amountPaid")
    ]
    assert not first["ok"] and second["ok"]


def test_validate_finds_the_schema_folder(
    capsys: pytest.CaptureFixture[str], xsd_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = SAMPLE / "CEB411Message.xml"
    monkeypatch.delenv(XSD_ENV, raising=False)
    assert main(["validate", str(sample)]) == 2
    assert "no schema folder" in capsys.readouterr().err
    assert run(capsys, "validate", sample, xsd_dir=xsd_dir)[0] == 0  # the default the caller passes
    monkeypatch.setenv(XSD_ENV, str(xsd_dir))
    assert run(capsys, "validate", sample, xsd_dir="/nonexistent")[0] == 0  # the environment comes first
    assert main(["validate", "--xsd-dir", "/nonexistent", str(sample)]) == 2
    assert main(["validate", "/nonexistent.xml"]) == 2
    capsys.readouterr()


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["nonsense"]) == 2
    assert main(["check"]) == 2
    assert main(["tax", str(SAMPLE / "CEB311Message.xml")]) == 2  # --rates is required
    assert main(["check", "--tolerance", "-1", "x.xml"]) == 2
    assert main(["--help"]) == 0
    capsys.readouterr()


# ---- check -----------------------------------------------------------------------------------------------


def test_check_consistent_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    batch = [consistent("ORD-1"), consistent("ORD-2")]
    code, report = run(capsys, "check", *write(tmp_path, batch))
    assert code == 0
    assert report["ok"] is True and report["sets"] == 2 and report["discrepancies"] == []
    assert [f["message"] for f in report["files"]] == [
        "CEB311Message",
        "CEB411Message",
        "CEB511Message",
        "CEB621Message",
    ]


def test_check_reports_every_discrepancy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = consistent()
    planted = base._replace(payment=dataclasses.replace(base.payment, amountPaid=D("1.00"), payerName="王五"))
    code, report = run(capsys, "check", *write(tmp_path, [planted]))
    assert code == 1
    assert report["summary"] == {"money": 1, "buyer_payer": 1}
    assert report["discrepancies"][0] == {
        "document": "CEB411",
        "field": "amountPaid",
        "values": ["1.00", "387.40"],
        "rule": "money",
        "order_no": "ORD-1",
        "ebp_code": PLATFORM,
        "gnum": None,
        "message": "CEB411 amountPaid differs from the order's acturalPaid",
    }
    code, report = run(capsys, "check", "--verified-platform", PLATFORM, *write(tmp_path, [planted]))
    assert code == 1 and report["summary"] == {"money": 1}
    # Without the inventory every order lacks one, unless the inventory is not required.
    paths = write(tmp_path, [base], "CEB311", "CEB411", "CEB511")
    assert run(capsys, "check", *paths)[1]["summary"] == {"keys": 1}
    assert run(capsys, "check", "--require", "CEB311,CEB411,CEB511", *paths)[0] == 0


def test_check_with_registry(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    paths = write(tmp_path, [consistent()])
    registry = tmp_path / "registry.json"
    registry.write_text(
        json.dumps({"platforms": ["0000000000"], "positive_list": {MILK: ""}}), encoding="utf-8"
    )
    code, report = run(capsys, "check", "--registry", registry, *paths)
    assert code == 1 and report["registry"] is True
    assert [(d["document"], d["field"], d["rule"]) for d in report["discrepancies"]] == [
        ("CEB311", "ebpCode", "registration"),
        ("CEB621", "InventoryList.gcode", "positive_list"),
    ]
    registry.write_text(json.dumps({"platforms": [PLATFORM]}), encoding="utf-8")
    assert run(capsys, "check", "--registry", registry, *paths)[0] == 0
    registry.write_text('{"platfroms": []}', encoding="utf-8")
    assert main(["check", "--registry", str(registry), *map(str, paths)]) == 2
    assert "unknown registry key" in capsys.readouterr().err


def test_check_official_samples_and_other_messages(capsys: pytest.CaptureFixture[str]) -> None:
    files = [SAMPLE / f"CEB{c}Message.xml" for c in (311, 411, 511, 621, 312)]
    code, report = run(capsys, "check", *files)
    assert code == 1
    assert report["files"][-1]["problems"][0]["rule"] == "message"
    assert {"keys", "arithmetic", "consignee", "uniqueness"} <= set(report["summary"])


# ---- tax -------------------------------------------------------------------------------------------------

RATES_CSV = "gcode,tariff,vat,consumption\n1901101000,0.15,0.13,0\n3304990099,0.05,0.13,0.15\n"


def _order(no: str, price: str, day: int) -> Docs:
    return consistent(
        no,
        lines=(("SKU-1", "奶粉", D(1), D(price), MILK),),
        freight=D(0),
        discount=D(0),
        tax_total=D(0),
        insured=D(0),
        app_time=dt.datetime(2024, 3, day, 10),
    )


def test_tax_in_app_time_order_with_the_yearly_limit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text(RATES_CSV, encoding="utf-8")
    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps({"year_totals": {BUYER_ID: {"2024": "20000"}}}), encoding="utf-8")
    # The file lists the orders newest first; the yearly limit must see them in appTime order.
    batch = [_order("C", "1000", 3), _order("B", "3000", 2), _order("A", "4000", 1)]
    paths = write(tmp_path, batch, "CEB311", "CEB621")
    code, report = run(capsys, "tax", *paths, "--rates", rates, "--registry", registry, "--json")
    assert code == 0 and report["problems"] == []
    keys = ("order_no", "mode", "taxable_price", "customs_tax", "consumption_tax", "vat", "tax_total")
    assert [tuple(o[k] for k in keys) for o in report["orders"]] == [
        ("A", "cross_border", "4000.00", "0.00", "0.00", "364.00", "364.00"),
        ("B", "general_trade", "3000.00", "450.00", "0.00", "448.50", "898.50"),
        ("C", "cross_border", "1000.00", "0.00", "0.00", "91.00", "91.00"),
    ]
    assert report["totals"]["tax_total"] == "1353.50"
    # Text output.
    code, text = run(capsys, "tax", *paths, "--rates", rates, "--registry", registry)
    assert code == 0 and "general_trade" in text and text.splitlines()[-1].split()[-1] == "1353.50"


def test_tax_problems(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("gcode,tariff,vat,consumption\n3304990099,0.05,0.13,0.15\n", encoding="utf-8")
    paths = write(tmp_path, [_order("A", "100", 1)], "CEB311", "CEB621")
    code, report = run(capsys, "tax", *paths, "--rates", rates, "--json")
    assert code == 1
    assert report["problems"] == [{"order_no": "A", "message": "gcode '1901101000' is not in the rate table"}]
    # Only the order: no gcode unless a goods map gives one per itemNo.
    rates.write_text(RATES_CSV, encoding="utf-8")
    code, report = run(capsys, "tax", paths[0], "--rates", rates, "--json")
    assert code == 1 and "no gcode for line(s) [1]" in report["problems"][0]["message"]
    goods = tmp_path / "goods.csv"
    goods.write_text("itemNo,gcode\nSKU-1,1901101000\n", encoding="utf-8")
    code, report = run(capsys, "tax", paths[0], "--rates", rates, "--goods", goods, "--json")
    assert code == 0 and report["orders"][0]["vat"] == "9.10"
    # An unusable rate table is a usage error.
    rates.write_text("gcode,tariff\n", encoding="utf-8")
    assert main(["tax", str(paths[0]), "--rates", str(rates)]) == 2
    assert "missing column(s) vat, consumption" in capsys.readouterr().err


def test_tax_of_the_official_sample(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text(RATES_CSV, encoding="utf-8")
    code, report = run(capsys, "tax", SAMPLE / "CEB311Message.xml", "--rates", rates, "--json")
    # The sample's six copies of one order are reported, and its lines carry no gcode.
    assert code == 1
    assert report["problems"][0]["message"] == "order given 6 times; taxed once"
