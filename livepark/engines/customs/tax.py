"""Retail-import tax (跨境电商零售进口税收政策, 财关税〔2016〕18号 and 〔2018〕49号) as the customs spec states it.

Within the limits (order ≤ 5,000, the buyer's calendar year ≤ 26,000) the tariff is 0 and import VAT and
consumption tax are each 70% of the statutory amount::

    consumption tax = P ÷ (1 − c) × c × 70%
    VAT             = (P + P ÷ (1 − c) × c) × v × 70%

Over the limits an order is general trade: MFN tariff t, full consumption tax and full VAT::

    customs tax     = P × t
    consumption tax = (P + P × t) ÷ (1 − c) × c
    VAT             = (P + P × t + consumption tax) × v

except a single indivisible item (one line, quantity 1) over 5,000 whose year stays within 26,000: it still goes
through the retail channel, taxed in full as above, and counts toward the year (``cross_border_full_tax``).

P is the taxable price: retail price + freight + insurance, minus the discount unless the operator decides that
coupons do not reduce it (`TaxSettings.discount_reduces_price`). Rounding: P is taken to the fen, spread over the
lines in proportion to their value (largest remainder, so the lines add up to P exactly); each tax of each line
is computed from unrounded intermediates and rounded half up to the fen once; the order's taxes are the sums.

Rates per HS code come from a table the operator loads (`load_rates`: csv or xlsx with columns
``gcode,tariff,vat,consumption``). No Django here.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext
from pathlib import Path
from typing import Any

__all__ = [
    "CROSS_BORDER",
    "CROSS_BORDER_FULL_TAX",
    "GENERAL_TRADE",
    "MODES",
    "LineTax",
    "MissingRate",
    "OrderTax",
    "Rate",
    "RateTable",
    "RateTableError",
    "Refund",
    "TaxBatch",
    "TaxEngine",
    "TaxLine",
    "TaxOrder",
    "TaxSettings",
    "allocate",
    "channel_mode",
    "due_window",
    "is_single_item",
    "line_taxes",
    "load_rates",
    "order_taxable_price",
    "round_fen",
]

CROSS_BORDER = "cross_border"
"""Within the limits: tariff 0, VAT and consumption tax at 70%."""
GENERAL_TRADE = "general_trade"
"""Over the limits: MFN tariff, full VAT and consumption tax; does not count toward the buyer's year."""
CROSS_BORDER_FULL_TAX = "cross_border_full_tax"
"""A single indivisible item over 5,000 within the year: retail channel, full tax, counts toward the year."""
MODES = (CROSS_BORDER, GENERAL_TRADE, CROSS_BORDER_FULL_TAX)

ORDER_LIMIT = Decimal("5000")
YEAR_LIMIT = Decimal("26000")
REDUCTION = Decimal("0.7")
FEN = Decimal("0.01")

# Money is N19,5 and products of two such values have up to 38 digits: a wide context keeps every
# intermediate exact (or correctly rounded far below the fen), and bad input raises instead of going NaN.
_CTX = Context(prec=80, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])


def round_fen(amount: Decimal) -> Decimal:
    """``amount`` rounded half up to the fen (two decimal places)."""
    with localcontext(_CTX):
        return amount.quantize(FEN, rounding=ROUND_HALF_UP)


# ---- rate table ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rate:
    """Statutory rates of one 10-digit HS code, as fractions (0.13 = 13%)."""

    gcode: str
    tariff: Decimal  # MFN import tariff, ad valorem
    vat: Decimal
    consumption: Decimal  # ad valorem consumption tax; 0 for most goods


class MissingRate(KeyError):
    """An HS code that the loaded rate table does not list."""

    def __init__(self, gcode: str) -> None:
        super().__init__(gcode)
        self.gcode = gcode

    def __str__(self) -> str:
        return f"gcode {self.gcode!r} is not in the rate table"


