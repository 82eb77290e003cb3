"""Cross-border tax: rate tables, the tax step (worked cases of the issue), cancellations and returns through the
test gateway, the 30-day refund and quota rule, the monthly tax batch with its xlsx export, CEB816 tax bills,
and the role × tenant matrix of the new endpoints and pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.test import Client
from django.utils import timezone

from livepark.core.models import AuditLog
from livepark.crossborder import services, taxation
from livepark.crossborder.models import DeclarationSet, Receipt
from livepark.crossborder.models_tax import DeclarationTax, InventoryRequest, TaxBill, TaxRateTable
from livepark.engines.customs import build, parse, schema_errors, verify
from livepark.engines.customs import import_messages as im
from livepark.engines.customs.tests.matching_support import (
    AGENT,
    COSMETICS,
    MILK,
    SELLER,
    consistent,
    xml_files,
)
from tests import test_crossborder as base
from tests.factories import make_ric
from tests.test_crossborder import AGENT_C, BUYER, SELLER_C, XSD, auth, now_local

pytestmark = pytest.mark.django_db
cb = base.cb  # parties, goods and the 2026 rate table
test_gateway = base.test_gateway  # a fresh TestGateway as the configured gateway
D = Decimal
ZERO = D(0)


def docs(no, lines, *, minutes=0, freight=ZERO, ebc=SELLER, agent=AGENT, buyer=BUYER):
    """A consistent 1210 set of `lines` ((itemNo, name, qty, price, gcode), …), no discount or insurance, its
    appTime `minutes` after a fixed point two days ago (so a batch of orders has a known appTime order)."""
    start = now_local().replace(hour=8, minute=0, second=0) - dt.timedelta(days=2)
    d = consistent(
        no,
        lines=lines,
        freight=freight,
        discount=ZERO,
        tax_total=ZERO,
        insured=ZERO,
        buyer_id=buyer,
        app_time=start + dt.timedelta(minutes=minutes),
        trade_mode="1210",
        ebc=ebc,
    )
    inv = dataclasses.replace(d.inventory, agentCode=agent)
    return d._replace(inventory=inv)


def milk(qty, price):
    return (("SKU-2", "奶粉", D(qty), D(price), MILK),)


def cosmetics(qty, price):
    return (("SKU-1", "面霜", D(qty), D(price), COSMETICS),)


def imported(park, d, who="admin") -> DeclarationSet:
    return services.declarations_import_xml(actor=park.users[who], files=list(xml_files([d]).values()))[0]


def checked(park, d) -> DeclarationSet:
    obj = imported(park, d)
    return services.declaration_check(actor=park.users["admin"], pk=obj.pk)


def taxed(park, d) -> DeclarationTax:
    obj = checked(park, d)
    return taxation.declaration_tax(actor=park.users["admin"], pk=obj.pk).tax


def amounts(tax) -> tuple:
    return (tax.mode, tax.taxable_price, tax.customs_tax, tax.consumption_tax, tax.vat, tax.tax_total)


def db_state() -> list:
    """What a refused call must leave untouched."""
    return [
        DeclarationSet.objects.count(),
        sorted(DeclarationSet.objects.values_list("pk", "state", "updated_at")),
        TaxRateTable.objects.count(),
        DeclarationTax.objects.count(),
        sorted(DeclarationTax.objects.values_list("pk", "tax_total", "refunded", "quota_restored")),
        InventoryRequest.objects.count(),
        TaxBill.objects.count(),
        Receipt.objects.count(),
        AuditLog.objects.count(),
    ]


# ---- the worked cases -----------------------------------------------------------------------------------


def test_ordinary_goods_9_1_percent(api, park, cb):
    obj = checked(park, docs("T-1", milk(1, "100")))
    r = api("owner_a").post(f"/crossborder/declarations/{obj.pk}/tax")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["state"] == "taxed" and body["mode"] == "cross_border"
    assert [body[k] for k in ("taxable_price", "customs_tax", "consumption_tax", "vat", "tax_total")] == [
        "100.00",
        "0.00",
        "0.00",
        "9.10",
        "9.10",
    ]
    assert body["lines"] == [
        {
            "gnum": 1,
            "gcode": MILK,
            "taxable_price": "100.00",
            "customs_tax": "0.00",
            "consumption_tax": "0.00",
            "vat": "9.10",
            "tax_total": "9.10",
        }
    ]
    assert body["quota_used"] == "100.00" and body["year_before"] == "0.00"
    assert DeclarationSet.objects.get(pk=obj.pk).state == "taxed"
    log = AuditLog.objects.filter(object_type="crossborder.declarationtax", object_id=str(obj.tax.pk))
    assert log.get().changes["tax_total"] == [None, "9.10"]
    assert api("broker").get(f"/crossborder/declarations/{obj.pk}/tax").json()["tax_total"] == "9.10"


def test_cosmetics_23_06_percent_rounded_per_line(park, cb):
    tax = taxed(park, docs("T-2", cosmetics(1, "100")))
    # consumption 100 ÷ 0.85 × 0.15 × 0.7 = 12.3529…; VAT (100 + 17.6470…) × 0.13 × 0.7 = 10.7058…
    assert amounts(tax) == ("cross_border", D("100.00"), D("0.00"), D("12.35"), D("10.71"), D("23.06"))
    # Two lines: each tax is rounded per line, then summed (12.35 + 12.35, 10.71 + 10.71 + freight share).
    tax = taxed(park, docs("T-3", (*cosmetics(1, "100"), ("SKU-2", "奶粉", D(1), D("50"), MILK)), minutes=1))
    assert [(x["gnum"], x["consumption_tax"], x["vat"]) for x in tax.lines] == [
        (1, "12.35", "10.71"),
        (2, "0.00", "4.55"),
    ]
    assert (tax.consumption_tax, tax.vat, tax.tax_total) == (D("12.35"), D("15.26"), D("27.61"))


def test_order_of_exactly_5000_and_of_5000_01(api, park, cb, test_gateway):
    at_limit = taxed(park, docs("T-4", milk(2, "2500")))
    assert amounts(at_limit) == ("cross_border", D("5000.00"), D("0.00"), D("0.00"), D("455.00"), D("455.00"))
    over = taxed(park, docs("T-5", milk(2, "2500"), freight=D("0.01"), minutes=1))
    # General trade: tariff 15% of 5000.01 = 750.0015 → 750.00; VAT (5000.01 + 750.0015) × 13% = 747.5015 → 747.50.
    assert amounts(over) == ("general_trade", D("5000.01"), D("750.00"), D("0.00"), D("747.50"), D("1497.50"))
    assert over.quota_used == ZERO and over.year_before == D("5000.00")
    # Over the limit it is no retail declaration: matching flagged it and sending is refused.
    assert [d["rule"] for d in over.declaration.discrepancies] == ["limits"]
    before = db_state()
    r = api("owner_a").post(f"/crossborder/declarations/{over.declaration_id}/send")
    assert r.status_code == 409 and r.json()["code"] == "discrepancies"
    assert db_state() == before and test_gateway.sent == []


def test_buyer_crossing_26000_in_apptime_order(park, cb):
    sets = [checked(park, docs(f"Y-{i}", milk(2, "2500"), minutes=i)) for i in range(5)]  # 25,000
    sixth = checked(park, docs("Y-5", milk(1, "1000"), minutes=5))  # 26,000 exactly: still within
    seventh = checked(park, docs("Y-6", milk(1, "100"), minutes=6))  # 26,100: over the year
    admin = park.users["admin"]
    # Taxed out of order: the latest first, when nothing before it is taxed yet …
    assert taxation.declaration_tax(actor=admin, pk=seventh.pk).tax.mode == "cross_border"
    for obj in sets:
        taxation.declaration_tax(actor=admin, pk=obj.pk)
    taxation.declaration_tax(actor=admin, pk=sixth.pk)
    # … and re-assessed each time an earlier set of the buyer's year was taxed.
    got = {
        t.declaration.order_no: (t.mode, t.year_before, t.quota_used, t.tax_total)
        for t in DeclarationTax.objects.all()
    }
    assert got["Y-4"] == ("cross_border", D("20000.00"), D("5000.00"), D("455.00"))
    assert got["Y-5"] == ("cross_border", D("25000.00"), D("1000.00"), D("91.00"))
    assert got["Y-6"] == ("general_trade", D("26000.00"), ZERO, D("29.95"))  # 15% + 13% of 115
    # Another buyer's year is untouched by this one's.
    other = taxed(park, docs("Y-7", milk(1, "100"), minutes=7, buyer=make_ric(8)))
    assert (other.mode, other.year_before) == ("cross_border", ZERO)


def test_single_indivisible_item_over_5000(park, cb):
    tax = taxed(park, docs("I-1", milk(1, "6000")))
    # Full tax in the retail channel: tariff 900, VAT (6000 + 900) × 13% = 897; counts toward the year.
    assert amounts(tax) == (
        "cross_border_full_tax",
        D("6000.00"),
        D("900.00"),
        D("0.00"),
        D("897.00"),
        D("1797.00"),
    )
    assert tax.quota_used == D("6000.00") and tax.declaration.discrepancies == []
    two = taxed(park, docs("I-2", milk(2, "3000"), minutes=1))  # same value, two items: general trade
    assert (two.mode, two.year_before) == ("general_trade", D("6000.00"))
    # Alone on its order but taking the year over 26,000: general trade, not the exception.
    for i in range(4):
        taxed(park, docs(f"I-{3 + i}", milk(2, "2500"), minutes=2 + i))  # year 26,000
    late = taxed(park, docs("I-9", milk(1, "5500"), minutes=9))
    assert (late.mode, late.year_before) == ("general_trade", D("26000.00"))


# ---- bad input changes nothing --------------------------------------------------------------------------


def _rates_upload(client, text: str | bytes, name="税率", effective_from="2026-01-01", filename="r.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        "/api/v1/crossborder/tax/rates",
        {
            "file": SimpleUploadedFile(filename, data, content_type="text/csv"),
            "name": name,
            "effective_from": effective_from,
        },
    )


def _client(park, who):
    client = Client()
    if who:
        client.force_login(park.users[who])
    return client


def test_rate_file_with_bad_rows_is_refused_whole(park, cb):
    bad = (
        "gcode,tariff,vat,consumption\n"
        "3304990099,0.05,0.13,0.15\n"  # row 2 fine
        "330499009X,0.05,0.13,0\n"  # row 3 gcode
        "1901101000,0.15,abc,0\n"  # row 4 vat not a number
        "8517130000,0,13,0\n"  # row 5 vat 13 is not a fraction
        "3304990099,0,0.13,1\n"  # row 6 duplicate gcode, consumption 1
    )
    before = db_state()
    r = _rates_upload(_client(park, "admin"), bad)
    assert r.status_code == 422
    fields = r.json()["fields"]
    assert sorted(fields) == ["row 3.gcode", "row 4.vat", "row 5.vat", "row 6.consumption", "row 6.gcode"]
    assert fields["row 4.vat"] == ["不是数字 / not a number: 'abc'"]
    assert fields["row 6.gcode"] == ["与第 2 行重复 / already given on row 2"]
    assert db_state() == before
    # The upload page shows the same row report and stores nothing either.
    page = _client(park, "admin").post(
        "/crossborder/tax/rates/",
        {"file": SimpleUploadedFile("r.csv", bad.encode()), "name": "x", "effective_from": "2026-01-01"},
        follow=True,
    )
    html = page.content.decode()
    assert page.status_code == 200 and "row 3.gcode" in html and "row 5.vat" in html
    assert db_state() == before
    for text, field in (
        ("gcode,tariff,vat\n3304990099,0,0.13\n", "file"),
        ("gcode,tariff,vat,consumption\n", "file"),
    ):
        r = _rates_upload(_client(park, "admin"), text)
        assert r.status_code == 422 and list(r.json()["fields"]) == [field], text
    r = _rates_upload(
        _client(park, "admin"), "gcode,tariff,vat,consumption\n3304990099,0,0.13,0\n", effective_from="x"
    )
    assert r.status_code == 422 and list(r.json()["fields"]) == ["effective_from"]
    assert db_state() == before


def test_rate_xlsx_and_effective_dates(park, cb):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["gcode", "tariff", "vat", "consumption"])
    ws.append([101210000, 0.1, 0.09, 0])  # a number: the leading zero comes back
    ws.append([MILK, "15%", "13%", "0%"])
    ws.append([COSMETICS, 0.05, 0.13, 0.15])
    buf = io.BytesIO()
    wb.save(buf)
    r = _rates_upload(
        _client(park, "admin"), buf.getvalue(), name="2030", effective_from="2030-01-01", filename="r.xlsx"
    )
    assert r.status_code == 201, r.json()
    table = TaxRateTable.objects.get(pk=r.json()["id"])
    assert sorted(table.rates.values_list("gcode", "tariff", "vat")) == [
        ("0101210000", D("0.1"), D("0.09")),
        (MILK, D("0.15"), D("0.13")),
        (COSMETICS, D("0.05"), D("0.13")),
    ]
    # An order is taxed with the table in force on its appTime: not one that starts later.
    assert taxation.rate_table_for(dt.date(2029, 12, 31)).name == "2026"
    assert taxation.rate_table_for(dt.date(2030, 1, 1)) == table
    assert taxed(park, docs("R-1", milk(1, "100"))).rate_table.name == "2026"


def test_tax_before_check_and_unknown_gcode(api, park, cb):
    obj = imported(park, docs("B-1", milk(1, "100")))
    before = db_state()
    r = api("owner_a").post(f"/crossborder/declarations/{obj.pk}/tax")
    assert r.status_code == 409 and r.json()["code"] == "not_checked"
    assert db_state() == before
    # A gcode the rate table does not list (registered goods, but no rate).
    unknown = (("SKU-1", "面霜", D(1), D("100"), "3304100000"),)
    obj = checked(park, docs("B-2", unknown, minutes=1))
    before = db_state()
    r = api("owner_a").post(f"/crossborder/declarations/{obj.pk}/tax")
    assert r.status_code == 422 and r.json()["code"] == "no_rate"
    assert r.json()["fields"] == {
        "gcode": ["税率表「2026」中没有商品编码 3304100000 / not in the rate table in force: 3304100000"]
    }
    assert db_state() == before
    # Checked without discrepancies but not taxed: not sendable.
    clean = checked(park, docs("B-3", milk(1, "100"), minutes=2))
    assert clean.discrepancies == []
    before = db_state()
    r = api("owner_a").post(f"/crossborder/declarations/{clean.pk}/send")
    assert r.status_code == 409 and r.json()["code"] == "not_taxed"
    assert db_state() == before


# ---- cancellations, returns and the 30 days ------------------------------------------------------------


def poll(api, n=1):
    return [api("admin").post("/crossborder/declarations/receipts/poll").json() for _ in range(n)]


def declared(api, park, gw, d, *, until="released") -> DeclarationSet:
    """Import, check, tax, file the documents with customs, send, and poll until `until`."""
    obj = taxed(park, d).declaration
    files = xml_files([d])
    for code in ("CEB311", "CEB411", "CEB511"):
        gw.file(files[code])
    assert api("admin").post(f"/crossborder/declarations/{obj.pk}/send").json()["state"] == "sent"
    for _ in range(3):
        poll(api)
        obj.refresh_from_db()
        if obj.state == until:
            return obj
    raise AssertionError(obj.state)


def released_days_ago(obj: DeclarationSet, days: int) -> None:
    """Move the release (and the receipts before it) `days` back, as if customs released it then."""
    obj.receipts.update(return_time=F("return_time") - dt.timedelta(days=days))


def test_cancel_before_release(api, park, cb, test_gateway):
    d = docs("C-1", milk(1, "100"))
    obj = declared(api, park, test_gateway, d, until="accepted")
    r = api("broker").post(f"/crossborder/declarations/{obj.pk}/cancel", {"reason": "买家取消"})
    assert r.status_code == 201 and r.json()["kind"] == "cancel" and r.json()["state"] == "sent"
    sent = test_gateway.sent[-1]
    assert parse(sent).spec.code == "CEB623" and schema_errors(sent, XSD) == []
    assert verify(sent, services.signer().certificate)
    head = parse(sent).InvtCancel[0]
    assert (head.orderNo, head.invtNo, head.reason, head.appStatus) == (
        "C-1",
        r.json()["invt_no"],
        "买家取消",
        "2",
    )
    # A second request while the first is under way is refused.
    assert (
        api("owner_a").post(f"/crossborder/declarations/{obj.pk}/cancel", {"reason": "x"}).status_code == 409
    )
    poll(api, 4)
    obj.refresh_from_db()
    assert obj.state == "cancelled"
    assert list(obj.receipts.values_list("message_type", "return_status")) == [
        ("CEB622", "2"),
        ("CEB622", "120"),
        ("CEB624", "2"),
        ("CEB624", "120"),
        ("CEB624", "399"),
    ]  # customs withdrew the release
    assert InventoryRequest.objects.get().state == "done"
    # A cancelled order no longer uses the buyer's year.
    assert api("owner_a").get("/crossborder/quota", buyer_id=BUYER).json()["used"] == "0"


def test_cancel_and_return_need_the_right_state(api, park, cb, test_gateway):
    obj = declared(api, park, test_gateway, docs("C-2", milk(1, "100")))
    other = taxed(park, docs("C-3", milk(1, "100"), minutes=1)).declaration
    before = db_state()
    r = api("owner_a").post(f"/crossborder/declarations/{obj.pk}/cancel", {"reason": "x"})
    assert r.status_code == 409 and r.json()["code"] == "not_cancellable"
    r = api("owner_a").post(f"/crossborder/declarations/{obj.pk}/return", {"reason": " "})
    assert r.status_code == 422 and list(r.json()["fields"]) == ["reason"]
    assert db_state() == before
    r = api("owner_a").post(f"/crossborder/declarations/{other.pk}/return", {"reason": "x"})
    assert r.status_code == 409 and r.json()["code"] == "not_returnable"
    assert db_state() == before


@pytest.mark.parametrize(("days", "refunded"), [(29, True), (30, True), (31, False)])
def test_return_after_release(api, park, cb, test_gateway, days, refunded):
    d = docs("RT-1", cosmetics(1, "100"))
    obj = declared(api, park, test_gateway, d)
    released_days_ago(obj, days)
    quota = api("owner_a").get("/crossborder/quota", buyer_id=BUYER).json()
    assert quota["used"] == "100.00"
    r = api("owner_a").post(f"/crossborder/declarations/{obj.pk}/return", {"reason": "七天无理由"})
    assert r.status_code == 201 and r.json()["days_after_release"] == days
    sent = test_gateway.sent[-1]
    assert parse(sent).spec.code == "CEB625" and schema_errors(sent, XSD) == []
    refund = parse(sent).InvtRefund[0]
    assert [(x.gnum, x.gcode, x.qty) for x in refund.InvtRefundList] == [(1, COSMETICS, D(1))]
    poll(api, 3)
    obj.refresh_from_db()
    request = InventoryRequest.objects.get()
    assert obj.state == "returned" and request.state == "done"
    tax = DeclarationTax.objects.get(declaration=obj)
    used = api("owner_a").get("/crossborder/quota", buyer_id=BUYER).json()["used"]
    if refunded:
        assert (tax.refunded, tax.quota_restored) == (D("23.06"), True)
        assert (request.tax_refund, request.quota_restored) == (D("23.06"), D("100.00"))
        assert used == "0"
    else:
        assert (tax.refunded, tax.quota_restored) == (ZERO, False)
        assert (request.tax_refund, request.quota_restored) == (ZERO, ZERO)
        assert used == "100.00"
    # The next order of the buyer sees the year as the return left it.
    nxt = taxed(park, docs("RT-2", milk(1, "100"), minutes=1))
    assert nxt.year_before == (ZERO if refunded else D("100.00"))
    # Final: an inventory receipt arriving late does not move a returned set.
    assert poll(api)[0]["applied"] == 0


def test_return_refused_while_not_released_at_customs(api, park, cb, test_gateway):
    """The gateway answers a return of an inventory it still holds with 100; the set stays released."""
    obj = declared(api, park, test_gateway, docs("RT-3", milk(1, "100")), until="accepted")
    DeclarationSet.objects.filter(pk=obj.pk).update(state="released")  # our side thinks it is released
    Receipt.objects.filter(declaration=obj).update(return_status="800")
    api("owner_a").post(f"/crossborder/declarations/{obj.pk}/return", {"reason": "x"})
    poll(api, 2)
    obj.refresh_from_db()
    assert InventoryRequest.objects.get().state == "refused" and obj.state == "released"


# ---- the monthly batch and CEB816 -----------------------------------------------------------------------


def tax_bill(
    invt_no: str, tax_no: str, customs: str, vat: str, consumption: str, *, status="1", when=None
) -> bytes:
    when = when or timezone.localtime().replace(tzinfo=None, microsecond=0)
    guid = "4CDE1CFD-EDED-46B1-946C-B8022E42FC94"
    head = im.TAX_HEAD_RD(
        guid=guid,
        returnTime=when,
        invtNo=invt_no,
        taxNo=tax_no,
        customsTax=D(customs),
        valueAddedTax=D(vat),
        consumptionTax=D(consumption),
        status=status,
    )
    line = im.TAX_LIST_RD(
        gnum=1,
        gcode=MILK,
        taxPrice=D("100"),
        customsTax=D(customs),
        valueAddedTax=D(vat),
        consumptionTax=D(consumption),
    )
    return build(im.CEB816(guid=guid, Tax=[im.TAX_RD(TaxHeadRd=head, TaxListRd=[line])]))


def _invt_no(obj) -> str:
    return obj.receipts.exclude(invt_no="").values_list("invt_no", flat=True).first()


@pytest.fixture
def batch_sets(api, park, cb, test_gateway):
    """A (seller A, agent with the broker) released 35 days ago: due in the month of 4 days ago; C (seller C)
    likewise; R (seller A) released then returned; L (seller A) released today: due next month."""
    a = declared(api, park, test_gateway, docs("BA-1", milk(1, "100")))
    c = declared(
        api, park, test_gateway, docs("BC-1", cosmetics(1, "100"), minutes=1, ebc=SELLER_C, agent=AGENT_C)
    )
    rtn = declared(api, park, test_gateway, docs("BR-1", milk(1, "200"), minutes=2))
    late = declared(api, park, test_gateway, docs("BL-1", milk(1, "300"), minutes=3))
    for obj in (a, c, rtn):
        released_days_ago(obj, 35)
    api("owner_a").post(f"/crossborder/declarations/{rtn.pk}/return", {"reason": "x"})
    poll(api, 3)
    assert DeclarationSet.objects.get(pk=rtn.pk).state == "returned"
    month = (timezone.localdate() - dt.timedelta(days=4)).strftime("%Y-%m")
    return {"a": a, "c": c, "r": rtn, "l": late, "month": month}


def test_tax_batch_of_the_month(api, park, batch_sets, test_gateway):
    a, c, month = batch_sets["a"], batch_sets["c"], batch_sets["month"]
    body = api("admin").get("/crossborder/tax/batch", month=month).json()
    assert [i["order_no"] for i in body["items"]] == ["BA-1", "BC-1"]
    released = timezone.localdate() - dt.timedelta(days=35)
    assert body["items"][0]["released_on"] == released.isoformat()
    assert body["items"][0]["due_from"] == (released + dt.timedelta(days=31)).isoformat()
    assert body["items"][0]["due_by"] == (released + dt.timedelta(days=45)).isoformat()
    assert body["totals"] == {
        "customs_tax": "0.00",
        "consumption_tax": "12.35",
        "vat": "19.81",
        "tax_total": "32.16",
    }
    assert [(g["party"], g["count"], g["tax_total"]) for g in body["by_seller"]] == [
        (str(a.seller), 1, "9.10"),
        (str(c.seller), 1, "23.06"),
    ]
    assert sorted((g["party"], g["tax_total"]) for g in body["by_agent"]) == sorted(
        [(str(a.agent), "9.10"), (str(c.agent), "23.06")]
    )
    # Next month holds the set released today; a bad month is a 422.
    nxt = (timezone.localdate() + dt.timedelta(days=31)).strftime("%Y-%m")
    assert [i["order_no"] for i in api("admin").get("/crossborder/tax/batch", month=nxt).json()["items"]] == [
        "BL-1"
    ]
    r = api("admin").get("/crossborder/tax/batch", month="2026-13")
    assert r.status_code == 422 and list(r.json()["fields"]) == ["month"]

    # Roles: a seller its own sets, a broker those it is agent for, the park all; others 403.
    seen = {"owner_a": ["BA-1"], "staff_a": ["BA-1"], "owner_c": ["BC-1"], "owner_b": [], "broker": ["BA-1"]}
    for who, orders in seen.items():
        got = api(who).get("/crossborder/tax/batch", month=month).json()
        assert [i["order_no"] for i in got["items"]] == orders, who
        assert got["totals"]["tax_total"] == {"BA-1": "9.10", "BC-1": "23.06"}.get(
            orders[0] if orders else "", "0.00"
        )
    for who in ("bank", "anchor_a", "inspector"):
        assert api(who).get("/crossborder/tax/batch", month=month).status_code == 403
    assert api(None).get("/crossborder/tax/batch", month=month).status_code == 401

    # The page and the xlsx export.
    page = _client(park, "owner_a").get(f"/crossborder/tax/?month={month}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-order="BA-1"' in html and 'data-order="BC-1"' not in html
    export = _client(park, "admin").get(f"/crossborder/tax/export/?month={month}")
    assert export.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("订单编号", "电商企业", "申报企业")
    assert [(r[0], r[11]) for r in rows[1:3]] == [("BA-1", 9.1), ("BC-1", 23.06)]
    assert rows[3][0] == "合计" and rows[3][11] == 32.16
    assert _client(park, "bank").get(f"/crossborder/tax/?month={month}").status_code == 403
    assert _client(park, None).get("/crossborder/tax/").status_code == 302


def test_ceb816_bills_polled_uploaded_and_reconciled(api, park, batch_sets, test_gateway):
    a, c, month = batch_sets["a"], batch_sets["c"], batch_sets["month"]
    # Customs pushes A's bill through the gateway: it matches the computed tax.
    issued = timezone.localtime().replace(tzinfo=None, microsecond=0)
    test_gateway.returns.deliver(tax_bill(_invt_no(a), "TAX-A", "0", "9.10", "0", when=issued))
    assert poll(api)[0] == {"applied": 1, "duplicates": 0, "unmatched": 0, "invalid": 0}
    bill = TaxBill.objects.get(tax_no="TAX-A")
    assert (bill.declaration_id, bill.tax_total, bill.source) == (a.pk, D("9.10"), "poll")
    # C's bill is uploaded by its seller, and differs by 0.01 VAT.
    files = {"files": [SimpleUploadedFile("c.xml", tax_bill(_invt_no(c), "TAX-C", "0", "10.72", "12.35"))]}
    r = Client().post("/api/v1/crossborder/tax/bills", files, **auth(park, "owner_c"))
    assert r.status_code == 201 and r.json()[0]["tax_total"] == "23.07"
    body = api("admin").get("/crossborder/tax/batch", month=month).json()
    diffs = {i["order_no"]: i["difference"] for i in body["items"]}
    assert diffs["BA-1"] == {
        "customs_tax": "0.00",
        "consumption_tax": "0.00",
        "vat": "0.00",
        "tax_total": "0.00",
    }
    assert diffs["BC-1"] == {
        "customs_tax": "0.00",
        "consumption_tax": "0.00",
        "vat": "0.01",
        "tax_total": "0.01",
    }
    assert body["mismatches"] == 1 and body["billed"]["tax_total"] == "32.17"
    # The same bill again changes nothing; a newer state of it (void) replaces it and drops the difference.
    test_gateway.returns.deliver(tax_bill(_invt_no(a), "TAX-A", "0", "9.10", "0", when=issued))
    assert poll(api)[0]["duplicates"] == 1
    later = issued + dt.timedelta(minutes=5)
    test_gateway.returns.deliver(tax_bill(_invt_no(a), "TAX-A", "0", "9.10", "0", status="3", when=later))
    assert poll(api)[0]["applied"] == 1
    assert TaxBill.objects.get(tax_no="TAX-A").status == "3"
    items = api("admin").get("/crossborder/tax/batch", month=month).json()["items"]
    assert [(i["order_no"], i["tax_no"]) for i in items] == [("BA-1", None), ("BC-1", "TAX-C")]
    # A bill naming an unknown inventory through the gateway is counted, not stored.
    test_gateway.returns.deliver(tax_bill("999999999999999999", "TAX-X", "0", "1", "0"))
    assert poll(api)[0]["unmatched"] == 1 and not TaxBill.objects.filter(tax_no="TAX-X").exists()

    # Uploads are all or nothing and scoped: seller A may not file C's bill; bad XML names the file.
    before = db_state()
    files = {
        "files": [
            SimpleUploadedFile("a.xml", tax_bill(_invt_no(a), "TAX-A2", "0", "9.10", "0")),
            SimpleUploadedFile("c.xml", tax_bill(_invt_no(c), "TAX-C2", "0", "10.71", "12.35")),
        ]
    }
    r = Client().post("/api/v1/crossborder/tax/bills", files, **auth(park, "owner_a"))
    assert r.status_code == 422 and list(r.json()["fields"]) == [
        "files[1](c.xml)/CEB816Message/Tax[0]/TaxHeadRd/invtNo"
    ]
    r = Client().post(
        "/api/v1/crossborder/tax/bills",
        {"files": [SimpleUploadedFile("x.xml", b"<x")]},
        **auth(park, "owner_a"),
    )
    assert r.status_code == 422 and list(r.json()["fields"]) == ["files[0](x.xml)"]
    r = Client().post(
        "/api/v1/crossborder/tax/bills",
        {"files": [SimpleUploadedFile("a.xml", tax_bill(_invt_no(a), "TAX-A3", "0", "1", "0"))]},
        **auth(park, "bank"),
    )
    assert r.status_code == 403
    assert db_state() == before
    # Bills follow their set's scope.
    assert [b["tax_no"] for b in api("owner_a").get("/crossborder/tax/bills").json()] == ["TAX-A"]
    assert [b["tax_no"] for b in api("broker").get("/crossborder/tax/bills").json()] == ["TAX-A"]
    assert [b["tax_no"] for b in api("owner_c").get("/crossborder/tax/bills").json()] == ["TAX-C"]
    assert api("owner_b").get("/crossborder/tax/bills").json() == []


# ---- role matrix of the new endpoints and pages --------------------------------------------------------

ACTORS = ["admin", "owner_a", "staff_a", "owner_b", "owner_c", "anchor_a", "bank", "broker", "inspector"]


@pytest.fixture
def two_checked(park, cb):
    a = checked(park, docs("MA-1", milk(1, "100")))
    c = checked(park, docs("MC-1", milk(1, "100"), minutes=1, ebc=SELLER_C, agent=AGENT_C))
    return a, c


def test_matrix_tax_endpoint(api, park, two_checked):
    a, c = two_checked
    for target, ok in ((a, {"admin", "owner_a", "staff_a", "broker"}), (c, {"admin", "owner_c"})):
        for who in [None, *ACTORS]:
            before = db_state()
            r = api(who).post(f"/crossborder/declarations/{target.pk}/tax")
            if who is None:
                want = 401
            elif who in ("anchor_a", "bank", "inspector"):
                want = 403
            else:
                want = 200 if who in ok else 404
            assert r.status_code == want, (target.order_no, who, r.status_code)
            if want != 200:
                assert db_state() == before, who
            g = api(who).get(f"/crossborder/declarations/{target.pk}/tax")
            assert g.status_code == want, who
    # Pages: the tax button posts through the same service.
    assert _client(park, "owner_b").post(f"/crossborder/tax/{a.pk}/assess/").status_code == 404
    assert _client(park, "bank").post(f"/crossborder/tax/{a.pk}/assess/").status_code == 403
    response = _client(park, "owner_a").get(f"/crossborder/{a.pk}/")
    html = response.content.decode()
    assert f'action="/crossborder/tax/{a.pk}/assess/"' in html and "9.10" in html


def test_matrix_cancel_return_of_other_tenants(api, park, two_checked):
    a, c = two_checked
    for who, want in (("owner_b", 404), ("owner_c", 404), ("bank", 403), ("anchor_a", 403), (None, 401)):
        before = db_state()
        for action in ("cancel", "return"):
            r = api(who).post(f"/crossborder/declarations/{a.pk}/{action}", {"reason": "x"})
            assert r.status_code == want, (who, action)
        assert db_state() == before
    assert api("broker").get(f"/crossborder/declarations/{c.pk}/requests").status_code == 404
    assert api("owner_a").get(f"/crossborder/declarations/{a.pk}/requests").json() == []


def test_matrix_rate_tables(api, park, cb):
    text = "gcode,tariff,vat,consumption\n8517130000,0,0.13,0\n"
    for who, want in (("owner_a", 403), ("broker", 403), ("bank", 403), ("anchor_a", 403), (None, 401)):
        before = db_state()
        client = _client(park, who) if who else Client()
        assert _rates_upload(client, text).status_code == want, who
        assert db_state() == before
    assert _rates_upload(_client(park, "admin"), text).status_code == 201
    for who, want in (("owner_a", 200), ("staff_a", 200), ("broker", 200), ("bank", 403), ("anchor_a", 403)):
        r = api(who).get("/crossborder/tax/rates")
        assert r.status_code == want, who
        if want == 200:
            assert [t["name"] for t in r.json()] == ["税率", "2026"]
    pk = TaxRateTable.objects.get(name="税率").pk
    assert api("owner_a").get(f"/crossborder/tax/rates/{pk}").json()["rates"] == [
        {"gcode": "8517130000", "tariff": "0.000000", "vat": "0.130000", "consumption": "0.000000"}
    ]
    # Pages: everyone with the right sees the tables; only the park admin gets the upload form and may post.
    assert 'id="rate-upload"' in _client(park, "admin").get("/crossborder/tax/rates/").content.decode()
    page = _client(park, "owner_a").get("/crossborder/tax/rates/")
    assert page.status_code == 200 and 'id="rate-upload"' not in page.content.decode()
    before = db_state()
    r = _client(park, "owner_a").post(
        "/crossborder/tax/rates/",
        {"file": SimpleUploadedFile("r.csv", text.encode()), "name": "x", "effective_from": "2026-01-01"},
    )
    assert r.status_code == 403 and db_state() == before
    assert _client(park, "bank").get("/crossborder/tax/rates/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_concurrent_taxing_of_one_buyer_keeps_appTime_order(park, cb, monkeypatch):
    """Two sets of one buyer taxed at the same moment: the year is read under a lock on the buyer's sets, so
    the later one sees the earlier one whichever commits first. Reading the year is slowed down so that,
    without the lock, both would read it before either writes."""
    import threading
    import time

    from django.db import connections

    read_year = taxation.year_before

    def slow_year_before(*args, **kwargs):
        value = read_year(*args, **kwargs)
        time.sleep(0.5)
        return value

    monkeypatch.setattr(taxation, "year_before", slow_year_before)

    for i in range(5):
        taxed(park, docs(f"K-{i}", milk(2, "2500"), minutes=i))  # the year at 25,000
    early = checked(park, docs("K-5", milk(1, "1000"), minutes=5))
    late = checked(park, docs("K-6", milk(1, "1000"), minutes=6))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def tax(pk: int) -> None:
        barrier.wait()
        try:
            taxation.declaration_tax(actor=park.users["admin"], pk=pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tax, args=(pk,)) for pk in (late.pk, early.pk)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got = {
        t.declaration.order_no: (t.mode, t.year_before)
        for t in DeclarationTax.objects.filter(declaration__in=[early, late])
    }
    assert got == {"K-5": ("cross_border", D("25000.00")), "K-6": ("general_trade", D("26000.00"))}
