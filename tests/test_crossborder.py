"""Cross-border platform: registrations, XML import, three-document matching, declaring through a gateway,
receipts, the buyer's quota, pages, and the role × tenant matrix of the new endpoints."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.test import Client

from livepark.core.models import AuditLog
from livepark.crossborder import gateway as gateway_module
from livepark.crossborder import services, taxation
from livepark.crossborder.gateway import FolderGateway
from livepark.crossborder.models import CustomsParty, DeclarationSet, GoodsRegistration, Receipt
from livepark.engines.customs import build, parse, schema_errors, verify
from livepark.engines.customs import import_messages as im
from livepark.engines.customs.matching import declaration_sets
from livepark.engines.customs.tests.matching_support import (
    AGENT,
    CARRIER,
    COSMETICS,
    GUARANTOR,
    MILK,
    PAYER,
    PLATFORM,
    SELLER,
    consistent,
    xml_files,
)
from tests.factories import make_ric, make_uscc

pytestmark = pytest.mark.django_db

SHARED = Path(os.environ.get("LIVEPARK_SHARED") or Path(__file__).resolve().parents[1].parent / "shared")
SAMPLES = SHARED / "ceb" / "samples" / "import"
XSD = SHARED / "ceb" / "xsd"
BUYER = make_ric(7)
SELLER_C = "3301960009"
AGENT_C = "3301960010"
D = Decimal


def now_local() -> dt.datetime:
    """A naive Shanghai time an hour ago (appTime), so the order falls in this year's quota."""
    from django.utils import timezone

    return timezone.localtime().replace(tzinfo=None, microsecond=0) - dt.timedelta(hours=1)


@pytest.fixture
def cb(park):
    """Parties and goods on record: A sells through platform PLATFORM, declared by AGENT (the broker's); C
    is another seller declared by AGENT_C (no broker)."""
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
        "seller": party(SELLER, "seller", park.mcn_a),
        "payer": party(PAYER, "payer"),
        "carrier": party(CARRIER, "carrier"),
        "agent": party(AGENT, "agent", brokers=[park.users["broker"]]),
        "guarantor": party(GUARANTOR, "guarantor"),
        "seller_c": party(SELLER_C, "seller", park.mcn_c),
        "agent_c": party(AGENT_C, "agent"),
    }
    for seller in (parties["seller"], parties["seller_c"]):
        for item, name, gcode in (("SKU-1", "面霜", COSMETICS), ("SKU-2", "奶粉", MILK)):
            services.goods_register(
                actor=admin,
                data={
                    "seller_id": seller.pk,
                    "item_no": item,
                    "gname": name,
                    "gcode": gcode,
                    "positive_note": "",
                    "item_record_no": f"REC-{item}",
                    "ems_no": "E1234",
                },
            )
    # Sending needs the tax step, which needs the rates of these goods (cosmetics c = 15%, milk powder).
    taxation.rate_table_load(
        actor=admin,
        data=f"gcode,tariff,vat,consumption\n{COSMETICS},0.05,0.13,0.15\n{MILK},0.15,0.13,0\n".encode(),
        file_name="rates.csv",
        name="2026",
        effective_from="2000-01-01",
    )
    return parties


@pytest.fixture
def test_gateway(settings):
    """The configured gateway is a fresh `TestGateway` (customs in a box)."""
    settings.CROSSBORDER_GATEWAY = "test"
    gateway_module._gateways.clear()
    yield gateway_module.configured_gateway()
    gateway_module._gateways.clear()


def docs_1210(no="ORD-1", *, ebc=SELLER, agent=AGENT, **kw):
    """A consistent 1210 set (order, payment, waybill, inventory) as the codec's documents."""
    docs = consistent(no, buyer_id=BUYER, app_time=now_local(), trade_mode="1210", ebc=ebc, **kw)
    return docs._replace(
        inventory=docs.inventory.__class__(**{**_fields(docs.inventory), "agentCode": agent})
    )


