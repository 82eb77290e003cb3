"""The codec's own rule enforcement, on build and on parse: every problem, with its path and rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from livepark.engines.customs import CebValidationError, Node, Problem, build, check, parse, schema_errors
from livepark.engines.customs import export_messages as ex
from livepark.engines.customs import import_messages as im

from .support import SAMPLES_DIR

GUID = "4CDE1CFD-EDED-46B1-946C-B8022E42FC94"
HEAD = "CEB311Message/Order[0]/OrderHead"
LINE = "CEB311Message/Order[0]/OrderList[0]"


def order_message(head: dict[str, Any] | None = None, line: dict[str, Any] | None = None) -> Node:
    """A valid CEB311 built from scratch, with optional changes to the head and the single line."""
    order_head = im.ORDER_HEAD(
        guid=GUID,
        appType="1",
        appTime=dt.datetime(2024, 5, 1, 10, 30),
        appStatus="2",
        orderType="I",
        orderNo="LP-0001",
        ebpCode="3301960001",
        ebpName="直播基地平台",
        ebcCode="3301960002",
        ebcName="跨境电商企业",
        goodsValue=Decimal("199.00"),
        freight=Decimal("0"),
        discount=Decimal("0"),
        taxTotal=Decimal("18.11"),
        acturalPaid=Decimal("217.11"),
        buyerRegNo="u-1",
        buyerName="张三",
        buyerTelephone="13800000000",
        buyerIdType="1",
        buyerIdNumber="110101199003074514",
        consignee="张三",
        consigneeTelephone="13800000000",
        consigneeAddress="浙江省杭州市",
    ).replace(**(head or {}))
    order_line = im.ORDER_LIST(
        gnum=1,
        itemName="面霜",
        gmodel="50ml",
        unit="007",
        qty=Decimal("1"),
        price=Decimal("199.00"),
        totalPrice=Decimal("199.00"),
        country="116",
    ).replace(**(line or {}))
    transfer = im.BASE_TRANSFER(
        copCode="3301960001", copName="直播基地平台", dxpMode="DXP", dxpId="DXPENT0000000001"
    )
    return im.CEB311(
        guid=GUID, Order=[im.ORDER(OrderHead=order_head, OrderList=[order_line])], BaseTransfer=transfer
    )


def problems_of(record: Node) -> list[str]:
    with pytest.raises(CebValidationError) as info:
        build(record)
    return [str(p) for p in info.value.problems]


def parse_problems(xml: bytes) -> list[str]:
    with pytest.raises(CebValidationError) as info:
        parse(xml)
    return [str(p) for p in info.value.problems]


# ---- building -------------------------------------------------------------------------------------------


def test_built_from_scratch(xsd_dir: Path) -> None:
    msg = order_message()
    assert msg.version == "1.0"  # pre-filled
    assert msg.Order[0].OrderHead.currency == "142"  # fixed in the import XSD, pre-filled
    xml = build(msg)
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<ceb:CEB311Message xmlns:ceb=')
    assert b"<ceb:appTime>20240501103000</ceb:appTime>" in xml
    assert b"<ceb:goodsValue>199.00</ceb:goodsValue>" in xml
    assert b"payCode" not in xml  # absent optional fields are left out
    assert schema_errors(xml, xsd_dir) == []
    assert parse(xml) == msg
    assert check(msg) == []


def test_too_long_field() -> None:
    assert problems_of(order_message({"orderNo": "N" * 61})) == [
        f"{HEAD}/orderNo: maxLength: must be at most 60 characters, got 61"
    ]


def test_exact_and_minimum_lengths() -> None:
    assert problems_of(order_message({"guid": GUID[:-1], "consigneeDistrict": "33010", "ebpName": ""})) == [
        f"{HEAD}/guid: length: must be exactly 36 characters, got 35",
        f"{HEAD}/ebpName: minLength: must be at least 1 characters, got 0",
        f"{HEAD}/consigneeDistrict: length: must be exactly 6 characters, got 5",
    ]


def test_lengths_count_characters_not_bytes() -> None:
    # 60 CJK characters are 180 UTF-8 bytes and still fit C..60.
    assert check(order_message({"orderNo": "单" * 60})) == []


def test_missing_required_fields_and_nodes() -> None:
    msg = order_message({"orderNo": None, "buyerName": None}, {"qty": None}).replace(BaseTransfer=None)
    assert problems_of(msg) == [
        f"{HEAD}/orderNo: required: missing",
        f"{HEAD}/buyerName: required: missing",
        f"{LINE}/qty: required: missing",
        "CEB311Message/BaseTransfer: required: missing",
    ]


def test_bad_decimals() -> None:
    msg = order_message(
        {
            "goodsValue": 199.0,
            "freight": Decimal("0.123456"),
            "discount": Decimal("NaN"),
            "taxTotal": Decimal("12345678901234567890"),
            "acturalPaid": Decimal("12345678901234.123456"),
        }
    )
    assert problems_of(msg) == [
        f"{HEAD}/goodsValue: type: expected Decimal, got float",
        f"{HEAD}/freight: fractionDigits: at most 5 decimal places, got 6",
        f"{HEAD}/discount: type: must be a finite number, got NaN",
        f"{HEAD}/taxTotal: totalDigits: at most 19 digits, got 20",
        f"{HEAD}/acturalPaid: totalDigits: at most 19 digits, got 20",
        f"{HEAD}/acturalPaid: fractionDigits: at most 5 decimal places, got 6",
    ]


def test_decimal_rules_count_the_value_not_the_notation(xsd_dir: Path) -> None:
    # As in XSD, trailing zeros do not count against fractionDigits, and notation is never exponential.
    msg = order_message({"goodsValue": Decimal("199.0000000"), "freight": Decimal("1E+3"), "discount": 0})
    xml = build(msg)
    assert b"<ceb:goodsValue>199.0000000</ceb:goodsValue>" in xml
    assert b"<ceb:freight>1000</ceb:freight>" in xml
    assert b"<ceb:discount>0</ceb:discount>" in xml
    assert schema_errors(xml, xsd_dir) == []
    assert parse(xml) == msg  # Decimal("1E+3") == Decimal("1000")


def test_fixed_value() -> None:
    assert problems_of(order_message({"currency": "156"}, {"currency": "142 "})) == [
        f"{HEAD}/currency: fixed: must be '142', got '156'",
        f"{LINE}/currency: length: must be exactly 3 characters, got 4",
        f"{LINE}/currency: fixed: must be '142', got '142 '",
    ]


def test_ints() -> None:
    assert problems_of(order_message(line={"gnum": True})) == [f"{LINE}/gnum: type: expected int, got bool"]
    assert problems_of(order_message(line={"gnum": 2**31})) == [
        f"{LINE}/gnum: range: must be between -2147483648 and 2147483647, got 2147483648"
    ]
    logistics = ex.LOGISTICS(packNo=10**9)
    assert [str(p) for p in check(logistics) if p.path.endswith("packNo")] == [
        "Logistics/packNo: totalDigits: at most 9 digits, got 10"
    ]


def test_dates() -> None:
    aware = dt.datetime(2024, 5, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert problems_of(order_message({"appTime": dt.datetime(2024, 5, 1, 10, 30, 0, 500)})) == [
        f"{HEAD}/appTime: precision: YYYYMMDDhhmmss has whole seconds, got microsecond=500"
    ]
    assert problems_of(order_message({"appTime": aware})) == [
        f"{HEAD}/appTime: timezone: must be a naive datetime in China local time"
    ]
    assert problems_of(order_message({"appTime": "20240501103000"})) == [
        f"{HEAD}/appTime: type: expected datetime, got str"
    ]
    inventory = im.INVENTORY_HEAD(declTime=dt.datetime(2024, 5, 1))
    assert [str(p) for p in check(inventory) if "declTime" in p.path] == [
        "InventoryHead/declTime: type: expected date, got datetime"
    ]


def test_characters_xml_cannot_carry() -> None:
    assert problems_of(order_message({"note": "a\x00b"})) == [
        f"{HEAD}/note: char: character U+0000 cannot appear in XML"
    ]


def test_occurrences() -> None:
    msg = order_message()
    order = msg.Order[0]
    assert problems_of(msg.replace(Order=[order.replace(OrderList=[])])) == [
        "CEB311Message/Order[0]/OrderList: minOccurs: at least 1 required, got 0"
    ]
    assert problems_of(msg.replace(Order=[order] * 101)) == [
        "CEB311Message/Order: maxOccurs: at most 100 allowed, got 101"
    ]
    assert problems_of(msg.replace(Order=[])) == [
        "CEB311Message/Order: minOccurs: at least 1 required, got 0"
    ]


def test_records_of_the_other_flow_are_rejected() -> None:
    msg = order_message()
    wrong = msg.Order[0].replace(OrderHead=ex.ORDER_HEAD())
    assert problems_of(msg.replace(Order=[wrong])) == [
        f"{HEAD}: type: expected a OrderHead record of this message family, got OrderHead"
    ]
    assert problems_of(msg.replace(BaseTransfer="DXP")) == [
        "CEB311Message/BaseTransfer: type: expected a BaseTransfer record of this message family, got str"
    ]


def test_every_problem_is_reported_at_once() -> None:
    msg = order_message({"orderNo": "N" * 61, "freight": 1.5, "buyerName": None}, {"unit": "7"})
    with pytest.raises(CebValidationError) as info:
        build(msg)
    assert info.value.problems == (
        Problem(f"{HEAD}/orderNo", "maxLength", "must be at most 60 characters, got 61"),
        Problem(f"{HEAD}/freight", "type", "expected Decimal, got float"),
        Problem(f"{HEAD}/buyerName", "required", "missing"),
        Problem(f"{LINE}/unit", "length", "must be exactly 3 characters, got 1"),
    )
    assert str(info.value) == (
        "4 problems in CEB message:\n"
        f"  {HEAD}/orderNo: maxLength: must be at most 60 characters, got 61\n"
        f"  {HEAD}/freight: type: expected Decimal, got float\n"
        f"  {HEAD}/buyerName: required: missing\n"
        f"  {LINE}/unit: length: must be exactly 3 characters, got 1"
    )
    assert isinstance(info.value, ValueError)


def test_build_takes_whole_messages_only() -> None:
    with pytest.raises(TypeError, match="build\\(\\) takes a message record"):
        build(order_message().Order[0])


def test_records_are_immutable_and_strict() -> None:
    msg = order_message()
    with pytest.raises(AttributeError, match="immutable"):
        msg.guid = "x"  # type: ignore[misc]
    with pytest.raises(TypeError, match="OrderHead has no member 'orderNumber'"):
        im.ORDER_HEAD(orderNumber="1")
    with pytest.raises(AttributeError, match="OrderHead has no member 'orderNumber'"):
        _ = msg.Order[0].OrderHead.orderNumber
    assert msg.Order[0].OrderHead.replace(orderNo="X").orderNo == "X"
    assert msg.Order[0].OrderHead.orderNo == "LP-0001"
    assert hash(msg) == hash(order_message())
    assert msg.as_dict()["Order"][0]["OrderList"][0]["gnum"] == 1
    assert repr(im.DELIVERY_LIST(gnum=1, logisticsNo="L1")) == "DeliveryList(gnum=1, logisticsNo='L1')"


def test_export_defaults_prefill_new_records() -> None:
    head = ex.ORDER_HEAD()
    assert (head.appStatus, head.freight, head.currency) == ("2", Decimal("0"), None)


# ---- parsing --------------------------------------------------------------------------------------------

SAMPLE_311 = (SAMPLES_DIR / "import" / "CEB311Message.xml").read_bytes()
FIRST_HEAD = "CEB311Message/Order[0]/OrderHead"


def edit(xml: bytes, old: bytes, new: bytes) -> bytes:
    assert old in xml
    return xml.replace(old, new, 1)


def test_parse_rejects_too_long_text() -> None:
    xml = edit(SAMPLE_311, b"order20160321116421002<", b"X" * 61 + b"<")
    assert parse_problems(xml) == [f"{FIRST_HEAD}/orderNo: maxLength: must be at most 60 characters, got 61"]


def test_parse_rejects_bad_numbers_and_dates_once() -> None:
    xml = edit(SAMPLE_311, b"<ceb:qty>100</ceb:qty>", b"<ceb:qty>1e5</ceb:qty>")
    xml = edit(xml, b"<ceb:gnum>1</ceb:gnum>", b"<ceb:gnum>1.0</ceb:gnum>")
    xml = edit(
        xml, b"<ceb:appTime>20160308112701</ceb:appTime>", b"<ceb:appTime>20160230112701</ceb:appTime>"
    )
    xml = edit(xml, b"<ceb:freight>5000</ceb:freight>", b"<ceb:freight>5000.123456</ceb:freight>")
    assert parse_problems(xml) == [
        f"{FIRST_HEAD}/appTime: format: '20160230112701' is not a valid YYYYMMDDhhmmss value "
        "(day is out of range for month)",
        f"{FIRST_HEAD}/freight: fractionDigits: at most 5 decimal places, got 6",
        "CEB311Message/Order[0]/OrderList[0]/gnum: type: '1.0' is not an integer",
        "CEB311Message/Order[0]/OrderList[0]/qty: type: '1e5' is not a decimal number",
    ]


def test_parse_reports_missing_unknown_and_misplaced_elements() -> None:
    xml = edit(SAMPLE_311, b"<ceb:orderNo>order20160321116421002</ceb:orderNo>", b"")
    xml = edit(xml, b"<ceb:note>test</ceb:note>", b"<ceb:note>test</ceb:note><ceb:remark>x</ceb:remark>")
    xml = edit(
        xml,
        b"<ceb:gnum>1</ceb:gnum>\n\t\t\t<ceb:itemNo>AF001-001</ceb:itemNo>",
        b"<ceb:itemNo>AF001-001</ceb:itemNo><ceb:gnum>1</ceb:gnum>",
    )
    assert parse_problems(xml) == [
        f"{FIRST_HEAD}/remark: unexpected: element {{http://www.chinaport.gov.cn/ceb}}remark is not allowed in "
        "OrderHead",
        f"{FIRST_HEAD}/orderNo: required: missing",
        "CEB311Message/Order[0]/OrderList[0]/gnum: order: must come before itemNo",
        "CEB311Message/Order[0]/OrderList[0]/gnum: required: missing",
    ]


def test_parse_rejects_duplicates_text_and_attributes() -> None:
    xml = edit(
        SAMPLE_311,
        b"<ceb:appType>1</ceb:appType>",
        b"<ceb:appType>1</ceb:appType><ceb:appType>1</ceb:appType>",
    )
    xml = edit(xml, b"<ceb:appStatus>2</ceb:appStatus>", b'<ceb:appStatus kind="x">2</ceb:appStatus>')
    xml = edit(xml, b"<ceb:OrderHead>", b"<ceb:OrderHead>stray")
    xml = edit(xml, b"<ceb:ebpName>", b"<ceb:ebpName><ceb:b>1</ceb:b>")
    assert parse_problems(xml) == [
        f"{FIRST_HEAD}: content: OrderHead holds elements only, not text",
        f"{FIRST_HEAD}/appType: maxOccurs: must occur at most once",
        f"{FIRST_HEAD}/appStatus/@kind: unexpected: attribute not allowed",
        f"{FIRST_HEAD}/ebpName: content: must hold text only, not elements",
    ]


def test_parse_rejects_what_is_not_a_ceb_message() -> None:
    with pytest.raises(CebValidationError) as info:
        parse(b"<CEB311Message><Order></CEB311Message>")
    [problem] = info.value.problems
    assert (problem.path, problem.rule) == ("", "xml")
    assert problem.message.startswith("not well-formed: Opening and ending tag mismatch: Order line 1 and")
    assert parse_problems(b'<CEB999Message xmlns="http://www.chinaport.gov.cn/ceb"/>') == [
        "CEB999Message: message: unknown CEB message root {http://www.chinaport.gov.cn/ceb}CEB999Message"
    ]
    assert parse_problems(b"<CEB311Message/>") == [
        "CEB311Message: message: unknown CEB message root CEB311Message"
    ]
    doctype = b'<!DOCTYPE x [<!ENTITY e "boom">]><CEB311Message xmlns="http://www.chinaport.gov.cn/ceb"/>'
    assert parse_problems(doctype) == [": xml: DOCTYPE is not allowed"]
    with pytest.raises(TypeError, match="bytes"):
        parse(SAMPLE_311.decode())  # type: ignore[arg-type]


def test_parse_applies_xsd_defaults_and_fixed_values_to_empty_elements() -> None:
    export = (SAMPLES_DIR / "export" / "CEB303Message.xml").read_bytes()
    export = edit(export, b"<ceb:appStatus>2</ceb:appStatus>", b"<ceb:appStatus></ceb:appStatus>")
    export = edit(export, b"<ceb:freight>0</ceb:freight>", b"<ceb:freight/>")
    head = parse(export).Order[0].OrderHead
    assert (head.appStatus, head.freight) == ("2", Decimal("0"))
    imported = edit(SAMPLE_311, b"<ceb:currency>142</ceb:currency>", b"<ceb:currency/>")
    assert parse(imported).Order[0].OrderHead.currency == "142"


def test_parse_collapses_whitespace_in_numbers_only() -> None:
    xml = edit(SAMPLE_311, b"<ceb:qty>100</ceb:qty>", b"<ceb:qty>\n 100 </ceb:qty>")
    xml = edit(xml, b"<ceb:itemNo>AF001-001</ceb:itemNo>", b"<ceb:itemNo> AF001-001</ceb:itemNo>")
    line = parse(xml).Order[0].OrderList[0]
    assert (line.qty, line.itemNo) == (Decimal("100"), " AF001-001")


def test_parse_ignores_comments_and_xsi_attributes() -> None:
    xml = edit(SAMPLE_311, b"<ceb:Order>", b'<!-- note --><ceb:Order xsi:type="x">')
    xml = edit(xml, b"<ceb:orderType>I</ceb:orderType>", b"<ceb:orderType>I<!-- c --></ceb:orderType>")
    assert parse(xml) == parse(SAMPLE_311)
