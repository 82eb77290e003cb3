"""Retail-import tax: the spec's worked examples, each mode by hand, the limits, returns and the due dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from livepark.engines.customs.tax import (
    CROSS_BORDER,
    CROSS_BORDER_FULL_TAX,
    GENERAL_TRADE,
    MissingRate,
    Rate,
    RateTable,
    RateTableError,
    TaxEngine,
    TaxLine,
    TaxOrder,
    TaxSettings,
    allocate,
    channel_mode,
    due_window,
    line_taxes,
    load_rates,
)

D = Decimal
ORDINARY = "1901101000"  # milk powder: VAT 13%, no consumption tax, MFN 15%
COSMETICS = "3304990099"  # high-end cosmetics: VAT 13%, consumption tax 15%, MFN 5%
WATCH = "9102110000"  # high-end watch: VAT 13%, consumption tax 20%, MFN 8%
RATES = RateTable(
    [
        Rate(ORDINARY, D("0.15"), D("0.13"), D("0")),
        Rate(COSMETICS, D("0.05"), D("0.13"), D("0.15")),
        Rate(WATCH, D("0.08"), D("0.13"), D("0.20")),
    ]
)
BUYER = "110101199003077777"
T = dt.datetime(2024, 5, 1, 9)


def order(
    *lines: tuple[str, str, str],
    no: str = "A",
    when: dt.datetime = T,
    freight: str = "0",
    insurance: str = "0",
    discount: str = "0",
    released: dt.date | None = None,
) -> TaxOrder:
    """An order of lines (gcode, qty, price)."""
    return TaxOrder(
        order_no=no,
        buyer_id=BUYER,
        app_time=when,
        lines=tuple(TaxLine(g, gcode, D(qty), D(price)) for g, (gcode, qty, price) in enumerate(lines, 1)),
        freight=D(freight),
        insurance=D(insurance),
        discount=D(discount),
        released_on=released,
    )


def amounts(t: object) -> tuple[Decimal, ...]:
    return tuple(
        getattr(t, n) for n in ("taxable_price", "customs_tax", "consumption_tax", "vat", "tax_total")
    )


# ---- the spec's worked examples ------------------------------------------------------------------------


@pytest.mark.parametrize(("price", "vat"), [("100", "9.10"), ("1000", "91.00"), ("4321.09", "393.22")])
def test_ordinary_goods_pay_9_1_percent(price: str, vat: str) -> None:
    # v = 13%, c = 0: (0 + 0.13) ÷ 1 × 70% = 9.1%; 4321.09 × 0.091 = 393.21919 → 393.22.
    tax = TaxEngine(RATES).assess(order((ORDINARY, "1", price)))
    assert tax.mode == CROSS_BORDER
    assert amounts(tax) == (D(price), D(0), D(0), D(vat), D(vat))


def test_cosmetics_pay_about_23_06_percent() -> None:
    # c = 15%: consumption = 100 ÷ 0.85 × 0.15 × 0.7 = 12.3529… → 12.35;
    # VAT = (100 + 17.6470…) × 0.13 × 0.7 = 10.7058… → 10.71; together 23.06 = (0.15 + 0.13) ÷ 0.85 × 0.7.
    tax = TaxEngine(RATES).assess(order((COSMETICS, "1", "100")))
    assert amounts(tax) == (D(100), D(0), D("12.35"), D("10.71"), D("23.06"))
    big = TaxEngine(RATES).assess(order((COSMETICS, "1", "1000")))
    assert amounts(big) == (D(1000), D(0), D("123.53"), D("107.06"), D("230.59"))
    assert (D("0.15") + D("0.13")) / D("0.85") * D("0.7") == pytest.approx(D("0.2305882"), abs=D("1e-7"))


def test_line_taxes_formulas() -> None:
    cosmetics = RATES[COSMETICS]
    assert line_taxes(D(100), cosmetics, CROSS_BORDER) == (D(0), D("12.35"), D("10.71"))
    # In full: duty 5; consumption (100 + 5) ÷ 0.85 × 0.15 = 18.5294…; VAT (105 + 18.5294…) × 0.13 = 16.0588…
    assert line_taxes(D(100), cosmetics, GENERAL_TRADE) == (D("5.00"), D("18.53"), D("16.06"))
    assert line_taxes(D(100), cosmetics, CROSS_BORDER_FULL_TAX) == (D("5.00"), D("18.53"), D("16.06"))
    with pytest.raises(ValueError, match="unknown mode"):
        line_taxes(D(1), cosmetics, "duty_free")


# ---- rounding ------------------------------------------------------------------------------------------


def test_rounding_is_half_up_per_tax_per_line_then_summed() -> None:
    # 15.00 × 0.091 = 1.365: half up gives 1.37 (half even would give 1.36).
    assert TaxEngine(RATES).assess(order((ORDINARY, "1", "15"))).vat == D("1.37")
    # Two lines of 5.00: 0.455 → 0.46 each, 0.92 together (rounding the order's 0.91 once would differ).
    tax = TaxEngine(RATES).assess(order((ORDINARY, "1", "5"), (ORDINARY, "1", "5")))
    assert [line.vat for line in tax.lines] == [D("0.46"), D("0.46")]
    assert tax.vat == D("0.92")


def test_allocation_by_largest_remainder() -> None:
    assert allocate(D("10.00"), [D(1), D(1), D(1)]) == [D("3.34"), D("3.33"), D("3.33")]
    assert allocate(D("0.05"), [D(1), D(2)]) == [D("0.02"), D("0.03")]
    assert allocate(D("7.00"), [D(0), D(0)]) == [D("7.00"), D("0.00")]
    assert sum(allocate(D("105.00"), [D("33.333"), D("66.667"), D("0.001")])) == D("105.00")
    with pytest.raises(ValueError):
        allocate(D(1), [D(-1)])


def test_freight_insurance_and_discount_are_spread_over_the_lines() -> None:
    # P = 60 + 40 + freight 10 + insurance 0 − discount 5 = 105, shared 63 : 42.
    # Cosmetics 63: consumption 63 ÷ 0.85 × 0.15 × 0.7 = 7.7823… → 7.78; VAT 74.1176… × 0.091 = 6.7447… → 6.74.
    # Milk 42: VAT 42 × 0.091 = 3.822 → 3.82.
    o = order((COSMETICS, "1", "60"), (ORDINARY, "2", "20"), freight="10", discount="5")
    tax = TaxEngine(RATES).assess(o)
    assert [line.taxable_price for line in tax.lines] == [D("63.00"), D("42.00")]
    assert amounts(tax) == (D("105.00"), D(0), D("7.78"), D("10.56"), D("18.34"))
    # When coupons do not reduce the taxable price: P = 110, shared 66 : 44.
    # 66 ÷ 0.85 × 0.15 × 0.7 = 8.1529… → 8.15; (66 + 11.6470…) × 0.091 = 7.0658… → 7.07; 44 × 0.091 = 4.004 → 4.00.
    gross = TaxEngine(RATES, TaxSettings(discount_reduces_price=False)).assess(o)
    assert amounts(gross) == (D("110.00"), D(0), D("8.15"), D("11.07"), D("19.22"))


# ---- modes and limits ----------------------------------------------------------------------------------


def test_channel_mode_boundaries() -> None:
    assert channel_mode(D(5000), False, D(21000)) == CROSS_BORDER  # both limits are inclusive
    assert channel_mode(D("5000.01"), False, D(0)) == GENERAL_TRADE
    assert channel_mode(D("5000.01"), True, D(0)) == CROSS_BORDER_FULL_TAX
    assert channel_mode(D("5000.01"), True, D("20999.99")) == CROSS_BORDER_FULL_TAX  # 26,000.00 exactly
    assert channel_mode(D("5000.01"), True, D(21000)) == GENERAL_TRADE
    assert channel_mode(D(1), False, D(25999)) == CROSS_BORDER
    assert channel_mode(D("1.01"), False, D(25999)) == GENERAL_TRADE


def test_over_5000_is_general_trade() -> None:
    # Two items of 3,000: P = 6,000 > 5,000 and not a single item.
    # Per line: duty 3000 × 15% = 450; VAT (3000 + 450) × 13% = 448.50.
    engine = TaxEngine(RATES)
    tax = engine.assess(order((ORDINARY, "1", "3000"), (ORDINARY, "1", "3000")))
    assert tax.mode == GENERAL_TRADE
    assert amounts(tax) == (D(6000), D(900), D(0), D("897.00"), D("1797.00"))
    assert tax.quota_used == 0 and engine.year_total(BUYER, 2024) == 0
    # Quantity 2 of one line is not a single item either.
    assert TaxEngine(RATES).assess(order((ORDINARY, "2", "3000"))).mode == GENERAL_TRADE


def test_single_indivisible_item_over_5000_pays_full_tax_in_the_channel() -> None:
    # P = 6,000: duty 6000 × 8% = 480; consumption (6480) ÷ 0.8 × 0.2 = 1620; VAT (6480 + 1620) × 13% = 1053.
    engine = TaxEngine(RATES)
    tax = engine.assess(order((WATCH, "1", "6000")))
    assert tax.mode == CROSS_BORDER_FULL_TAX
    assert amounts(tax) == (D(6000), D(480), D(1620), D("1053.00"), D("3153.00"))
    assert engine.year_total(BUYER, 2024) == D(6000)  # it counts toward the year


def test_single_item_that_breaks_the_year_is_general_trade() -> None:
    engine = TaxEngine(RATES, year_totals={(BUYER, 2024): D(21000)})
    assert engine.assess(order((WATCH, "1", "6000"))).mode == GENERAL_TRADE
    assert engine.year_total(BUYER, 2024) == D(21000)


def test_yearly_limit_is_tracked_across_all_of_a_buyers_orders() -> None:
    engine = TaxEngine(RATES, year_totals={(BUYER, 2024): D(21000)})
    first = engine.assess(order((ORDINARY, "1", "4000"), no="A", when=T))
    second = engine.assess(order((ORDINARY, "1", "1500"), no="B", when=T + dt.timedelta(hours=1)))
    third = engine.assess(order((ORDINARY, "1", "1000"), no="C", when=T + dt.timedelta(hours=2)))
    assert [first.mode, second.mode, third.mode] == [CROSS_BORDER, GENERAL_TRADE, CROSS_BORDER]
    # B would take the year to 26,500: general trade, and it does not use the quota, so C fits exactly.
    assert engine.year_total(BUYER, 2024) == D(26000)
    assert second.customs_tax == D(225) and second.vat == D("224.25")  # 1500 × 15%; 1725 × 13%
    # A new calendar year starts from zero; other buyers have their own year.
    assert (
        engine.assess(order((ORDINARY, "1", "4000"), no="D", when=dt.datetime(2025, 1, 1))).mode
        == CROSS_BORDER
    )
    assert engine.year_total(BUYER, 2025) == D(4000)
    assert engine.year_total("someone else", 2024) == 0


def test_order_total_includes_freight_and_insurance() -> None:
    # 4,990 of goods + 8 freight + 3 insurance = 5,001 > 5,000.
    tax = TaxEngine(RATES).assess(
        order((ORDINARY, "1", "4990"), (ORDINARY, "1", "0"), freight="8", insurance="3")
    )
    assert tax.taxable_price == D(5001) and tax.mode == GENERAL_TRADE


# ---- returns and payment -------------------------------------------------------------------------------


def test_return_within_30_days_refunds_tax_and_restores_quota() -> None:
    engine = TaxEngine(RATES, year_totals={(BUYER, 2024): D(22000)})
    released = dt.date(2024, 5, 2)
    tax = engine.assess(order((ORDINARY, "1", "4000"), released=released))
    assert engine.year_total(BUYER, 2024) == D(26000)
    refund = engine.return_order("A", released + dt.timedelta(days=30))
    assert (
        refund.refunded and refund.tax_refund == tax.tax_total == D(364) and refund.quota_restored == D(4000)
    )
    assert engine.year_total(BUYER, 2024) == D(22000)
    assert engine.assessment("A").tax_due == 0
    # The restored quota is there for the next order.
    later = engine.assess(order((ORDINARY, "1", "4000"), no="B", when=T + dt.timedelta(days=40)))
    assert later.mode == CROSS_BORDER


def test_return_after_30_days_changes_nothing() -> None:
    engine = TaxEngine(RATES)
    released = dt.date(2024, 5, 2)
    engine.assess(order((ORDINARY, "1", "4000"), released=released))
    refund = engine.return_order("A", released + dt.timedelta(days=31))
    assert not refund.refunded and refund.tax_refund == 0 and "30 days" in refund.reason
    assert engine.year_total(BUYER, 2024) == D(4000)


def test_partial_return_of_lines() -> None:
    engine = TaxEngine(RATES)
    engine.assess(order((COSMETICS, "1", "100"), (ORDINARY, "1", "100"), released=dt.date(2024, 5, 2)))
    refund = engine.return_order("A", dt.date(2024, 5, 10), gnums=[1])
    assert refund.tax_refund == D("23.06") and refund.quota_restored == D(100)
    assert engine.assessment("A").tax_due == D("9.10")
    with pytest.raises(ValueError, match="already returned"):
        engine.return_order("A", dt.date(2024, 5, 11), gnums=[1])
    with pytest.raises(ValueError, match="no line"):
        engine.return_order("A", dt.date(2024, 5, 11), gnums=[7])
    assert engine.return_order("A", dt.date(2024, 5, 11)).tax_refund == D("9.10")  # the rest


def test_returns_need_a_release_and_general_trade_restores_nothing() -> None:
    engine = TaxEngine(RATES)
    engine.assess(order((ORDINARY, "1", "100")))
    with pytest.raises(ValueError, match="not been released"):
        engine.return_order("A", dt.date(2024, 5, 3))
    engine.release("A", dt.date(2024, 5, 2))
    with pytest.raises(ValueError, match="before the release"):
        engine.return_order("A", dt.date(2024, 5, 1))
    engine.assess(order((ORDINARY, "1", "6000"), (ORDINARY, "1", "1"), no="B", released=dt.date(2024, 5, 2)))
    assert not engine.return_order("B", dt.date(2024, 5, 3)).refunded


def test_tax_is_due_on_days_31_to_45_after_release() -> None:
    assert due_window(dt.date(2024, 1, 31)) == (
        dt.date(2024, 3, 2),
        dt.date(2024, 3, 16),
    )  # 2024 is a leap year
    engine = TaxEngine(RATES)
    a = engine.assess(order((ORDINARY, "1", "100"), no="A", released=dt.date(2024, 5, 2)))
    assert (a.due_from, a.due_by) == (dt.date(2024, 6, 2), dt.date(2024, 6, 16))
    engine.assess(
        order((ORDINARY, "1", "200"), no="B", when=T + dt.timedelta(1), released=dt.date(2024, 5, 20))
    )
    engine.assess(
        order((ORDINARY, "1", "300"), no="C", when=T + dt.timedelta(2), released=dt.date(2024, 5, 3))
    )
    engine.return_order("C", dt.date(2024, 5, 4))  # returned: nothing left to pay
    june = engine.batch(2024, 6)
    assert [t.order_no for t in june.orders] == ["A", "B"]
    assert june.tax_due == D("9.10") + D("18.20")
    assert (june.due_from, june.due_by) == (dt.date(2024, 6, 2), dt.date(2024, 6, 16))
    assert engine.batch(2024, 7).orders == ()


def test_engine_refuses_bad_input_without_changing_state() -> None:
    engine = TaxEngine(RATES)
    with pytest.raises(MissingRate, match="0000000000"):
        engine.assess(order((ORDINARY, "1", "100"), ("0000000000", "1", "100")))
    assert engine.assessments == [] and engine.year_total(BUYER, 2024) == 0
    engine.assess(order((ORDINARY, "1", "100")))
    with pytest.raises(ValueError, match="already assessed"):
        engine.assess(order((ORDINARY, "1", "100"), when=T + dt.timedelta(1)))
    with pytest.raises(ValueError, match="appTime"):
        engine.assess(order((ORDINARY, "1", "100"), no="B", when=T - dt.timedelta(1)))
    with pytest.raises(ValueError, match="negative"):
        engine.assess(order((ORDINARY, "1", "10"), no="C", when=T, discount="20"))


def test_as_json_gives_two_decimal_strings() -> None:
    tax = TaxEngine(RATES).assess(order((COSMETICS, "1", "100")))
    data = tax.as_json()
    assert {
        k: data[k] for k in ("order_no", "mode", "taxable_price", "consumption_tax", "vat", "tax_total")
    } == {
        "order_no": "A",
        "mode": "cross_border",
        "taxable_price": "100.00",
        "consumption_tax": "12.35",
        "vat": "10.71",
        "tax_total": "23.06",
    }


# ---- rate tables ---------------------------------------------------------------------------------------


def test_rates_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(
        "\ufeffgcode,tariff,vat,consumption,name\n3304990099,0.05,13%,0.15,面霜\n\n1901101000,0.15,0.13,0,奶粉\n",
        encoding="utf-8",
    )
    rates = load_rates(path)
    assert rates[COSMETICS] == Rate(COSMETICS, D("0.05"), D("0.13"), D("0.15"))
    assert len(rates) == 2 and set(rates) == {COSMETICS, ORDINARY}
    with pytest.raises(MissingRate):
        rates["1234567890"]


def test_bad_rate_rows_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(
        "gcode,tariff,vat,consumption\n123,0,0,0\n3304990099,x,0.13,1\n3304990099,0,-1,0\n1901101000,0,0,0\n"
        "1901101000,0,0,0\n",
        encoding="utf-8",
    )
    with pytest.raises(RateTableError) as err:
        load_rates(path)
    assert [p.split(": ", 1)[1] for p in err.value.problems] == [
        "gcode must be 10 digits, got '123'",
        "tariff: not a number: 'x'",
        "vat: must be a number ≥ 0, got '-1'",
        "gcode 1901101000 already given on row 5",
    ]
    (tmp_path / "cols.csv").write_text("gcode,vat\n1901101000,0.13\n", encoding="utf-8")
    with pytest.raises(RateTableError, match="missing column"):
        load_rates(tmp_path / "cols.csv")
    with pytest.raises(RateTableError, match=r"\.csv or \.xlsx"):
        load_rates(tmp_path / "rates.txt")


def test_rates_from_xlsx(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["gcode", "tariff", "vat", "consumption"])
    sheet.append([3304990099, 0.05, 0.13, 0.15])
    sheet.append([201300090, 0.12, "9%", 0])  # a chapter-02 code typed as a number loses its leading zero
    book.save(tmp_path / "rates.xlsx")
    rates = load_rates(tmp_path / "rates.xlsx")
    assert rates[COSMETICS] == Rate(COSMETICS, D("0.05"), D("0.13"), D("0.15"))
    assert rates["0201300090"] == Rate("0201300090", D("0.12"), D("0.09"), D(0))