def _fields(doc) -> dict:
    import dataclasses

    return {f.name: getattr(doc, f.name) for f in dataclasses.fields(doc)}


def upload(client_headers: dict, files: dict[str, bytes], **form) -> object:
    """POST the files (multipart) to the import endpoint."""
    parts = [
        SimpleUploadedFile(f"{name}.xml", data, content_type="application/xml")
        for name, data in files.items()
    ]
    return Client().post(
        "/api/v1/crossborder/declarations/import", {"files": parts, **form}, **client_headers
    )


def auth(park, name):
    return {"HTTP_AUTHORIZATION": f"Bearer {park.tokens[name]}"} if name else {}


def db_state() -> list:
    """What a refused call must leave untouched."""
    out = []
    for m in (CustomsParty, GoodsRegistration, DeclarationSet):
        out.append((m.__name__, m.objects.count(), m.objects.aggregate(x=Max("updated_at"))["x"]))
    out.append(("Receipt", Receipt.objects.count(), None))
    out.append(("AuditLog", AuditLog.objects.count(), None))
    return out


# ---- registrations --------------------------------------------------------------------------------------


def test_party_registration_rules(api, park, cb):
    admin = api("admin")
    r = admin.post("/crossborder/parties", {"code": "12AB", "name": "x", "role": "seller"})
    assert r.status_code == 422 and list(r.json()["fields"]) == ["code"]
    bad_uscc = make_uscc(9)[:-1] + ("0" if make_uscc(9)[-1] != "0" else "1")
    r = admin.post("/crossborder/parties", {"code": bad_uscc, "name": "x", "role": "carrier"})
    assert r.status_code == 422 and "校验位" in r.json()["fields"]["code"][0]
    r = admin.post("/crossborder/parties", {"code": make_uscc(9), "name": "顺丰", "role": "carrier"})
    assert r.status_code == 201 and r.json()["code"] == make_uscc(9)
    r = admin.post("/crossborder/parties", {"code": SELLER, "name": "again", "role": "seller"})
    assert r.status_code == 422 and r.json()["fields"]["code"] == [
        "该编码已登记为此角色 / already registered in this role"
    ]
    r = admin.post("/crossborder/parties", {"code": "1234567890", "name": "x", "role": "boss"})
    assert r.status_code == 422 and list(r.json()["fields"]) == ["role"]
    # An owner registers its own enterprise only, and links no brokers.
    r = api("owner_a").post(
        "/crossborder/parties",
        {"code": "1234567890", "name": "x", "role": "seller", "enterprise_id": park.brand_b.pk},
    )
    assert r.status_code == 422 and list(r.json()["fields"]) == ["enterprise_id"]
    r = api("owner_a").post(
        "/crossborder/parties", {"code": "1234567890", "name": "甲跨境", "role": "seller"}
    )
    assert r.status_code == 201 and r.json()["enterprise_id"] == park.mcn_a.pk
    assert (
        api("broker")
        .post("/crossborder/parties", {"code": "1234567891", "name": "x", "role": "agent"})
        .status_code
        == 403
    )


def test_goods_registration_rules(api, park, cb):
    base = {"seller_id": cb["seller"].pk, "item_no": "SKU-9", "gname": "口红", "gcode": "3304100000"}
    r = api("owner_a").post("/crossborder/goods", {**base, "gcode": "330410000"})
    assert r.status_code == 422 and list(r.json()["fields"]) == ["gcode"]
    r = api("owner_a").post("/crossborder/goods", {**base, "positive_note": "1210"})
    assert r.status_code == 422 and list(r.json()["fields"]) == ["item_record_no"]
    r = api("owner_a").post("/crossborder/goods", {**base, "positive_note": "9999"})
    assert r.status_code == 422 and list(r.json()["fields"]) == ["positive_note"]
    before = db_state()
    r = api("owner_b").post("/crossborder/goods", base)  # A's seller is not B's
    assert r.status_code == 422 and list(r.json()["fields"]) == ["seller_id"]
    assert db_state() == before
    r = api("owner_a").post(
        "/crossborder/goods", {**base, "positive_note": "1210", "item_record_no": "R9", "ems_no": "E1234"}
    )
    assert r.status_code == 201 and r.json()["gcode"] == "3304100000"
    r = api("owner_a").post("/crossborder/goods", base)
    assert r.status_code == 422 and list(r.json()["fields"]) == ["item_no"]


