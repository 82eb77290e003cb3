"""Statistics per trade mode: exact figures on a built fixture (month boundaries in Asia/Shanghai, released
value, tax net of refunds, release rate, top sellers), scoping per role, the page, the xlsx export and the
API."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.test import Client

from livepark.crossborder import services
from livepark.crossborder.models import DeclarationSet
from livepark.crossborder.models_export import ExportDeclaration
from livepark.crossborder.models_tax import DeclarationTax, TaxRateTable

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
D = Decimal


def at(y, m, d, hh=12, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


@pytest.fixture
def figures(park):
    """Six imports and six exports of sellers A and C over 2025-12 … 2026-03 (see the expectations)."""
    admin = park.users["admin"]

    def party(code, role, enterprise=None, brokers=()):
        return services.party_register(
            actor=admin,
            data={
                "code": code,
                "name": f"卖家{code[-1]}" if role == "seller" else f"{role} {code}",
                "role": role,
                "enterprise_id": enterprise.pk if enterprise else None,
                "broker_user_ids": [u.pk for u in brokers],
            },
        )

    seller_a = party("3301960201", "seller", park.mcn_a)
    seller_c = party("3301960203", "seller", park.mcn_c)
    agent_a = party("3301960205", "agent", brokers=[park.users["broker"]])
    agent_c = party("3301960206", "agent")
    table = TaxRateTable.objects.create(name="2026", effective_from=dt.date(2026, 1, 1))

    def imp(no, seller, agent, mode, state, total, when, tax=None, refunded="0"):
        obj = DeclarationSet.objects.create(
            order_no=no,
            ebp_code="P",
            seller=seller,
            agent=agent,
            trade_mode=mode,
            state=state,
            order_total=total,
        )
        DeclarationSet.objects.filter(pk=obj.pk).update(created_at=when)
        if tax is not None:
            DeclarationTax.objects.create(
                declaration=obj,
                rate_table=table,
                mode="cross_border",
                year=when.year,
                year_before=0,
                taxable_price=total,
                customs_tax=0,
                consumption_tax=0,
                vat=tax,
                tax_total=tax,
                quota_used=total,
                assessed_at=when,
                refunded=D(refunded),
            )

    def exp(no, seller, agent, mode, state, value, when):
        obj = ExportDeclaration.objects.create(
            order_no=no,
            ebp_code="P",
            ebc_code=seller.code,
            order_type={"9710": "B", "9810": "W"}[mode],
            seller=seller,
            agent=agent,
            trade_mode=mode,
            state=state,
            goods_value=value or D(1),
            currency="142" if value is not None else "502",
            value_rmb=value,
        )
        ExportDeclaration.objects.filter(pk=obj.pk).update(created_at=when)

    A, C = (seller_a, agent_a), (seller_c, agent_c)
    imp("i1", *A, "1210", "released", D("100.00"), at(2026, 1, 15), tax=D("9.10"))
    imp("i2", *A, "1210", "rejected", D("50.00"), at(2026, 1, 20), tax=D("4.55"))
    imp("i3", *A, "9610", "released", D("200.00"), at(2026, 2, 1, 0, 30), tax=D("18.20"))  # 2026-01-31 UTC
    imp("i4", *C, "9610", "returned", D("300.00"), at(2026, 2, 10), tax=D("27.30"), refunded="27.30")
    imp("i5", *C, "1210", "sent", D("80.00"), at(2026, 2, 11))
    imp("i6", *A, "1210", "released", D("70.00"), at(2025, 12, 31, 23, 0), tax=D("6.37"))  # last year
    exp("e1", *A, "9710", "released", D("3500.00"), at(2026, 1, 5))
    exp("e2", *A, "9710", "rejected", D("1000.00"), at(2026, 1, 6))
    exp("e3", *C, "9810", "released", None, at(2026, 2, 3))  # USD, no rate configured
    exp("e4", *C, "9710", "released", D("7000.00"), at(2026, 2, 4))
    exp("e5", *A, "9810", "received", D("200.00"), at(2026, 2, 5))
    exp(
        "e6", seller_c, agent_a, "9710", "accepted", D("10.00"), at(2026, 3, 1)
    )  # C's, declared by the broker
    return {"a": seller_a, "c": seller_c}


def row(month, mode, states, value, tax, rate, unvalued=0):
    full = dict.fromkeys(
        ["received", "checked", "taxed", "sent", "accepted", "rejected", "released", "cancelled", "returned"],
        0,
    )
    full.update(states)
    out = {"trade_mode": mode, "total": sum(states.values()), "states": full, "value": value, "tax": tax}
    out.update({"unvalued": unvalued, "release_rate": rate})
    return {"month": month, **out} if month else out


def seller(obj, count, released, value):
    return {"seller_id": obj.pk, "seller": obj.name, "count": count, "released": released, "value": value}


def test_admin_sees_the_park(api, figures):
    r = api("admin").get("/crossborder/stats", year=2026)
    assert r.status_code == 200
    body = r.json()
    assert body["year"] == 2026 and body["modes"] == ["9610", "1210", "9710", "9810"]
    assert body["tax_available"] is True
    assert body["rows"] == [
        row("2026-01", "1210", {"released": 1, "rejected": 1}, "100.00", "9.10", "0.5000"),
        row("2026-01", "9710", {"released": 1, "rejected": 1}, "3500.00", None, "0.5000"),
        row("2026-02", "9610", {"released": 1, "returned": 1}, "500.00", "18.20", "1.0000"),
        row("2026-02", "1210", {"sent": 1}, "0.00", "0.00", None),
        row("2026-02", "9710", {"released": 1}, "7000.00", None, "1.0000"),
        row("2026-02", "9810", {"released": 1, "received": 1}, "0.00", None, "1.0000", unvalued=1),
        row("2026-03", "9710", {"accepted": 1}, "0.00", None, None),
    ]
    assert body["totals"] == [
        row(None, "9610", {"released": 1, "returned": 1}, "500.00", "18.20", "1.0000"),
        row(None, "1210", {"released": 1, "rejected": 1, "sent": 1}, "100.00", "9.10", "0.5000"),
        row(None, "9710", {"released": 2, "rejected": 1, "accepted": 1}, "10500.00", None, "0.6667"),
        row(None, "9810", {"released": 1, "received": 1}, "0.00", None, "1.0000", unvalued=1),
    ]
    a, c = figures["a"], figures["c"]
    assert body["top_sellers"] == {
        "9610": [seller(c, 1, 1, "300.00"), seller(a, 1, 1, "200.00")],
        "1210": [seller(a, 2, 1, "100.00"), seller(c, 1, 0, "0.00")],
        "9710": [seller(c, 2, 1, "7000.00"), seller(a, 2, 1, "3500.00")],
        "9810": [seller(c, 1, 1, "0.00"), seller(a, 1, 0, "0.00")],
    }
    last = api("admin").get("/crossborder/stats", year=2025).json()
    assert last["rows"] == [row("2025-12", "1210", {"released": 1}, "70.00", "6.37", "1.0000")]


def test_scoping_per_role(api, figures):
    a, c = figures["a"], figures["c"]
    mine = api("owner_a").get("/crossborder/stats", year=2026).json()
    assert [(x["month"], x["trade_mode"], x["total"]) for x in mine["rows"]] == [
        ("2026-01", "1210", 2),
        ("2026-01", "9710", 2),
        ("2026-02", "9610", 1),
        ("2026-02", "9810", 1),
    ]
    assert mine["top_sellers"]["9710"] == [seller(a, 2, 1, "3500.00")]
    theirs = api("owner_c").get("/crossborder/stats", year=2026).json()
    assert [(x["month"], x["trade_mode"], x["total"]) for x in theirs["rows"]] == [
        ("2026-02", "9610", 1),
        ("2026-02", "1210", 1),
        ("2026-02", "9710", 1),
        ("2026-02", "9810", 1),
        ("2026-03", "9710", 1),
    ]
    assert theirs["top_sellers"]["9710"] == [seller(c, 2, 1, "7000.00")]
    # The broker sees what the agent it acts for declared: A's, and C's e6.
    broker = api("broker").get("/crossborder/stats", year=2026).json()
    assert [(x["month"], x["trade_mode"], x["total"]) for x in broker["rows"]] == [
        ("2026-01", "1210", 2),
        ("2026-01", "9710", 2),
        ("2026-02", "9610", 1),
        ("2026-02", "9810", 1),
        ("2026-03", "9710", 1),
    ]
    nobody = api("owner_b").get("/crossborder/stats", year=2026).json()
    assert nobody["rows"] == [] and all(
        t["total"] == 0 and t["release_rate"] is None for t in nobody["totals"]
    )
    assert nobody["top_sellers"] == {"9610": [], "1210": [], "9710": [], "9810": []}
    for who, want in (("bank", 403), ("anchor_a", 403), ("inspector", 403), (None, 401)):
        assert api(who).get("/crossborder/stats").status_code == want
    r = api("admin").get("/crossborder/stats", year=1800)
    assert r.status_code == 422 and list(r.json()["fields"]) == ["year"]


def test_page_and_xlsx(park, figures):
    client = Client()
    client.force_login(park.users["owner_a"])
    html = client.get("/crossborder/stats/?year=2026").content.decode()
    assert '<tr data-month="2026-01" data-mode="9710"><td>2026-01</td><td>9710 B2B直接出口</td>' in html
    assert "3500.00" in html and "50.0%" in html and "7000.00" not in html  # C's figures are not A's
    r = client.get("/crossborder/stats/xlsx/?year=2026")
    assert (
        r.status_code == 200
        and r["Content-Disposition"] == 'attachment; filename="crossborder-stats-2026.xlsx"'
    )
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["按月统计", "全年按贸易方式", "主要卖家"]
    months = list(book["按月统计"].iter_rows(values_only=True))
    assert months[0][:3] == ("月份", "贸易方式", "合计")
    assert [(m[0], m[1], m[2]) for m in months[1:]] == [
        ("2026-01", "1210 网购保税", 2),
        ("2026-01", "9710 B2B直接出口", 2),
        ("2026-02", "9610 直购进口", 1),
        ("2026-02", "9810 出口海外仓", 1),
    ]
    value_col = months[0].index("放行货值（元）")
    assert D(str(months[2][value_col])) == D("3500.00")
    top = list(book["主要卖家"].iter_rows(values_only=True))
    assert ("9710 B2B直接出口", 1, figures["a"].name, 2, 1) in [t[:5] for t in top]
    bank = Client()
    bank.force_login(park.users["bank"])
    assert bank.get("/crossborder/stats/xlsx/").status_code == 403
    assert client.get("/crossborder/stats/?year=abc").status_code == 422