class RateTableError(ValueError):
    """A rate table that cannot be used; lists every bad row."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("bad rate table:\n" + "\n".join(f"  {p}" for p in self.problems))


_GCODE = re.compile(r"\d{10}")
RATE_COLUMNS = ("gcode", "tariff", "vat", "consumption")


class RateTable(Mapping[str, Rate]):
    """Rates by HS code; looking up an unknown code raises `MissingRate`."""

    def __init__(self, rates: Iterable[Rate] = ()) -> None:
        self._rates: dict[str, Rate] = {}
        for rate in rates:
            if rate.gcode in self._rates:
                raise RateTableError([f"gcode {rate.gcode} is listed twice"])
            self._rates[rate.gcode] = rate

    def __getitem__(self, gcode: str) -> Rate:
        try:
            return self._rates[gcode]
        except KeyError:
            raise MissingRate(gcode) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._rates)

    def __len__(self) -> int:
        return len(self._rates)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], source: str = "rates") -> RateTable:
        """Read rows with the columns gcode, tariff, vat, consumption (extra columns are ignored).

        Rates are decimal fractions ("0.13"), or percentages with a "%" sign ("13%"). Numeric cells from a
        spreadsheet are accepted; a numeric gcode gets its leading zeros back (chapters 01–09).
        """
        problems: list[str] = []
        rates: list[Rate] = []
        seen: dict[str, int] = {}
        for number, raw in enumerate(rows, start=2):  # row 1 is the header
            row = {str(k).strip().lower(): v for k, v in raw.items() if k is not None}
            if all(_blank(row.get(c)) for c in RATE_COLUMNS):
                continue  # blank line
            where = f"{source} row {number}"
            missing = [c for c in RATE_COLUMNS if c not in row]
            if missing:
                raise RateTableError([f"{source}: missing column(s) {', '.join(missing)}"])
            gcode = _gcode_text(row["gcode"])
            if not _GCODE.fullmatch(gcode):
                problems.append(f"{where}: gcode must be 10 digits, got {row['gcode']!r}")
                continue
            values: dict[str, Decimal] = {}
            for column in RATE_COLUMNS[1:]:
                try:
                    values[column] = _rate_value(row[column])
                except ValueError as exc:
                    problems.append(f"{where}: {column}: {exc}")
            if len(values) < 3:
                continue
            if values["consumption"] >= 1:
                problems.append(f"{where}: consumption: must be below 1 (100%), got {values['consumption']}")
                continue
            if gcode in seen:
                problems.append(f"{where}: gcode {gcode} already given on row {seen[gcode]}")
                continue
            seen[gcode] = number
            rates.append(Rate(gcode, values["tariff"], values["vat"], values["consumption"]))
        if problems:
            raise RateTableError(problems)
        return cls(rates)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _gcode_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return str(int(value)).zfill(10)  # a spreadsheet drops the leading zero of chapters 01–09
    return "" if value is None else str(value).strip()


def _rate_value(value: Any) -> Decimal:
    if _blank(value) or isinstance(value, bool):
        raise ValueError("missing")
    # str(float) is the shortest repr, so a cell holding 0.13 reads as exactly 0.13.
    text = str(value).strip()
    percent = text.endswith("%")
    try:
        rate = Decimal(text.removesuffix("%").strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not rate.is_finite() or rate < 0:
        raise ValueError(f"must be a number ≥ 0, got {value!r}")
    return rate / 100 if percent else rate


def load_rates(path: str | Path) -> RateTable:
    """Load the operator's rate table from a ``.csv`` (UTF-8, header row) or ``.xlsx`` (first sheet) file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        import openpyxl  # only needed for spreadsheets

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            rows = list(book.worksheets[0].iter_rows(values_only=True))
        finally:
            book.close()
        if not rows:
            raise RateTableError([f"{path.name}: empty sheet"])
        header = [str(h).strip() if h is not None else None for h in rows[0]]
        records = [dict(zip(header, r, strict=False)) for r in rows[1:]]
    elif suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:  # -sig: Excel writes a BOM
            reader = csv.DictReader(fh)
            records = list(reader)
            header = list(reader.fieldnames or [])
    else:
        raise RateTableError([f"{path.name}: rate tables are .csv or .xlsx files"])
    missing = [c for c in RATE_COLUMNS if c not in {str(h).strip().lower() for h in header if h is not None}]
    if missing:
        raise RateTableError([f"{path.name}: missing column(s) {', '.join(missing)}"])
    table = RateTable.from_rows(records, path.name)
    if not table:
        raise RateTableError([f"{path.name}: no rates"])
    return table