# ---- import ---------------------------------------------------------------------------------------------


def _samples() -> dict[str, bytes]:
    return {
        code: (SAMPLES / f"{code}Message.xml").read_bytes()
        for code in ("CEB311", "CEB411", "CEB511", "CEB621")
    }


def test_import_official_samples(park, cb, settings):
    files = _samples()
    services.party_register(
        actor=park.users["admin"],
        data={"code": "1105910159", "name": "东方物通", "role": "seller", "enterprise_id": park.mcn_a.pk},
    )
    # The samples' ID numbers are synthetic (birth date 1362-50-02): with GB 11643 checks on they are refused.
    r = upload(auth(park, "owner_a"), files, seller_id=cb["seller"].pk)
    assert r.status_code == 422
    assert "files[0](CEB311.xml)/CEB311Message/Order[0]/OrderHead/buyerIdNumber" in r.json()["fields"]
    assert DeclarationSet.objects.count() == 0

    settings.CROSSBORDER_VERIFY_ID_NUMBERS = False
    expected = declaration_sets([parse(x) for x in files.values()])
    r = upload(auth(park, "owner_a"), files, seller_id=cb["seller"].pk)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["created"] == len(expected) == DeclarationSet.objects.count()
    assert [(i["order_no"], i["ebp_code"] or None) for i in body["items"]] == [
        (s.order_no, s.ebp_code) for s in expected
    ]
    for item, s in zip(body["items"], expected, strict=True):
        present = [
            c
            for c, d in zip(
                ("CEB311", "CEB411", "CEB511", "CEB621"),
                (s.order, s.payment, s.waybill, s.inventory),
                strict=True,
            )
            if d
        ]
        assert item["documents"] == present
    first = DeclarationSet.objects.get(order_no="order20160321116421002", ebp_code="1105910159")
    assert first.buyer_masked == "1306**********3332"
    assert first.order_total == D("19200.00")  # 14000 goods + 5000 freight + 200 insurance (waybill)
    assert "130681136250023332" not in first.order_xml  # stored encrypted
    # Each stored document is a valid one-document message with the sample's content.
    stored = parse(first.document_xml("CEB311"))
    assert stored.Order[0] == parse(files["CEB311"]).Order[0]
    assert schema_errors(first.document_xml("CEB311"), XSD) == []
    # Importing the same orders again is a conflict and adds nothing.
    before = db_state()
    r = upload(auth(park, "owner_a"), files, seller_id=cb["seller"].pk)
    assert r.status_code == 409 and r.json()["code"] == "duplicate_order"
    assert db_state() == before


