"""B2B export declarations (9710/9810): creation from a form and from XML, the export checks, declaring
through the gateway, receipts, departure and summary, overseas warehouses, pages, and the role × tenant
matrix of the new endpoints."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.test import Client
from django.utils import timezone

from livepark.core.models import AuditLog
from livepark.crossborder import export, services
from livepark.crossborder import gateway as gateway_module
from livepark.crossborder.gateway import FolderGateway
from livepark.crossborder.models import CustomsParty
from livepark.crossborder.models_export import ExportDeclaration, ExportReceipt, OverseasWarehouse
from livepark.engines.customs import build, parse, schema_errors, verify
from livepark.engines.customs import export_messages as em
from livepark.engines.customs.export_checks import check_export, hs_code_problem

pytestmark = pytest.mark.django_db

SHARED = Path(os.environ.get("LIVEPARK_SHARED") or Path(__file__).resolve().parents[1].parent / "shared")
XSD = SHARED / "ceb" / "xsd"
SAMPLES = SHARED / "ceb" / "samples" / "export"
PLATFORM = "3301960101"
SELLER_A = "3301960102"
SELLER_C = "3301960103"
CARRIER = "3301960104"
AGENT_A = "3301960105"  # the broker acts for it
AGENT_C = "3301960106"  # no broker
D = Decimal
GUID = "4CDE1CFD-EDED-46B1-946C-B8022E42FC94"


@pytest.fixture
def xp(park):
    """Parties on record: seller A (tenant A, declared by AGENT_A, the broker's), seller C (tenant C, declared
    by AGENT_C), one platform, one carrier; seller A has an overseas warehouse."""
    admin = park.users["admin"]

    def party(code, role, enterprise=None, brokers=()):
        return services.party_register(
            actor=admin,
            data={
                "code": code,
                "name": f"{role} {code}",
                "role": role,
                "enterprise_id": enterprise.pk if enterprise else None,
                "broker_user_ids": [u.pk for u in brokers],
            },
        )

    parties = {
        "platform": party(PLATFORM, "platform"),
        "seller_a": party(SELLER_A, "seller", park.mcn_a),
        "seller_c": party(SELLER_C, "seller", park.mcn_c),
        "carrier": party(CARRIER, "carrier"),
        "agent_a": party(AGENT_A, "agent", brokers=[park.users["broker"]]),
        "agent_c": party(AGENT_C, "agent"),
    }
    parties["warehouse_a"] = export.warehouse_register(
        actor=park.users["owner_a"],
        data={
            "seller_id": parties["seller_a"].pk,
            "code": "OW-US-001",
            "name": "洛杉矶海外仓",
            "country": "502",
            "address": "Los Angeles",
        },
    )
    return parties


@pytest.fixture
def test_gateway(settings):
    """The configured gateway is a fresh `TestGateway` (customs in a box)."""
    settings.CROSSBORDER_GATEWAY = "test"
    gateway_module._gateways.clear()
    yield gateway_module.configured_gateway()
    gateway_module._gateways.clear()


def db_state() -> list:
    """What a refused call must leave untouched."""
    out = []
    for m in (CustomsParty, OverseasWarehouse, ExportDeclaration):
        out.append((m.__name__, m.objects.count(), m.objects.aggregate(x=Max("updated_at"))["x"]))
    out.append(("ExportReceipt", ExportReceipt.objects.count(), None))
    out.append(("AuditLog", AuditLog.objects.count(), None))
    return out


def form(no="EXP-1", mode="9710", *, xp, seller="seller_a", agent="agent_a", **over) -> dict:
    """A consistent export declaration as form fields (two lines, 3,500.00 RMB)."""
    data = {
        "trade_mode": mode,
        "seller_id": xp[seller].pk,
        "agent_id": xp[agent].pk,
        "warehouse_id": xp["warehouse_a"].pk if mode == "9810" else None,
        "order_no": no,
        "ebp_code": PLATFORM,
        "logistics_code": CARRIER,
        "logistics_no": f"WB-{no}",
        "freight": "120",
        "insured_fee": "10",
        "gross_weight": "35.5",
        "net_weight": "30",
        "pack_no": 3,
        "customs_code": "2921",
        "port_code": "2921",
        "ie_date": "2026-11-20",
        "statistics_flag": "A",
        "country": "502",
        "pod": "USA",
        "traf_mode": "5",
        "lines": [
            {
                "item_no": "EX-1",
                "gname": "蓝牙耳机",
                "gcode": "8518300000",
                "qty": "100",
                "unit": "007",
                "price": "20",
            },
            {
                "item_no": "EX-2",
                "gname": "充电宝",
                "gcode": "8507600090",
                "qty": "50",
                "unit": "007",
                "price": "30",
            },
        ],
    }
    data.update(over)
    return data


def now_naive() -> dt.datetime:
    return timezone.localtime().replace(tzinfo=None, microsecond=0)


def docs(no="EXP-X1", mode="9710", *, ebc=SELLER_A, agent=AGENT_A, order=None, waybill=None, inventory=None):
    """Consistent CEB303/505/603 messages of one order as XML files; `order`/`waybill`/`inventory` spoil a
    document (a function of its node)."""
    now = now_naive()
    transfer = em.BASE_TRANSFER(copCode=agent, copName="报关行", dxpMode="DXP", dxpId="DXPENT0000000001")
    lines = [
        ("EX-1", "蓝牙耳机", "8518300000", D(100), D(20)),
        ("EX-2", "充电宝", "8507600090", D(50), D(30)),
    ]
    o = em.ORDER(
        OrderHead=em.ORDER_HEAD(
            guid=GUID,
            appType="1",
            appTime=now,
            appStatus="2",
            orderType={"9710": "B", "9810": "W"}[mode],
            orderNo=no,
            ebpCode=PLATFORM,
            ebpName="平台",
            ebcCode=ebc,
            ebcName="卖家",
            goodsValue=D(3500),
            freight=D(0),
            currency="142",
        ),
        OrderList=[
            em.ORDER_LIST(
                gnum=n,
                itemNo=item,
                itemName=name,
                barCode="无",
                unit="007",
                currency="142",
                qty=qty,
                price=price,
                totalPrice=qty * price,
            )
            for n, (item, name, _g, qty, price) in enumerate(lines, start=1)
        ],
    )
    w = em.LOGISTICS(
        guid=GUID,
        appType="1",
        appTime=now,
        appStatus="2",
        logisticsCode=CARRIER,
        logisticsName="承运人",
        logisticsNo=f"WB-{no}",
        freight=D(120),
        insuredFee=D(10),
        currency="142",
        grossWeight=D("35.5"),
        packNo=3,
        goodsInfo="耳机",
        ebcCode=ebc,
    )
    i = em.INVENTORY(
        InventoryHead=em.INVENTORY_HEAD(
            guid=GUID,
            appType="1",
            appTime=now,
            appStatus="2",
            customsCode="2921",
            ebpCode=PLATFORM,
            ebpName="平台",
            orderNo=no,
            logisticsCode=CARRIER,
            logisticsName="承运人",
            logisticsNo=f"WB-{no}",
            copNo=f"COP-{no}",
            ieFlag="E",
            portCode="2921",
            ieDate=dt.date(2026, 11, 20),
            statisticsFlag="A",
            agentCode=agent,
            agentName="报关行",
            ebcCode=ebc,
            ebcName="卖家",
            ownerCode=ebc,
            ownerName="卖家",
            tradeMode=mode,
            trafMode="5",
            country="502",
            POD="USA",
            freight=D(120),
            fCurrency="142",
            fFlag="3",
            insuredFee=D(10),
            iCurrency="142",
            iFlag="3",
            wrapType="2",
            packNo=3,
            grossWeight=D("35.5"),
            netWeight=D(30),
        ),
        InventoryList=[
            em.INVENTORY_LIST(
                gnum=n,
                itemNo=item,
                itemName=name,
                gcode=gcode,
                gname=name,
                gmodel=name,
                barCode="无",
                country="502",
                currency="142",
                qty=qty,
                qty1=qty,
                unit="007",
                unit1="007",
                price=price,
                totalPrice=qty * price,
            )
            for n, (item, name, gcode, qty, price) in enumerate(lines, start=1)
        ],
    )
    o, w, i = (order or (lambda x: x))(o), (waybill or (lambda x: x))(w), (inventory or (lambda x: x))(i)
    return {
        "CEB303": build(em.CEB303(guid=GUID, Order=[o], BaseTransfer=transfer)),
        "CEB505": build(em.CEB505(guid=GUID, Logistics=[w], BaseTransfer=transfer)),
        "CEB603": build(em.CEB603(guid=GUID, Inventory=[i], BaseTransfer=transfer)),
    }


def auth(park, name):
    return {"HTTP_AUTHORIZATION": f"Bearer {park.tokens[name]}"} if name else {}


def upload(park, who, files: dict[str, bytes], **form_fields):
    parts = [
        SimpleUploadedFile(f"{n}.xml", data, content_type="application/xml") for n, data in files.items()
    ]
    return Client().post(
        "/api/v1/crossborder/exports/import", {"files": parts, **form_fields}, **auth(park, who)
    )


def _head(node, name, **changes):
    return node.replace(**{name: node[name].replace(**changes)})


def _line(node, list_name, gnum, **changes):
    lines = tuple(x.replace(**changes) if x.gnum == gnum else x for x in node[list_name])
    return node.replace(**{list_name: lines})


# ---- the engine's checks -------------------------------------------------------------------------------


def test_hs_code_rule():
    assert hs_code_problem("8518300000", "B") is None
    assert hs_code_problem("8518", "A") is None
    assert hs_code_problem("851830", "A") is None
    assert "statisticsFlag A" in hs_code_problem("8518", "B")
    assert "10 digits" in hs_code_problem("85183", "A")
    assert "digits" in hs_code_problem("85183000AB", "A")


# ---- creation from a form, the whole flow --------------------------------------------------------------


def test_form_declaration_is_sent_released_departs_and_is_summarized(api, park, xp, test_gateway):
    r = api("owner_a").post("/crossborder/exports", form(xp=xp))
    assert r.status_code == 201, r.json()
    body = r.json()
    pk = body["id"]
    assert (body["state"], body["trade_mode"], body["order_type"]) == ("received", "9710", "B")
    assert body["documents"] == ["CEB303", "CEB505", "CEB603"]
    assert D(body["goods_value"]) == D(3500) and body["value_rmb"] == "3500.00"
    obj = ExportDeclaration.objects.get(pk=pk)
    for code in ("CEB303", "CEB505", "CEB603"):
        assert schema_errors(obj.document_xml(code), XSD) == [], code

    r = api("owner_a").post(f"/crossborder/exports/{pk}/check")
    assert r.status_code == 200 and r.json()["state"] == "checked" and r.json()["discrepancies"] == []

    r = api("broker").post(f"/crossborder/exports/{pk}/send")
    assert r.status_code == 200 and r.json()["state"] == "sent"
    sent = test_gateway.sent[-3:]
    assert [parse(x).spec.code for x in sent] == ["CEB303", "CEB505", "CEB603"]
    for xml in sent:
        assert schema_errors(xml, XSD) == []
        assert verify(xml, services.signer().certificate)
    obj.refresh_from_db()
    assert parse(sent[2]).Inventory[0].InventoryHead.guid == obj.sent_guid
    assert parse(sent[0]).Order[0].OrderHead.appStatus == "2"

    states = []
    for _ in range(4):
        r = api("broker").post("/crossborder/exports/receipts/poll")
        assert r.status_code == 200
        states.append((r.json()["applied"], ExportDeclaration.objects.get(pk=pk).state))
    # Poll 1: 304, 506, 604 "2"; poll 2: 304 and 506 "120", 604 "120"; poll 3: 604 "800".
    assert states == [(3, "sent"), (3, "accepted"), (1, "released"), (0, "released")]
    detail = api("owner_a").get(f"/crossborder/exports/{pk}").json()
    assert [(x["message_type"], x["return_status"]) for x in detail["receipts"]] == [
        ("CEB304", "2"),
        ("CEB506", "2"),
        ("CEB604", "2"),
        ("CEB304", "120"),
        ("CEB506", "120"),
        ("CEB604", "120"),
        ("CEB604", "800"),
    ]
    assert detail["return_info"] == "放行" and len(detail["invt_no"]) == 18
    assert detail["invt_no"] == detail["receipts"][-1]["invt_no"]

    # Follow-up: the departure (CEB509 → 510) and the summary application (CEB701 → 702).
    r = api("owner_a").post(f"/crossborder/exports/{pk}/depart", {"voyage_no": "CA987", "bill_no": "BILL-1"})
    assert r.status_code == 200, r.json()
    departure = test_gateway.sent[-1]
    assert parse(departure).spec.code == "CEB509" and schema_errors(departure, XSD) == []
    assert parse(departure).Departure[0].DepartureList[0].logisticsNo == "WB-EXP-1"
    r = api("owner_a").post(f"/crossborder/exports/{pk}/depart")
    assert r.status_code == 409 and r.json()["code"] == "departed"
    r = api("owner_a").post("/crossborder/exports/summary", {"ids": [pk]})
    assert r.status_code == 200, r.json()
    summary = test_gateway.sent[-1]
    assert parse(summary).spec.code == "CEB701" and schema_errors(summary, XSD) == []
    assert [x.invtNo for x in parse(summary).SummaryApply[0].SummaryApplyList] == [detail["invt_no"]]
    for _ in range(2):
        api("admin").post("/crossborder/exports/receipts/poll")
    detail = api("owner_a").get(f"/crossborder/exports/{pk}").json()
    assert detail["departure_status"] == "120" and detail["departed_at"] is not None
    assert detail["summary_status"] == "120" and detail["sum_no"].startswith("S")
    assert detail["state"] == "released"


def test_form_rules_and_hs_codes(api, park, xp):
    before = db_state()
    bad = form(
        xp=xp,
        statistics_flag="B",
        gross_weight="0",
        customs_code="29A1",
        lines=[{"item_no": "EX-1", "gname": "耳机", "gcode": "8518", "qty": "1", "unit": "7", "price": "-1"}],
    )
    r = api("owner_a").post("/crossborder/exports", bad)
    assert r.status_code == 422
    assert set(r.json()["fields"]) == {
        "gross_weight",
        "customs_code",
        "lines[0].gcode",
        "lines[0].unit",
        "lines[0].price",
    }
    assert "statisticsFlag A" in r.json()["fields"]["lines[0].gcode"][0]
    assert db_state() == before
    # A 4- or 6-digit heading is allowed with the simplified declaration type A, padded in the message.
    lines = [{"item_no": "EX-1", "gname": "耳机", "gcode": "8518", "qty": "2", "unit": "007", "price": "9.5"}]
    r = api("owner_a").post("/crossborder/exports", form("EXP-HS", xp=xp, lines=lines))
    assert r.status_code == 201, r.json()
    obj = ExportDeclaration.objects.get(pk=r.json()["id"])
    assert parse(obj.document_xml("CEB603")).Inventory[0].InventoryList[0].gcode == "8518000000"
    assert schema_errors(obj.document_xml("CEB603"), XSD) == []
    assert obj.goods_value == D(19)
    # The same order again is a conflict.
    before = db_state()
    r = api("owner_a").post("/crossborder/exports", form("EXP-HS", xp=xp, lines=lines))
    assert r.status_code == 409 and r.json()["code"] == "duplicate_order"
    assert db_state() == before


def test_9810_needs_a_registered_overseas_warehouse(api, park, xp, test_gateway):
    before = db_state()
    r = api("owner_a").post("/crossborder/exports", form("W-1", "9810", xp=xp, warehouse_id=None))
    assert r.status_code == 422 and list(r.json()["fields"]) == ["warehouse_id"]
    wh_c = export.warehouse_register(
        actor=park.users["owner_c"],
        data={
            "seller_id": xp["seller_c"].pk,
            "code": "OW-C",
            "name": "C 仓",
            "country": "116",
            "address": "东京",
        },
    )
    before = db_state()
    r = api("owner_a").post("/crossborder/exports", form("W-1", "9810", xp=xp, warehouse_id=wh_c.pk))
    assert r.status_code == 422 and r.json()["fields"]["warehouse_id"] == [
        "不是该电商企业已登记的海外仓 / not a registered warehouse of the seller"
    ]
    assert db_state() == before
    r = upload(park, "owner_a", docs("W-2", "9810"))
    assert r.status_code == 422 and list(r.json()["fields"]) == ["warehouse_id"]
    assert db_state() == before

    r = api("owner_a").post("/crossborder/exports", form("W-1", "9810", xp=xp))
    assert (
        r.status_code == 201
        and r.json()["order_type"] == "W"
        and r.json()["warehouse_id"] == xp["warehouse_a"].pk
    )
    pk = r.json()["id"]
    r = upload(park, "owner_a", docs("W-2", "9810"), warehouse_id=xp["warehouse_a"].pk)
    assert r.status_code == 201 and r.json()["items"][0]["trade_mode"] == "9810"
    # A warehouse archived since is reported by the check, and such a declaration cannot be sent.
    OverseasWarehouse.objects.filter(pk=xp["warehouse_a"].pk).update(archived_at=timezone.now())
    found = api("owner_a").post(f"/crossborder/exports/{pk}/check").json()["discrepancies"]
    assert [(d["document"], d["field"], d["rule"]) for d in found] == [
        ("CEB603", "warehouse", "registration")
    ]
    before = db_state()
    r = api("owner_a").post(f"/crossborder/exports/{pk}/send")
    assert r.status_code == 409 and r.json()["code"] == "discrepancies"
    assert db_state() == before and test_gateway.sent == []


# ---- creation from XML ---------------------------------------------------------------------------------


def test_upload_builds_one_declaration_per_order(api, park, xp):
    files = docs("X-1")
    r = upload(park, "owner_a", files)
    assert r.status_code == 201, r.json()
    item = r.json()["items"][0]
    assert (item["order_no"], item["trade_mode"], item["state"]) == ("X-1", "9710", "received")
    assert item["documents"] == ["CEB303", "CEB505", "CEB603"] and item["agent_id"] == xp["agent_a"].pk
    obj = ExportDeclaration.objects.get(pk=item["id"])
    assert parse(obj.document_xml("CEB603")).Inventory[0] == parse(files["CEB603"]).Inventory[0]
    r = api("owner_a").post(f"/crossborder/exports/{obj.pk}/check")
    assert r.json()["discrepancies"] == []
    before = db_state()
    r = upload(park, "owner_a", files)
    assert r.status_code == 409 and r.json()["code"] == "duplicate_order"
    assert db_state() == before


def _bad(kind: str) -> tuple[dict[str, bytes], str]:
    files = docs("BAD-1")
    order = files["CEB303"]
    if kind == "malformed":
        return {**files, "CEB303": order[: len(order) // 2]}, "files[0](CEB303.xml)"
    if kind == "namespace":
        spoiled = order.replace(b"http://www.chinaport.gov.cn/ceb", b"http://example.com/ceb")
        return {**files, "CEB303": spoiled}, "files[0](CEB303.xml)/CEB303Message"
    if kind == "overlong":
        spoiled = order.replace(b"<ceb:orderNo>BAD-1<", b"<ceb:orderNo>" + b"9" * 61 + b"<", 1)
        assert spoiled != order
        return {**files, "CEB303": spoiled}, "files[0](CEB303.xml)/CEB303Message/Order[0]/OrderHead/orderNo"
    if kind == "order_type":  # the official sample is a retail export order (E), not B2B
        return {"CEB303": (SAMPLES / "CEB303Message.xml").read_bytes()}, (
            "files[0](CEB303.xml)/CEB303Message/Order[0]/OrderHead/orderType"
        )
    if kind == "import_message":
        sample = (SHARED / "ceb" / "samples" / "import" / "CEB311Message.xml").read_bytes()
        return {**files, "CEB303": sample}, "files[0](CEB303.xml)/CEB311Message"
    spoiled = files["CEB505"].replace(b"<ceb:logisticsNo>WB-BAD-1<", b"<ceb:logisticsNo>WB-OTHER<")
    return {**files, "CEB505": spoiled}, "files[1](CEB505.xml)/CEB505Message/Logistics[0]/logisticsNo"


@pytest.mark.parametrize(
    "kind", ["malformed", "namespace", "overlong", "order_type", "import_message", "stray"]
)
def test_bad_xml_is_refused_naming_the_element(park, xp, kind):
    files, field = _bad(kind)
    before = db_state()
    r = upload(park, "owner_a", files)
    assert r.status_code == 422
    body = r.json()
    assert field in body["fields"], body
    assert field in body["detail"]
    assert db_state() == before


# ---- planted inconsistencies, one per check ------------------------------------------------------------

PLANTED = {
    "keys": (
        {"inventory": lambda i: _head(i, "InventoryHead", ebcCode=SELLER_C)},
        [("CEB603", "ebcCode", "keys", None, [SELLER_C, SELLER_A])],
    ),
    "mode": (
        {"order": lambda o: _head(o, "OrderHead", orderType="W")},
        [("CEB303", "orderType", "mode", None, ["W", "B"])],
    ),
    "arithmetic": (
        {"order": lambda o: _head(o, "OrderHead", goodsValue=D(3600))},
        [("CEB303", "goodsValue", "arithmetic", None, ["3600", "3500"])],
    ),
    "line_arithmetic": (
        {"inventory": lambda i: _line(i, "InventoryList", 2, qty=D(49), qty1=D(49))},
        [
            ("CEB603", "InventoryList.totalPrice", "arithmetic", 2, ["1500", "1470"]),
            ("CEB603", "InventoryList.qty", "lines", 2, ["49", "50"]),
        ],
    ),
    "lines": (
        {"inventory": lambda i: _line(i, "InventoryList", 1, itemNo="EX-9")},
        [("CEB603", "InventoryList.itemNo", "lines", 1, ["EX-9", "EX-1"])],
    ),
    "waybill": (
        {"waybill": lambda w: w.replace(grossWeight=D("40"))},
        [("CEB603", "grossWeight", "waybill", None, ["35.5", "40"])],
    ),
    "hs_code": (
        {"inventory": lambda i: _line(i, "InventoryList", 1, gcode="85183000AB")},
        [("CEB603", "InventoryList.gcode", "hs_code", 1, ["85183000AB", None])],
    ),
    "registration": (
        {"inventory": lambda i: _head(i, "InventoryHead", agentCode="3301969999")},
        [("CEB603", "agentCode", "registration", None, ["3301969999", None])],
    ),
}


@pytest.mark.parametrize("kind", list(PLANTED))
def test_each_planted_inconsistency_is_reported(api, park, xp, test_gateway, kind):
    spoil, expected = PLANTED[kind]
    r = upload(park, "admin", docs(f"P-{kind}", **spoil))
    assert r.status_code == 201, r.json()
    pk = r.json()["items"][0]["id"]
    found = api("admin").post(f"/crossborder/exports/{pk}/check").json()["discrepancies"]
    got = [(d["document"], d["field"], d["rule"], d["gnum"], d["values"]) for d in found]
    assert got == [
        (doc, f, rule, g, [str(v) if v is not None else None for v in values])
        for doc, f, rule, g, values in expected
    ]
    assert all(d["order_no"] == f"P-{kind}" and d["message"] for d in found)
    before = db_state()
    r = api("admin").post(f"/crossborder/exports/{pk}/send")
    assert r.status_code == 409 and r.json()["code"] == "discrepancies"
    assert db_state() == before and test_gateway.sent == []


def test_missing_documents_are_reported():
    found = check_export("9710", None, None, parse(docs("M-1")["CEB603"]).Inventory[0])
    assert [(d.document, d.field, d.rule) for d in found] == [
        ("CEB303", "orderNo", "keys"),
        ("CEB505", "logisticsNo", "keys"),
    ]


# ---- receipts from a real customs client ---------------------------------------------------------------


def _receipt(spec, child, **fields) -> bytes:
    return build(spec(guid=GUID, **{child: [fields.pop("node")(**fields)]}))


def test_receipts_from_the_folder_gateway_move_states(api, park, xp, settings, tmp_path):
    settings.CROSSBORDER_GATEWAY = f"folder:{tmp_path}"
    gateway_module._gateways.clear()
    try:
        pks = [
            api("owner_a").post("/crossborder/exports", form(no, xp=xp)).json()["id"] for no in ("R-1", "R-2")
        ]
        for pk in pks:
            api("owner_a").post(f"/crossborder/exports/{pk}/check")
            assert api("owner_a").post(f"/crossborder/exports/{pk}/send").json()["state"] == "sent"
        assert len(list((tmp_path / "outbox").glob("*.xml"))) == 6
        r1, r2 = (ExportDeclaration.objects.get(pk=pk) for pk in pks)
        when = dt.datetime(2026, 11, 21, 10, 0, 0)
        inv_return = {
            "node": em.INVENTORY_RETURN,
            "agentCode": AGENT_A,
            "copNo": "C1",
            "preNo": "E" + "0" * 17,
            "invtNo": "292120260000000001",
            "ebcCode": SELLER_A,
            "ebpCode": PLATFORM,
            "statisticsFlag": "A",
            "returnTime": when,
        }
        # customs refuses the inventory; R-2: the carrier's waybill is refused (-1), which rejects it.
        (tmp_path / "inbox" / "a.xml").write_bytes(
            _receipt(
                em.CEB604,
                "InventoryReturn",
                **{
                    **inv_return,
                    "guid": r1.sent_guid,
                    "orderNo": "R-1",
                    "returnStatus": "100",
                    "returnInfo": "退单",
                },
            )
        )
        (tmp_path / "inbox" / "b.xml").write_bytes(
            _receipt(
                em.CEB506,
                "LogisticsReturn",
                node=em.LOGISTICS_RETURN,
                guid=GUID,
                logisticsCode=CARRIER,
                logisticsNo="WB-R-2",
                returnStatus="-1",
                returnTime=when,
                returnInfo="运单重复",
            )
        )
        (tmp_path / "inbox" / "c.xml").write_bytes(
            _receipt(
                em.CEB604,
                "InventoryReturn",
                **{
                    **inv_return,
                    "guid": GUID,
                    "orderNo": "NOPE",
                    "returnStatus": "800",
                    "returnInfo": "放行",
                },
            )
        )
        r = api("admin").post("/crossborder/exports/receipts/poll")
        assert r.json() == {"applied": 2, "duplicates": 0, "unmatched": 1, "invalid": 0}
        r1.refresh_from_db()
        r2.refresh_from_db()
        assert (r1.state, r1.return_status, r1.return_info, r1.invt_no) == ("rejected", "100", "退单", "")
        assert (r2.state, r2.return_status, r2.return_info) == ("rejected", "-1", "运单重复")
        # The same receipt again is a duplicate; a release after a rejection changes nothing (final).
        (tmp_path / "inbox" / "d.xml").write_bytes((tmp_path / "inbox" / "read" / "a.xml").read_bytes())
        (tmp_path / "inbox" / "e.xml").write_bytes(
            _receipt(
                em.CEB604,
                "InventoryReturn",
                **{
                    **inv_return,
                    "guid": r1.sent_guid,
                    "orderNo": "R-1",
                    "returnStatus": "800",
                    "returnInfo": "放行",
                    "returnTime": when + dt.timedelta(minutes=1),
                },
            )
        )
        r = api("admin").post("/crossborder/exports/receipts/poll")
        assert r.json() == {"applied": 1, "duplicates": 1, "unmatched": 0, "invalid": 0}
        r1.refresh_from_db()
        assert r1.state == "rejected"
        assert list(r1.receipts.values_list("message_type", "return_status")) == [
            ("CEB604", "100"),
            ("CEB604", "800"),
        ]
        # A rejected order may be declared again.
        assert api("owner_a").post("/crossborder/exports", form("R-1", xp=xp)).status_code == 201
    finally:
        gateway_module._gateways.clear()


def test_folder_gateway_keeps_export_messages(tmp_path):
    gw = FolderGateway(tmp_path)
    xml = docs("F-1")["CEB603"]
    assert gw.send(xml) == GUID
    assert (tmp_path / "outbox" / f"{GUID}.xml").read_bytes() == xml


# ---- warehouses ----------------------------------------------------------------------------------------


def test_warehouse_registration_rules(api, park, xp):
    base = {"seller_id": xp["seller_a"].pk, "code": "OW-2", "name": "仓", "country": "502", "address": "LA"}
    before = db_state()
    r = api("owner_a").post("/crossborder/warehouses", {**base, "country": "US", "code": ""})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"country", "code"}
    r = api("owner_a").post("/crossborder/warehouses", {**base, "code": "OW-US-001"})
    assert r.status_code == 422 and list(r.json()["fields"]) == ["code"]
    r = api("owner_b").post("/crossborder/warehouses", base)
    assert r.status_code == 422 and list(r.json()["fields"]) == ["seller_id"]
    assert api("broker").post("/crossborder/warehouses", base).status_code == 403
    assert db_state() == before
    assert api("owner_a").post("/crossborder/warehouses", base).status_code == 201
    seen = {
        "admin": 2,
        "owner_a": 2,
        "owner_c": 0,
        "broker": 2,
    }
    for who, n in seen.items():
        assert api(who).get("/crossborder/warehouses").json()["count"] == n, who
    assert api("bank").get("/crossborder/warehouses").status_code == 403


# ---- role matrix ---------------------------------------------------------------------------------------

ACTORS = [
    "anon",
    "admin",
    "owner_a",
    "staff_a",
    "owner_b",
    "owner_c",
    "anchor_a",
    "bank",
    "broker",
    "inspector",
]


@pytest.fixture
def two(park, xp):
    """Declaration A (seller A, agent with the broker) and C (seller C, agent without broker)."""
    admin = park.users["admin"]
    a = export.export_create(actor=admin, data=form("A-1", xp=xp))
    c = export.export_create(actor=admin, data=form("C-1", xp=xp, seller="seller_c", agent="agent_c"))
    return a, c


def test_matrix_list(api, park, two):
    a, c = two
    expect = {"anon": 401, "anchor_a": 403, "bank": 403, "inspector": 403}
    seen = {
        "admin": {a.pk, c.pk},
        "owner_a": {a.pk},
        "staff_a": {a.pk},
        "owner_b": set(),
        "owner_c": {c.pk},
        "broker": {a.pk},
    }
    for actor in ACTORS:
        r = api(None if actor == "anon" else actor).get("/crossborder/exports")
        assert r.status_code == expect.get(actor, 200), actor
        if r.status_code == 200:
            assert {x["id"] for x in r.json()["items"]} == seen[actor], actor
    r = api("admin").get("/crossborder/exports", trade_mode="9810")
    assert r.json()["count"] == 0
    r = api("admin").get("/crossborder/exports", q="C-")
    assert [x["id"] for x in r.json()["items"]] == [c.pk]
    r = api("admin").get("/crossborder/exports", state="received")
    assert r.json()["count"] == 2


MATRIX = [
    (
        "get A",
        "get",
        lambda a, c: f"/crossborder/exports/{a.pk}",
        {"admin": 200, "owner_a": 200, "staff_a": 200, "broker": 200, "owner_b": 404, "owner_c": 404},
    ),
    (
        "get C",
        "get",
        lambda a, c: f"/crossborder/exports/{c.pk}",
        {"admin": 200, "owner_c": 200, "owner_a": 404, "staff_a": 404, "owner_b": 404, "broker": 404},
    ),
    (
        "check C",
        "post",
        lambda a, c: f"/crossborder/exports/{c.pk}/check",
        {"admin": 200, "owner_c": 200, "owner_a": 404, "staff_a": 404, "owner_b": 404, "broker": 404},
    ),
    (
        "send A unchecked",
        "post",
        lambda a, c: f"/crossborder/exports/{a.pk}/send",
        {"admin": 409, "owner_a": 409, "staff_a": 409, "broker": 409, "owner_b": 404, "owner_c": 404},
    ),
    (
        "depart A unreleased",
        "post",
        lambda a, c: f"/crossborder/exports/{a.pk}/depart",
        {"admin": 409, "owner_a": 409, "staff_a": 409, "broker": 409, "owner_b": 404, "owner_c": 404},
    ),
    (
        "summary C",
        "post",
        lambda a, c: "/crossborder/exports/summary",
        {"admin": 422, "owner_c": 422, "owner_a": 422, "staff_a": 422, "owner_b": 422, "broker": 422},
    ),
    (
        "stats",
        "get",
        lambda a, c: "/crossborder/stats",
        {"admin": 200, "owner_a": 200, "staff_a": 200, "owner_b": 200, "owner_c": 200, "broker": 200},
    ),
]


@pytest.mark.parametrize("row", MATRIX, ids=[r[0] for r in MATRIX])
def test_matrix(api, park, two, test_gateway, row):
    name, method, url, expect = row
    a, c = two
    for actor in ACTORS:
        want = 401 if actor == "anon" else expect.get(actor, 403)
        client = api(None if actor == "anon" else actor)
        before = db_state()
        if method == "get":
            r = client.get(url(a, c))
        else:
            r = client.post(url(a, c), {"ids": [c.pk]} if name == "summary C" else None)
        assert r.status_code == want, (name, actor, r.status_code, r.content[:300])
        if want >= 400 or method == "get":
            assert db_state() == before, (name, actor)


def test_matrix_create_and_import(api, park, xp, two):
    files = docs("A-2")
    for actor, want in (("bank", 403), ("anchor_a", 403), ("inspector", 403), (None, 401)):
        before = db_state()
        assert upload(park, actor, files).status_code == want
        r = api(actor).post("/crossborder/exports", form("A-3", xp=xp))
        assert r.status_code == want
        assert db_state() == before
    # Owner B may not declare for A's seller; the broker may, for the agent it acts for, not for C's.
    before = db_state()
    r = upload(park, "owner_b", files)
    assert r.status_code == 422 and r.json()["fields"] == {
        f"A-2/{PLATFORM}/ebcCode": ["无权为该电商企业申报 / not a seller you may declare for"]
    }
    r = api("owner_b").post("/crossborder/exports", form("A-3", xp=xp))
    assert r.status_code == 422 and list(r.json()["fields"]) == ["seller_id"]
    r = api("broker").post("/crossborder/exports", form("C-3", xp=xp, seller="seller_c", agent="agent_c"))
    assert r.status_code == 422 and list(r.json()["fields"]) == ["seller_id"]
    assert upload(park, "broker", docs("C-2", ebc=SELLER_C, agent=AGENT_C)).status_code == 422
    assert db_state() == before
    assert upload(park, "broker", files).status_code == 201
    assert api("broker").post("/crossborder/exports", form("A-3", xp=xp)).status_code == 201


def test_pages(park, xp, two, test_gateway):
    a, c = two
    pages = {
        ("owner_a", "/crossborder/exports/"): 200,
        ("owner_a", f"/crossborder/exports/{a.pk}/"): 200,
        ("broker", f"/crossborder/exports/{a.pk}/"): 200,
        ("owner_b", f"/crossborder/exports/{a.pk}/"): 404,
        ("broker", f"/crossborder/exports/{c.pk}/"): 404,
        ("owner_a", f"/crossborder/exports/{c.pk}/"): 404,
        ("bank", "/crossborder/exports/"): 403,
        ("anchor_a", f"/crossborder/exports/{a.pk}/"): 403,
        ("owner_a", "/crossborder/exports/new/"): 200,
        ("bank", "/crossborder/exports/new/"): 403,
        ("owner_a", "/crossborder/warehouses/"): 200,
        ("bank", "/crossborder/warehouses/"): 403,
        ("owner_a", "/crossborder/stats/"): 200,
        ("bank", "/crossborder/stats/"): 403,
    }
    for (actor, url), want in pages.items():
        client = Client()
        client.force_login(park.users[actor])
        assert client.get(url).status_code == want, (actor, url)
    assert Client().get("/crossborder/exports/").status_code == 302

    client = Client()
    client.force_login(park.users["owner_a"])
    html = client.get("/crossborder/exports/").content.decode()
    assert "A-1" in html and "C-1" not in html
    assert 'href="/crossborder/exports/"' in html and 'href="/crossborder/stats/"' in html  # navigation
    html = client.get("/crossborder/exports/?mode=9810").content.decode()
    assert "A-1" not in html
    detail = client.get(f"/crossborder/exports/{a.pk}/").content.decode()
    assert 'data-code="CEB603"' in detail and "8518300000" in detail
    # The page actions: check, then send, then the receipts on the page.
    assert client.post(f"/crossborder/exports/{a.pk}/check/").status_code == 302
    assert client.post(f"/crossborder/exports/{a.pk}/send/").status_code == 302
    assert ExportDeclaration.objects.get(pk=a.pk).state == "sent"
    # Another tenant's action is a 404 and changes nothing.
    other = Client()
    other.force_login(park.users["owner_b"])
    before = db_state()
    assert other.post(f"/crossborder/exports/{a.pk}/check/").status_code == 404
    assert db_state() == before

    # The form page: a refused form shows the broken rules and stores nothing; a good one redirects.
    before = db_state()
    data = form("PG-1", xp=xp)
    post = {k: v for k, v in data.items() if k != "lines" and v is not None}
    r = client.post("/crossborder/exports/new/", {**post, "kind": "form", "lines": "EX-1,耳机,85183,1,007,5"})
    assert r.status_code == 422 and "lines[0].gcode" in r.content.decode()
    assert db_state() == before
    r = client.post(
        "/crossborder/exports/new/", {**post, "kind": "form", "lines": "EX-1,耳机,8518300000,2,007,5"}
    )
    assert r.status_code == 302
    made = ExportDeclaration.objects.get(order_no="PG-1")
    assert r["Location"] == f"/crossborder/exports/{made.pk}/" and made.goods_value == D(10)
    parts = [SimpleUploadedFile(f"{n}.xml", x) for n, x in docs("PG-2").items()]
    r = client.post("/crossborder/exports/new/", {"kind": "upload", "files": parts})
    assert r.status_code == 302 and ExportDeclaration.objects.filter(order_no="PG-2").count() == 1
    r = client.post(
        "/crossborder/warehouses/",
        {"seller_id": xp["seller_a"].pk, "code": "OW-9", "name": "仓", "country": "5", "address": "x"},
    )
    assert r.status_code == 422 and "country" in r.content.decode()


def test_test_gateway_answers_export_messages_like_customs():
    """Customs in a box checks the inventory against the order and waybill it was sent; every receipt it
    writes is a valid CEB message."""
    from livepark.crossborder.gateway import TestGateway

    gw = TestGateway()
    signer = services.signer()
    spoiled = docs("G-1", inventory=lambda i: _head(i, "InventoryHead", grossWeight=D(40)))
    good = docs("G-2")
    for files in (spoiled, good):
        for code in ("CEB303", "CEB505", "CEB603"):
            gw.send(build(parse(files[code]), signer=signer))
    seen: dict[str, list[tuple[str, str]]] = {}
    for _ in range(4):
        for xml in gw.receipts():
            assert schema_errors(xml, XSD) == []
            message = parse(xml)
            child = {"CEB304": "OrderReturn", "CEB506": "LogisticsReturn", "CEB604": "InventoryReturn"}
            for ret in message[child[message.spec.code]]:
                key = ret.get("orderNo") or ret.get("logisticsNo")
                seen.setdefault(f"{message.spec.code} {key}", []).append((ret.returnStatus, ret.returnInfo))
    assert [s for s, _ in seen["CEB604 G-1"]] == ["2", "100"]
    assert "CEB603.grossWeight" in seen["CEB604 G-1"][1][1]
    assert [s for s, _ in seen["CEB604 G-2"]] == ["2", "120", "800"]
    assert [s for s, _ in seen["CEB304 G-1"]] == ["2", "120"]
    assert [s for s, _ in seen["CEB506 WB-G-2"]] == ["2", "120"]
    assert gw.receipts() == []