# ---- the formulas ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaxSettings:
    """The policy numbers; the defaults are those of the spec."""

    order_limit: Decimal = ORDER_LIMIT
    year_limit: Decimal = YEAR_LIMIT
    reduction: Decimal = REDUCTION  # share of VAT and consumption tax levied within the limits
    discount_reduces_price: bool = True  # coupons reduce the taxable price (the price actually paid)
    return_days: int = 30  # a return this many days after release or fewer refunds tax and quota
    due_days: tuple[int, int] = (31, 45)  # the tax is paid on these days after release


def order_taxable_price(
    goods: Decimal,
    freight: Decimal,
    insurance: Decimal,
    discount: Decimal,
    *,
    discount_reduces_price: bool = True,
) -> Decimal:
    """The order's taxable price to the fen: goods + freight + insurance (− discount if coupons count).

    This is also the amount measured against the per-order and yearly limits.
    """
    with localcontext(_CTX):
        total = goods + freight + insurance - (discount if discount_reduces_price else 0)
    return round_fen(total)


def is_single_item(quantities: Sequence[Decimal]) -> bool:
    """Whether an order is one indivisible item: a single line of quantity 1 (订单下仅一件商品)."""
    return len(quantities) == 1 and quantities[0] == 1


def channel_mode(
    amount: Decimal,
    single_item: bool,
    year_before: Decimal,
    *,
    order_limit: Decimal = ORDER_LIMIT,
    year_limit: Decimal = YEAR_LIMIT,
) -> str:
    """How an order of taxable price ``amount`` is taxed, given the buyer's year so far (limits inclusive)."""
    within_year = year_before + amount <= year_limit
    if amount <= order_limit and within_year:
        return CROSS_BORDER
    if single_item and within_year:
        return CROSS_BORDER_FULL_TAX
    return GENERAL_TRADE