def _break(kind: str, files: dict[str, bytes]) -> tuple[dict[str, bytes], str]:
    """Spoil one file; returns the files and the field key the 422 must name."""
    order = files["CEB311"]
    if kind == "malformed":
        return {**files, "CEB311": order[: len(order) // 2]}, "files[0](CEB311.xml)"
    if kind == "namespace":
        return {
            **files,
            "CEB311": order.replace(b"http://www.chinaport.gov.cn/ceb", b"http://example.com/ceb"),
        }, ("files[0](CEB311.xml)/CEB311Message")
    if kind == "overlong":
        spoiled = order.replace(b"<ceb:orderNo>ORD-1<", b"<ceb:orderNo>" + b"9" * 61 + b"<", 1)
        assert spoiled != order
        return {**files, "CEB311": spoiled}, "files[0](CEB311.xml)/CEB311Message/Order[0]/OrderHead/orderNo"
    bad = BUYER[:-1] + ("0" if BUYER[-1] != "0" else "1")
    spoiled = {k: v.replace(BUYER.encode(), bad.encode()) for k, v in files.items()}
    return spoiled, "files[0](CEB311.xml)/CEB311Message/Order[0]/OrderHead/buyerIdNumber"


@pytest.mark.parametrize("kind", ["malformed", "namespace", "overlong", "check_digit"])
def test_bad_xml_is_refused_naming_the_element(park, cb, kind):
    files, field = _break(kind, xml_files([docs_1210()]))
    before = db_state()
    r = upload(auth(park, "owner_a"), files)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid" and field in body["fields"], body
    assert field in body["detail"]
    if kind == "check_digit":  # every document naming the buyer is reported, each at its element
        assert "files[1](CEB411.xml)/CEB411Message/Payment[0]/PaymentHead/payerIdNumber" in body["fields"]
        assert "files[3](CEB621.xml)/CEB621Message/Inventory[0]/InventoryHead/buyerIdNumber" in body["fields"]
        assert body["fields"][field] == ["校验位不正确 / check digit does not match"]
    assert db_state() == before


# ---- the workflow ---------------------------------------------------------------------------------------


def _import(park, docs, who="owner_a") -> dict:
    r = upload(auth(park, who), xml_files([docs]))
    assert r.status_code == 201, r.json()
    return r.json()["items"][0]


def test_consistent_1210_set_is_released(api, park, cb, test_gateway):
    docs = docs_1210()
    files = xml_files([docs])
    item = _import(park, docs)
    assert item["state"] == "received" and item["trade_mode"] == "1210"
    pk = item["id"]
    total = docs.order.goodsValue + docs.order.freight + docs.waybill.insuredFee - docs.order.discount
    assert D(item["order_total"]) == total

    r = api("owner_a").post(f"/crossborder/declarations/{pk}/check")
    assert r.status_code == 200 and r.json()["state"] == "checked" and r.json()["discrepancies"] == []
    assert api("owner_a").post(f"/crossborder/declarations/{pk}/tax").json()["state"] == "taxed"

    # The platform, the payment firm and the carrier file their documents with customs themselves.
    for code in ("CEB311", "CEB411", "CEB511"):
        test_gateway.file(files[code])
    r = api("broker").post(f"/crossborder/declarations/{pk}/send")
    assert r.status_code == 200 and r.json()["state"] == "sent"
    sent = test_gateway.sent[-1]
    assert schema_errors(sent, XSD) == []
    assert verify(sent, services.signer().certificate)
    obj = DeclarationSet.objects.get(pk=pk)
    assert parse(sent).Inventory[0].InventoryHead.guid == obj.sent_guid
    assert parse(sent).Inventory[0].InventoryHead.appStatus == "2"

    states = []
    for _ in range(4):
        r = api("broker").post("/crossborder/declarations/receipts/poll")
        assert r.status_code == 200
        states.append((r.json()["applied"], DeclarationSet.objects.get(pk=pk).state))
    assert states == [(1, "sent"), (1, "accepted"), (1, "released"), (0, "released")]
    detail = api("owner_a").get(f"/crossborder/declarations/{pk}").json()
    assert [x["return_status"] for x in detail["receipts"]] == ["2", "120", "800"]
    assert detail["return_info"] == "放行"

    # The released order uses the buyer's yearly quota; the answer shows the number masked.
    r = api("owner_a").get("/crossborder/quota", buyer_id=BUYER)
    assert r.status_code == 200
    assert r.json() == {
        "buyer": BUYER[:4] + "*" * 10 + BUYER[-4:],
        "year": now_local().year,
        "limit": "26000",
        "used": f"{total:.2f}",
        "remaining": f"{D(26000) - total:.2f}",
    }
    assert api("owner_b").get("/crossborder/quota", buyer_id=BUYER).json()["used"] == "0"
    r = api("owner_a").get(
        "/crossborder/quota", buyer_id=BUYER[:-1] + "0" if BUYER[-1] != "0" else BUYER[:-1] + "1"
    )
    assert r.status_code == 422 and list(r.json()["fields"]) == ["buyer_id"]


def test_set_customs_finds_inconsistent_is_rejected(api, park, cb, test_gateway):
    docs = docs_1210("ORD-2")
    pk = _import(park, docs)["id"]
    assert api("owner_a").post(f"/crossborder/declarations/{pk}/check").json()["discrepancies"] == []
    assert api("owner_a").post(f"/crossborder/declarations/{pk}/tax").json()["state"] == "taxed"
    # What the payment firm actually told customs differs from the copy the platform gave us.
    filed = xml_files(
        [docs._replace(payment=docs.payment.__class__(**{**_fields(docs.payment), "amountPaid": D("1.00")}))]
    )
    for code in ("CEB311", "CEB411", "CEB511"):
        test_gateway.file(filed[code])
    assert api("owner_a").post(f"/crossborder/declarations/{pk}/send").json()["state"] == "sent"
    for _ in range(2):
        api("admin").post("/crossborder/declarations/receipts/poll")
    obj = DeclarationSet.objects.get(pk=pk)
    assert obj.state == "rejected" and obj.return_status == "100"
    assert "CEB411.amountPaid" in obj.return_info
    # Final: a later poll changes nothing; a rejected order may be imported again.
    assert api("admin").post("/crossborder/declarations/receipts/poll").json()["applied"] == 0
    assert _import(park, docs)["state"] == "received"


def test_local_discrepancies_block_sending(api, park, cb, test_gateway):
    docs = docs_1210("ORD-3")
    wrong = docs._replace(
        payment=docs.payment.__class__(**{**_fields(docs.payment), "amountPaid": D("1.00")})
    )
    pk = _import(park, wrong)["id"]
    r = api("owner_a").post(f"/crossborder/declarations/{pk}/check")
    found = r.json()["discrepancies"]
    assert [(d["document"], d["field"], d["rule"]) for d in found] == [("CEB411", "amountPaid", "money")]
    assert found[0]["values"] == ["1.00", str(docs.order.acturalPaid)]
    before = db_state()
    r = api("owner_a").post(f"/crossborder/declarations/{pk}/send")
    assert r.status_code == 409 and r.json()["code"] == "discrepancies"
    assert db_state() == before and test_gateway.sent == []

    # The discrepancy page shows the two documents side by side, the disagreeing field marked.
    client = Client()
    client.force_login(park.users["owner_a"])
    page = client.get(f"/crossborder/{pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<tr class="flagged"><td>amountPaid</td>' in html
    assert "<th>CEB411</th><th>CEB311</th>" in html
    assert BUYER not in html and BUYER[:4] + "*" * 10 + BUYER[-4:] in html
    queue = client.get("/crossborder/?state=checked").content.decode()
    assert "ORD-3" in queue and 'data-state="checked">已对碰 (1)</a>' in queue


def test_registration_discrepancies_use_the_database(api, park, cb):
    docs = docs_1210("ORD-4")
    lines = tuple(
        x.__class__(**{**_fields(x), "itemNo": "SKU-404"}) if x.gnum == 2 else x for x in docs.inventory.lines
    )
    inv = docs.inventory.__class__(**{**_fields(docs.inventory), "lines": lines, "assureCode": "9999999999"})
    pk = _import(park, docs._replace(inventory=inv))["id"]
    found = api("owner_a").post(f"/crossborder/declarations/{pk}/check").json()["discrepancies"]
    got = {(d["document"], d["field"], d["rule"], d["gnum"]) for d in found}
    assert ("CEB621", "assureCode", "registration", None) in got
    assert ("CEB621", "InventoryList.itemNo", "registration", 2) in got


def test_folder_gateway_round_trip(tmp_path):
    gw = FolderGateway(tmp_path)
    message = build(
        im.CEB622(
            guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94",
            InventoryReturn=[
                im.INVENTORY_RETURN(
                    guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94",
                    copNo="C1",
                    preNo="B" + "0" * 17,
                    returnStatus="800",
                    returnTime=dt.datetime(2024, 1, 2, 3, 4, 5),
                    returnInfo="放行",
                )
            ],
        )
    )
    assert gw.send(message) == "4CDE1CFD-EDED-46B1-946C-B8022E42FC94"
    assert (tmp_path / "outbox" / "4CDE1CFD-EDED-46B1-946C-B8022E42FC94.xml").read_bytes() == message
    (tmp_path / "inbox" / "r1.xml").write_bytes(message)
    assert gw.receipts() == [message]
    assert gw.receipts() == []
    assert (tmp_path / "inbox" / "read" / "r1.xml").exists()


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("1", None),
        ("2", None),
        ("4", "rejected"),
        ("100", "rejected"),
        ("-301", "rejected"),
        ("120", "accepted"),
        ("300", "accepted"),
        ("500", "accepted"),
        ("800", "released"),
        ("899", "released"),
        ("x", None),
    ],
)
def test_return_status_mapping(status, state):
    assert services.state_for(status) == state


# ---- role matrix ----------------------------------------------------------------------------------------

ACTORS = [
    "anon",
    "admin",
    "owner_a",
    "staff_a",
    "owner_b",
    "owner_c",
    "anchor_a",
    "anchor_c",
    "bank",
    "broker",
    "inspector",
]


@pytest.fixture
def two_sets(park, cb):
    """Set A (seller A, agent with the broker) and set C (seller C, agent without broker)."""
    a = services.declarations_import_xml(
        actor=park.users["admin"], files=list(xml_files([docs_1210("A-1")]).values())
    )[0]
    c_docs = docs_1210("C-1", ebc=SELLER_C, agent=AGENT_C)
    c = services.declarations_import_xml(actor=park.users["admin"], files=list(xml_files([c_docs]).values()))[
        0
    ]
    return a, c


def test_matrix_list_sees_own_declarations(api, park, two_sets):
    a, c = two_sets
    expect = {"anon": 401, "anchor_a": 403, "anchor_c": 403, "bank": 403, "inspector": 403}
    seen = {
        "admin": {a.pk, c.pk},
        "owner_a": {a.pk},
        "staff_a": {a.pk},
        "owner_b": set(),
        "owner_c": {c.pk},
        "broker": {a.pk},
    }
    for actor in ACTORS:
        r = api(None if actor == "anon" else actor).get("/crossborder/declarations")
        assert r.status_code == expect.get(actor, 200), actor
        if r.status_code == 200:
            assert {x["id"] for x in r.json()["items"]} == seen[actor], actor
            assert r.json()["count"] == len(seen[actor])


MATRIX = [
    # (name, method, url(a, c), per-actor status, default)
    (
        "get A",
        "get",
        lambda a, c: f"/crossborder/declarations/{a.pk}",
        {"admin": 200, "owner_a": 200, "staff_a": 200, "broker": 200, "owner_b": 404, "owner_c": 404},
        403,
    ),
    (
        "get C",
        "get",
        lambda a, c: f"/crossborder/declarations/{c.pk}",
        {"admin": 200, "owner_c": 200, "owner_a": 404, "staff_a": 404, "owner_b": 404, "broker": 404},
        403,
    ),
    (
        "check C",
        "post",
        lambda a, c: f"/crossborder/declarations/{c.pk}/check",
        {"admin": 200, "owner_c": 200, "owner_a": 404, "staff_a": 404, "owner_b": 404, "broker": 404},
        403,
    ),
    (
        "send A unchecked",
        "post",
        lambda a, c: f"/crossborder/declarations/{a.pk}/send",
        {"admin": 409, "owner_a": 409, "staff_a": 409, "broker": 409, "owner_b": 404, "owner_c": 404},
        403,
    ),
    (
        "poll",
        "post",
        lambda a, c: "/crossborder/declarations/receipts/poll",
        {"admin": 200, "owner_a": 200, "staff_a": 200, "owner_b": 200, "owner_c": 200, "broker": 200},
        403,
    ),
    (
        "quota",
        "get",
        lambda a, c: f"/crossborder/quota?buyer_id={BUYER}",
        {"admin": 200, "owner_a": 200, "staff_a": 200, "owner_b": 200, "owner_c": 200, "broker": 200},
        403,
    ),
    (
        "parties",
        "get",
        lambda a, c: "/crossborder/parties",
        {"admin": 200, "owner_a": 200, "staff_a": 200, "owner_b": 200, "owner_c": 200, "broker": 200},
        403,
    ),
    (
        "register goods",
        "post",
        lambda a, c: "/crossborder/goods",
        {"admin": 201, "owner_a": 201, "staff_a": 201, "owner_b": 422, "owner_c": 422},
        403,
    ),
]


@pytest.mark.parametrize("row", MATRIX, ids=[r[0] for r in MATRIX])
def test_matrix(api, park, cb, two_sets, test_gateway, row):
    name, method, url, expect, default = row
    a, c = two_sets
    for actor in ACTORS:
        want = 401 if actor == "anon" else expect.get(actor, default)
        client = api(None if actor == "anon" else actor)
        before = db_state()
        if method == "get":
            path, _, query = url(a, c).partition("?")
            params = dict(p.split("=") for p in query.split("&")) if query else {}
            r = client.get(path, **params)
        else:
            body = {
                "seller_id": cb["seller"].pk,
                "item_no": f"N-{actor}",
                "gname": "新品",
                "gcode": "3304100000",
            }
            r = client.post(url(a, c), body if name == "register goods" else None)
        assert r.status_code == want, (name, actor, r.status_code, r.content[:200])
        if want >= 400 or method == "get" or name == "poll":
            assert db_state()[:3] == before[:3] and db_state()[3] == before[3], (name, actor)
            if want >= 400:
                assert db_state() == before, (name, actor)


def test_matrix_import_and_pages(park, cb, two_sets):
    files = xml_files([docs_1210("A-2")])
    for actor, want in (("bank", 403), ("anchor_a", 403), ("inspector", 403), (None, 401)):
        before = db_state()
        assert upload(auth(park, actor), files).status_code == want
        assert db_state() == before
    # Owner B may not declare for A's seller; the broker may, for the agent it acts for.
    before = db_state()
    r = upload(auth(park, "owner_b"), files)
    assert r.status_code == 422 and r.json()["fields"] == {
        "A-2/1105910159/ebcCode": ["无权为该电商企业申报 / not a seller you may declare for"]
    }
    assert db_state() == before
    assert upload(auth(park, "broker"), files).status_code == 201
    c_files = xml_files([docs_1210("C-2", ebc=SELLER_C, agent=AGENT_C)])
    before = db_state()
    assert upload(auth(park, "broker"), c_files).status_code == 422
    assert db_state() == before

    a, c = two_sets
    pages = {
        ("owner_a", f"/crossborder/{a.pk}/"): 200,
        ("broker", f"/crossborder/{a.pk}/"): 200,
        ("owner_b", f"/crossborder/{a.pk}/"): 404,
        ("broker", f"/crossborder/{c.pk}/"): 404,
        ("bank", "/crossborder/"): 403,
        ("anchor_a", f"/crossborder/{a.pk}/"): 403,
        ("owner_a", "/crossborder/"): 200,
    }
    for (actor, url), want in pages.items():
        client = Client()
        client.force_login(park.users[actor])
        assert client.get(url).status_code == want, (actor, url)
    assert Client().get("/crossborder/").status_code == 302
    client = Client()
    client.force_login(park.users["owner_b"])
    before = db_state()
    assert client.post(f"/crossborder/{a.pk}/check/").status_code == 404
    assert db_state() == before
    client.force_login(park.users["owner_a"])
    queue = client.get("/crossborder/").content.decode()
    assert "A-1" in queue and "C-1" not in queue