def line_taxes(price: Decimal, rate: Rate, mode: str, reduction: Decimal = REDUCTION) -> tuple[Decimal, ...]:
    """(customs tax, consumption tax, VAT) of one line of taxable price ``price``, each rounded to the fen."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    c, v = rate.consumption, rate.vat
    with localcontext(_CTX):
        if mode == CROSS_BORDER:
            duty = Decimal(0)
            statutory_consumption = price / (1 - c) * c
            consumption = statutory_consumption * reduction
            vat = (price + statutory_consumption) * v * reduction
        else:
            duty = price * rate.tariff
            consumption = (price + duty) / (1 - c) * c
            vat = (price + duty + consumption) * v
    return round_fen(duty), round_fen(consumption), round_fen(vat)


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` (whole fen) over lines in proportion to ``weights``; the parts add up to ``total``.

    Largest remainder: each line gets its share rounded down to the fen, and the fen left over go one each to
    the lines with the largest remainders (the earlier line on a tie). With all weights 0 the first line takes
    everything.
    """
    if not weights:
        raise ValueError("nothing to allocate to")
    if any(w < 0 for w in weights):
        raise ValueError("line values must not be negative")
    fen = int((total / FEN).to_integral_exact())
    places = max(max(-w.as_tuple().exponent, 0) for w in weights)  # type: ignore[operator]
    ints = [int(w.scaleb(places)) for w in weights]
    whole = sum(ints)
    if whole == 0:
        return [total, *([Decimal("0.00")] * (len(weights) - 1))]
    parts = [fen * w // whole for w in ints]
    remainders = [fen * w % whole for w in ints]
    left = fen - sum(parts)
    for i in sorted(range(len(ints)), key=lambda i: (-remainders[i], i))[:left]:
        parts[i] += 1
    return [Decimal(p).scaleb(-2) for p in parts]


def due_window(released_on: dt.date, settings: TaxSettings | None = None) -> tuple[dt.date, dt.date]:
    """First and last day on which the tax of an order released on ``released_on`` is paid (days 31–45)."""
    first, last = (settings or TaxSettings()).due_days
    return released_on + dt.timedelta(days=first), released_on + dt.timedelta(days=last)


# ---- the engine ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaxLine:
    """One goods line: its HS code, quantity and price (``total`` defaults to price × qty)."""

    gnum: int
    gcode: str
    qty: Decimal
    price: Decimal
    total: Decimal | None = None

    @property
    def value(self) -> Decimal:
        """The line's retail value."""
        if self.total is not None:
            return self.total
        with localcontext(_CTX):
            return self.price * self.qty


@dataclass(frozen=True, slots=True)
class TaxOrder:
    """What the tax needs of one order; ``released_on`` (customs release) sets the payment window."""

    order_no: str
    buyer_id: str
    app_time: dt.datetime
    lines: tuple[TaxLine, ...]
    freight: Decimal = Decimal(0)
    insurance: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    ebp_code: str = ""
    released_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class LineTax:
    """The taxes of one line, in yuan to the fen."""

    gnum: int
    gcode: str
    taxable_price: Decimal
    customs_tax: Decimal
    consumption_tax: Decimal
    vat: Decimal

    @property
    def tax_total(self) -> Decimal:
        """Customs tax + consumption tax + VAT."""
        return self.customs_tax + self.consumption_tax + self.vat


@dataclass(frozen=True, slots=True)
class OrderTax:
    """The assessment of one order. Amounts are the sums of the lines' rounded amounts."""

    order_no: str
    ebp_code: str
    buyer_id: str
    year: int
    mode: str
    taxable_price: Decimal
    customs_tax: Decimal
    consumption_tax: Decimal
    vat: Decimal
    lines: tuple[LineTax, ...]
    quota_used: Decimal  # what the order adds to the buyer's year (0 for general trade)
    released_on: dt.date | None = None
    due_from: dt.date | None = None
    due_by: dt.date | None = None
    returned_gnums: frozenset[int] = frozenset()
    refunded: Decimal = Decimal(0)

    @property
    def tax_total(self) -> Decimal:
        """Customs tax + consumption tax + VAT of the order as assessed."""
        return self.customs_tax + self.consumption_tax + self.vat

    @property
    def tax_due(self) -> Decimal:
        """What remains to be paid after refunds for returns."""
        return self.tax_total - self.refunded

    def as_json(self) -> dict[str, Any]:
        """Plain JSON values: amounts as strings with two decimals, dates as ISO strings."""
        return {
            "order_no": self.order_no,
            "ebp_code": self.ebp_code,
            "buyer_id": self.buyer_id,
            "mode": self.mode,
            "taxable_price": _money(self.taxable_price),
            "customs_tax": _money(self.customs_tax),
            "consumption_tax": _money(self.consumption_tax),
            "vat": _money(self.vat),
            "tax_total": _money(self.tax_total),
            "year": self.year,
            "year_quota_used": _money(self.quota_used),
            "released_on": _iso(self.released_on),
            "due_from": _iso(self.due_from),
            "due_by": _iso(self.due_by),
            "lines": [
                {
                    "gnum": line.gnum,
                    "gcode": line.gcode,
                    "taxable_price": _money(line.taxable_price),
                    "customs_tax": _money(line.customs_tax),
                    "consumption_tax": _money(line.consumption_tax),
                    "vat": _money(line.vat),
                    "tax_total": _money(line.tax_total),
                }
                for line in self.lines
            ],
        }


def _money(amount: Decimal) -> str:
    return format(round_fen(amount), "f")


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


@dataclass(frozen=True, slots=True)
class Refund:
    """The outcome of a return: whether it came in time, the tax refunded and the quota given back."""

    order_no: str
    refunded: bool
    tax_refund: Decimal
    quota_restored: Decimal
    reason: str = ""


@dataclass(frozen=True, slots=True)
class TaxBatch:
    """The orders whose payment window opens in one month, with the latest day to pay all of them."""

    period: str  # YYYY-MM
    due_from: dt.date  # the earliest day any order in it may be paid
    due_by: dt.date  # the earliest deadline among its orders
    orders: tuple[OrderTax, ...]
    tax_due: Decimal


@dataclass
class TaxEngine:
    """Assesses orders in appTime order, tracking every buyer's calendar year across all their orders.

    ``year_totals`` seeds what buyers have already used, by (buyer id, year). An order that cannot be assessed
    (a gcode missing from the rate table, bad amounts) raises before anything changes, so the engine's state
    never depends on a half-assessed order.
    """

    rates: Mapping[str, Rate]
    settings: TaxSettings = field(default_factory=TaxSettings)
    year_totals: dict[tuple[str, int], Decimal] = field(default_factory=dict)
    _orders: dict[tuple[str, str], OrderTax] = field(default_factory=dict, init=False, repr=False)
    _last_time: dt.datetime | None = field(default=None, init=False, repr=False)

    def year_total(self, buyer_id: str, year: int) -> Decimal:
        """What the buyer has used of the year's 26,000 so far."""
        return self.year_totals.get((buyer_id, year), Decimal(0))

    def assessment(self, order_no: str, ebp_code: str = "") -> OrderTax:
        """The current assessment of an order (after any release or return)."""
        try:
            return self._orders[(ebp_code, order_no)]
        except KeyError:
            raise KeyError(f"order {order_no!r} has not been assessed") from None

    @property
    def assessments(self) -> list[OrderTax]:
        """Every assessment, in the order they were made."""
        return list(self._orders.values())

    def assess(self, order: TaxOrder) -> OrderTax:
        """Tax one order and add it to its buyer's year (unless it is general trade)."""
        key = (order.ebp_code, order.order_no)
        if key in self._orders:
            raise ValueError(f"order {order.order_no!r} was already assessed")
        if self._last_time is not None and order.app_time < self._last_time:
            # The yearly limit depends on what came before: out-of-order input would silently misclassify.
            raise ValueError(f"order {order.order_no!r} comes before the previous order's appTime")
        if not order.lines:
            raise ValueError(f"order {order.order_no!r} has no lines")
        s = self.settings
        values = [line.value for line in order.lines]
        if any(v < 0 for v in values):
            raise ValueError(f"order {order.order_no!r} has a line of negative value")
        with localcontext(_CTX):
            goods = sum(values, Decimal(0))
        price = order_taxable_price(
            goods,
            order.freight,
            order.insurance,
            order.discount,
            discount_reduces_price=s.discount_reduces_price,
        )
        if price < 0:
            raise ValueError(f"order {order.order_no!r} has a negative taxable price {price}")
        year = order.app_time.year
        before = self.year_total(order.buyer_id, year)
        single = is_single_item([line.qty for line in order.lines])
        mode = channel_mode(price, single, before, order_limit=s.order_limit, year_limit=s.year_limit)
        rates = [self.rates[line.gcode] for line in order.lines]  # MissingRate before any state changes
        lines: list[LineTax] = []
        for line, rate, share in zip(order.lines, rates, allocate(price, values), strict=True):
            duty, consumption, vat = line_taxes(share, rate, mode, s.reduction)
            lines.append(LineTax(line.gnum, line.gcode, share, duty, consumption, vat))
        quota = Decimal(0) if mode == GENERAL_TRADE else price
        result = OrderTax(
            order_no=order.order_no,
            ebp_code=order.ebp_code,
            buyer_id=order.buyer_id,
            year=year,
            mode=mode,
            taxable_price=price,
            customs_tax=sum((x.customs_tax for x in lines), Decimal(0)),
            consumption_tax=sum((x.consumption_tax for x in lines), Decimal(0)),
            vat=sum((x.vat for x in lines), Decimal(0)),
            lines=tuple(lines),
            quota_used=quota,
        )
        if order.released_on is not None:
            result = self._with_release(result, order.released_on)
        self.year_totals[(order.buyer_id, year)] = before + quota
        self._orders[key] = result
        self._last_time = order.app_time
        return result

    def _with_release(self, tax: OrderTax, released_on: dt.date) -> OrderTax:
        due_from, due_by = due_window(released_on, self.settings)
        return replace(tax, released_on=released_on, due_from=due_from, due_by=due_by)

    def release(self, order_no: str, released_on: dt.date, ebp_code: str = "") -> OrderTax:
        """Record customs release (status 800) of an order: its payment window is days 31–45 after."""
        tax = self._with_release(self.assessment(order_no, ebp_code), released_on)
        self._orders[(ebp_code, order_no)] = tax
        return tax

    def return_order(
        self,
        order_no: str,
        returned_on: dt.date,
        *,
        ebp_code: str = "",
        gnums: Iterable[int] | None = None,
    ) -> Refund:
        """A return of the whole order, or of some of its lines (``gnums``), on ``returned_on``.

        Within 30 days of release the lines' tax is refunded and their taxable price goes back to the buyer's
        year; later, nothing changes. General-trade orders are outside the retail channel: nothing to restore.
        """
        tax = self.assessment(order_no, ebp_code)
        if tax.released_on is None:
            raise ValueError(f"order {order_no!r} has not been released; cancel the declaration instead")
        if returned_on < tax.released_on:
            raise ValueError(f"return date {returned_on} is before the release on {tax.released_on}")
        by_gnum = {line.gnum: line for line in tax.lines}
        wanted = set(by_gnum) - tax.returned_gnums if gnums is None else set(gnums)
        unknown = sorted(wanted - set(by_gnum))
        if unknown:
            raise ValueError(f"order {order_no!r} has no line(s) {unknown}")
        again = sorted(wanted & tax.returned_gnums)
        if again:
            raise ValueError(f"line(s) {again} of order {order_no!r} were already returned")
        if not wanted:
            raise ValueError(f"order {order_no!r} has nothing left to return")
        if tax.mode == GENERAL_TRADE:
            return Refund(
                order_no, False, Decimal(0), Decimal(0), "general trade: outside the retail channel"
            )
        if (returned_on - tax.released_on).days > self.settings.return_days:
            days = self.settings.return_days
            return Refund(
                order_no, False, Decimal(0), Decimal(0), f"returned more than {days} days after release"
            )
        returned = [by_gnum[g] for g in sorted(wanted)]
        refund = sum((line.tax_total for line in returned), Decimal(0))
        quota = sum((line.taxable_price for line in returned), Decimal(0))
        key = (tax.buyer_id, tax.year)
        self.year_totals[key] = self.year_totals.get(key, Decimal(0)) - quota
        self._orders[(ebp_code, order_no)] = replace(
            tax,
            returned_gnums=tax.returned_gnums | wanted,
            refunded=tax.refunded + refund,
            quota_used=tax.quota_used - quota,
        )
        return Refund(order_no, True, refund, quota)

    def batch(self, year: int, month: int) -> TaxBatch:
        """The month's tax batch: released orders with tax still due whose payment window opens that month."""
        orders = tuple(
            t
            for t in self._orders.values()
            if t.due_from is not None
            and (t.due_from.year, t.due_from.month) == (year, month)
            and t.tax_due > 0
        )
        first = dt.date(year, month, 1)
        due_from = min((t.due_from for t in orders if t.due_from), default=first)
        due_by = min((t.due_by for t in orders if t.due_by), default=first)
        total = sum((t.tax_due for t in orders), Decimal(0))
        return TaxBatch(f"{year:04d}-{month:02d}", due_from, due_by, orders, total)
