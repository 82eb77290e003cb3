"""Bulk import of platform order exports: the rules of `import_orders`, checked column by column.

`import_orders` records each order through `order_create`: a savepoint, about ten queries and an audit row per
order, far below the 20,000 lines/s a base needs after a big live session. `import_orders_bulk` gives the same
answer — the same orders and lines, the same report, all or nothing, a re-import changes nothing — for files of
any size:

1. Read. CSV with pyarrow.csv (every column as text, stripped as `read_table` strips); xlsx, JSON, and any CSV
   pyarrow might read differently from Python's csv module (a header quoted over several lines, NUL, bare CR,
   duplicate or empty headers, ragged rows), through `read_table` itself.
2. Check column-wise (pyarrow.compute and numpy, no per-row Python): grouping by order number, money format,
   quantities, SKU barcodes (one query), payment time, consignee, per-order sums and paid = goods + freight −
   discount. These fast checks accept a strict subset of what the per-order rules accept, with identical values.
3. An order the fast checks do not accept goes through the per-order code itself (`order_body`, the right, then
   `clean_order`, as `import_orders` → `order_create` does), so every reported error is word for word the same
   and odd but valid input (`¥1,299.00`, a phone written with spaces, a time with an offset) is taken exactly as
   the per-order path takes it. The first fast-checked order goes that way too: the shop rule does not depend on
   the order, so its verdict holds for every fast-checked order, and it cross-checks the fast path.
4. One transaction: existing orders found with one query per chunk (same content → unchanged, different content
   → reported as `order_create`'s conflict), then orders and lines inserted with `executemany` (COPY on
   PostgreSQL) under ids allocated up front. Consignees (Fernet, the one per-order loop left) are encrypted
   before the transaction opens, so SQLite's write lock is held for the inserts only; a lighter query per chunk
   before it skips the orders already recorded.

Audit: ONE AuditLog entry per import (actor, channel "import", file name and SHA-256, counts, id range) instead of
one per order. A million per-order entries would double the write volume and say nothing that the file digest
and the orders themselves do not; later changes to each order are audited as usual. As on the per-order path, an
import that creates nothing writes nothing, not even an audit entry.

Both paths compare payment times as instants, so a re-imported order whose payment time fell in a DST gap
(China, 1986-1991) is unchanged on either. A cell holding NUL (0x00) is a bad cell on both, named by row and
column. Databases: SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import logging
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from livepark.catalog.models import SKU
from livepark.core import counting, crypto
from livepark.core.errors import ServiceError
from livepark.core.models import AuditLog
from livepark.core.money import MoneyFormatError
from livepark.core.scoping import require_right
from livepark.fulfillment.models import Order, OrderLine
from livepark.fulfillment.order_import import (
    MAPPINGS,
    NUL,
    OPTIONAL,
    WEB_LIMIT_HINT,
    OrderImportReport,
    order_body,
    read_table,
)
from livepark.fulfillment.orders import clean_order
from livepark.fulfillment.services import GROUP

log = logging.getLogger(__name__)

#: `import_orders` hands files with more rows than this to `import_orders_bulk`.
BULK_ROWS = 5_000
MAX_BULK_ROWS = 2_000_000
_IN_CHUNK = 5_000  # distinct barcodes per SKU query (SQLite's bound-parameter limit)
_READ_ERRORS = (ValueError, UnicodeDecodeError, zipfile.BadZipFile, KeyError, OSError)  # as import_orders

# Fast-path patterns (RE2, ASCII only): each accepts a subset of what the per-order rules accept.
_MONEY = r"^(?P<w>[0-9]{1,13})(?:\.(?P<f>[0-9]{1,2}))?$"
_QTY = r"^[0-9]{1,9}$"  # ≤ 9 digits: fits PositiveIntegerField on every database
_TIME = r"^(?:19[7-9][0-9]|20[0-9]{2})-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"
_PHONE = r"^(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"  # validators.PHONE_RE, ASCII digits, no spaces
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_GOODS_LIMIT = 2.0**60  # larger per-order sums take the exact (Python int) path
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_json_str = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes for a str
_CONFLICT = {"order_no": ["already recorded with different content"]}  # order_create's conflict fields

#: progress(stage, done, total) with stage one of read, check, encrypt, write, done.
Progress = Callable[[str, int, int], None]


def wants_bulk(data: bytes, filename: str) -> bool:
    """Whether a file likely has more than BULK_ROWS rows (cheap; both paths give the same answer anyway)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            from openpyxl import load_workbook

            return (
                load_workbook(io.BytesIO(data), read_only=True).worksheets[0].max_row or 0
            ) > BULK_ROWS + 1
        except Exception:  # the per-order path reports an unreadable workbook
            return False
    return data.count(b"{" if name.endswith(".json") else b"\n") > BULK_ROWS


# --- reading ---------------------------------------------------------------------------------------------


class _Fallback(Exception):
    """pyarrow might read this CSV differently from `read_table`: let `read_table` read it."""


@dataclass
class _Table:
    rows: int
    headers: set[str]  # the first row's headers: what the missing-column check looks at
    columns: dict[str, pa.Array]  # our field -> every row's text ("" where the column is absent)


def _read(data: bytes, filename: str, mapping: dict[str, str]) -> _Table:
    if not filename.lower().endswith((".json", ".xlsx")):
        try:
            return _read_csv(data, mapping)
        except _Fallback:
            pass
    rows = read_table(data, filename)
    columns = {key: pa.array([r.get(h, "") for r in rows], pa.string()) for key, h in mapping.items()}
    return _Table(len(rows), set(rows[0]) if rows else set(), columns)


def _read_csv(data: bytes, mapping: dict[str, str]) -> _Table:
    if b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        raise _Fallback  # Python's csv module refuses these; read_table fails the same way then
    try:
        data.decode("utf-8")
        body = data  # pyarrow skips one leading BOM, as read_table's utf-8-sig does
    except UnicodeDecodeError:
        text = data.decode("gb18030")  # read_table's fallback for files saved by Excel on Chinese Windows
        if text.startswith("\ufeff"):
            raise _Fallback from None
        body = text.encode("utf-8")
    end = body.find(b"\n")
    head = (body if end < 0 else body[:end]).rstrip(b"\r").decode("utf-8-sig")
    if not head or head.count('"') % 2:
        raise _Fallback  # no header, or a quoted header running over several lines
    raw = next(csv.reader([head]))  # the header exactly as DictReader reads it
    stripped = [h.strip() for h in raw]
    if "" in stripped or len(set(stripped)) != len(stripped):
        raise _Fallback  # DictReader drops empty headers and lets the last duplicate win
    by_header = dict(zip(stripped, raw, strict=True))
    wanted = [by_header[h] for h in mapping.values() if h in by_header] or raw[:1]
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            # Without a quote anywhere no value can hold a newline, and the parser may run in parallel.
            parse_options=pacsv.ParseOptions(newlines_in_values=b'"' in body),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(raw, pa.string()),
                include_columns=wanted,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowException as exc:  # ragged rows, a header pyarrow splits otherwise, ...
        raise _Fallback from exc
    if table.column_names != wanted:
        raise _Fallback
    n = table.num_rows
    columns = {
        # utf8_trim_whitespace strips exactly the characters str.strip() strips.
        key: pc.utf8_trim_whitespace(table.column(by_header[h]).combine_chunks())
        if h in by_header
        else pa.array([""] * n, pa.string())
        for key, h in mapping.items()
    }
    return _Table(n, set(stripped), columns)


# --- column-wise checks ----------------------------------------------------------------------------------


def _np(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False)


def _bools(arr: pa.Array) -> np.ndarray:
    return _np(arr.fill_null(False)).astype(bool)


def _money(texts: pa.Array, *, optional: bool) -> tuple[np.ndarray, np.ndarray]:
    """(fen, ok): yuan with at most two decimals, no sign or symbol; "" is 0 where the column is optional."""
    parts = pc.extract_regex(texts, _MONEY)
    ok = parts.is_valid()
    whole = pc.if_else(ok, pc.struct_field(parts, "w"), "0").cast(pa.int64())
    frac = pc.utf8_rpad(pc.if_else(ok, pc.struct_field(parts, "f"), ""), width=2, padding="0").cast(
        pa.int64()
    )
    fen, good = _np(whole) * 100 + _np(frac), _bools(ok)
    if optional:
        blank = _bools(pc.equal(texts, ""))
        good |= blank
        fen[blank] = 0
    return fen, good


def _quantity(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    ok = pc.match_substring_regex(texts, _QTY)
    qty = _np(pc.if_else(ok, texts, "0").cast(pa.int64()))
    return qty, _bools(ok) & (qty >= 1)


def _times(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(µs since the epoch, ok) for `YYYY-MM-DD HH:MM:SS` (or with '/'), read in the current time zone."""
    texts = pc.replace_substring(texts, "/", "-")
    ok = pc.match_substring_regex(texts, _TIME)
    texts = pc.if_else(ok, texts, "2000-01-01 00:00:00")
    naive = pc.strptime(texts, format=_TIME_FORMAT, unit="s", error_is_null=True)
    # strptime rolls 02-30 over into March: keep only times that format back to themselves.
    ok = pc.and_(ok, pc.equal(pc.strftime(naive, format=_TIME_FORMAT), texts).fill_null(False))
    naive = naive.fill_null(pa.scalar(0, pa.timestamp("s")))
    zone = getattr(timezone.get_current_timezone(), "key", None)
    if zone is None:  # not an IANA zone Arrow can read: every time takes the exact path
        return np.zeros(len(texts), np.int64), np.zeros(len(texts), bool)
    early = pc.assume_timezone(naive, zone, ambiguous="earliest", nonexistent="earliest")
    late = pc.assume_timezone(naive, zone, ambiguous="earliest", nonexistent="latest")
    ok = pc.and_(ok, pc.equal(early, late))  # a time skipped by a DST change: left to the exact path
    return _np(early.cast(pa.int64())).astype(np.int64) * 1_000_000, _bools(ok)


def _text(texts: pa.Array, max_length: int) -> np.ndarray:
    """Present, already stripped, at most `max_length` characters (required_text's rule)."""
    length = pc.utf8_length(texts)
    present = pc.and_(pc.greater_equal(length, 1), pc.less_equal(length, max_length))
    return _bools(pc.and_(present, pc.equal(pc.utf8_trim_whitespace(texts), texts)))


def _sku_ids(barcodes: pa.Array) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """(SKU id, known, barcode -> id): the file's distinct barcodes looked up with one query."""
    distinct = [b for b in pc.unique(barcodes).to_pylist() if NUL not in b]  # PostgreSQL refuses NUL
    known: dict[str, int] = {}
    for i in range(0, len(distinct), _IN_CHUNK):
        known.update(SKU.objects.filter(barcode__in=distinct[i : i + _IN_CHUNK]).values_list("barcode", "pk"))
    if not known:
        return np.zeros(len(barcodes), np.int64), np.zeros(len(barcodes), bool), known
    at = pc.index_in(barcodes, value_set=pa.array(list(known), pa.string()))
    ids = np.fromiter(known.values(), np.int64, len(known))
    return ids[_np(at.fill_null(0))], _bools(at.is_valid()), known


def _micros(value: dt.datetime) -> int:
    return (value - _EPOCH) // dt.timedelta(microseconds=1)


@dataclass
class _Groups:
    """Rows grouped by order number, groups in order of first appearance (import_orders' dict order)."""

    codes: np.ndarray  # group of each row
    keys: pa.Array  # order number of each group, as in the file
    first: np.ndarray  # first row (0-based) of each group
    perm: np.ndarray  # rows grouped, file order inside each group
    starts: np.ndarray  # group g's rows are perm[starts[g]:starts[g + 1]]

    @classmethod
    def of(cls, order_no: pa.Array) -> _Groups:
        """Group rows by their order number."""
        n = len(order_no)
        encoded = pc.dictionary_encode(order_no)
        codes, keys = _np(encoded.indices).astype(np.int64), encoded.dictionary
        first = np.full(len(keys), n, np.int64)
        np.minimum.at(first, codes, np.arange(n, dtype=np.int64))
        rank = np.argsort(first, kind="stable")
        if not np.array_equal(rank, np.arange(len(keys))):  # renumber in order of first appearance
            where = np.empty(len(keys), np.int64)
            where[rank] = np.arange(len(keys))
            codes, keys, first = where[codes], keys.take(pa.array(rank)), first[rank]
        starts = np.zeros(len(keys) + 1, np.int64)
        starts[1:] = np.cumsum(np.bincount(codes, minlength=len(keys)))
        return cls(codes, keys, first, np.argsort(codes, kind="stable"), starts)

    def rows(self, g: int) -> np.ndarray:
        """Group g's rows in file order."""
        return self.perm[self.starts[g] : self.starts[g + 1]]

    def reduce(self, ufunc: np.ufunc, values: np.ndarray) -> np.ndarray:
        """`ufunc` over each group's rows (sum, all)."""
        return ufunc.reduceat(values[self.perm], self.starts[:-1])


@dataclass
class _Fast:
    """The column-wise verdict and values: per row (sku, qty, price) and per group (the rest)."""

    ok: np.ndarray  # per group: every rule holds
    sku: np.ndarray
    qty: np.ndarray
    price: np.ndarray
    goods: np.ndarray
    freight: np.ndarray
    discount: np.ndarray
    paid: np.ndarray
    paid_at: np.ndarray
    consignee: dict[str, pa.Array]  # name, phone, address of each group's first row
    skus: dict[str, int]  # barcode -> SKU id, for the per-order code


def _fast_check(cols: dict[str, pa.Array], groups: _Groups) -> _Fast:
    clean = np.ones(len(groups.codes), bool)  # no NUL in any mapped cell: `order_body` reports those
    for texts in cols.values():
        clean &= ~_bools(pc.match_substring(texts, NUL))
    price, price_ok = _money(cols["price"], optional=False)
    qty, qty_ok = _quantity(cols["quantity"])
    sku, sku_ok, skus = _sku_ids(cols["barcode"])
    rows_ok = groups.reduce(np.logical_and, price_ok & qty_ok & sku_ok & clean)
    goods = groups.reduce(np.add, np.where(price_ok & qty_ok, qty * price, 0))
    goods_float = groups.reduce(np.add, qty.astype(float) * price.astype(float))
    # Order-level columns are read from each order's first row.
    first = {key: cols[key].take(pa.array(groups.first)) for key in cols}
    freight, freight_ok = _money(first["freight"], optional=True)
    discount, discount_ok = _money(first["discount"], optional=True)
    paid, paid_ok = _money(first["paid"], optional=False)
    paid_at, paid_at_ok = _times(first["paid_at"])
    ok = (
        rows_ok
        & freight_ok
        & discount_ok
        & paid_ok
        & paid_at_ok
        & _text(groups.keys, 40)
        & _text(first["name"], 40)
        & _text(first["address"], 200)
        & _bools(pc.match_substring_regex(first["phone"], _PHONE))
        & (goods_float < _GOODS_LIMIT)
        & (paid == goods + freight - discount)
    )
    consignee = {key: first[key] for key in ("name", "phone", "address")}
    return _Fast(ok, sku, qty, price, goods, freight, discount, paid, paid_at, consignee, skus)


# --- the per-order code, for what the fast checks do not accept -------------------------------------------


Checked = tuple[dict[str, Any], list[dict[str, Any]]]  # clean_order's (fields, lines)


def _per_order(
    platform, mapping, order_no, members, skus, shop_id, actor, forbidden
) -> tuple[Checked | None, Any]:
    """One order through import_orders' and order_create's own checks: ((fields, lines), None) or (None, errors)."""
    row_errors: dict[str, list[str]] = {}
    try:
        body = order_body(platform, mapping, order_no, members, skus, row_errors, shop_id)
    except (MoneyFormatError, ValueError) as exc:
        row_errors.setdefault("row", []).append(str(exc))
    if row_errors:
        return None, row_errors
    if forbidden is not None:  # order_create checks the right before anything else
        return None, forbidden.fields or {"row": [forbidden.detail]}
    try:
        fields, lines, _ = clean_order(actor, body)
    except ServiceError as exc:
        return None, exc.fields or {"row": [exc.detail]}
    return (fields, lines), None


@dataclass
class _Orders:
    """The valid orders in file order; order i's lines are line_at[i]:line_at[i + 1]."""

    group: np.ndarray
    order_no: list[str]  # as stored (the report names the group's number as the file has it)
    goods: np.ndarray
    freight: np.ndarray
    discount: np.ndarray
    paid: np.ndarray
    paid_at: np.ndarray  # µs since the epoch
    line_at: np.ndarray
    sku: np.ndarray
    qty: np.ndarray
    price: np.ndarray
    consignee: list[tuple[str, str, str] | None]  # fast-checked orders: (name, phone, address) in clear
    fields: dict[int, dict[str, Any]]  # orders the per-order code checked: clean_order's fields

    def content(self, i: int, shop_id: int) -> tuple:
        """What order_create compares with a stored order (shop and same_order)."""
        a, b = self.line_at[i], self.line_at[i + 1]
        lines = list(
            zip(self.sku[a:b].tolist(), self.qty[a:b].tolist(), self.price[a:b].tolist(), strict=True)
        )
        money = (self.goods[i], self.freight[i], self.discount[i], self.paid[i], self.paid_at[i])
        return (shop_id, *(int(v) for v in money), lines)


class _Check:
    """Validation of one file: the fast checks, then the per-order code where they do not accept an order."""

    def __init__(self, platform: str, mapping: dict[str, str], table: _Table, actor, shop_id: int | None):
        self.platform, self.mapping, self.actor, self.shop_id = platform, mapping, actor, shop_id
        self.cols = table.columns
        self.groups = _Groups.of(self.cols["order_no"])
        self.fast = _fast_check(self.cols, self.groups)
        self.errors: list[tuple[int, dict[str, Any]]] = []  # (group, entry)
        self.checked: dict[int, Checked] = {}
        try:
            require_right(actor, "order", "create")
            self.forbidden: ServiceError | None = None
        except ServiceError as exc:
            self.forbidden = exc

    def error(self, g: int, fields: dict[str, list[str]]) -> None:
        """Report group g as import_orders does: first row number, order number, field -> rules."""
        entry = {
            "row": int(self.groups.first[g]) + 2,
            "order_no": self.groups.keys[g].as_py(),
            "fields": fields,
        }
        self.errors.append((g, entry))

    def per_order(self, gs: Sequence[int]) -> None:
        """Run the per-order code on groups `gs` (ascending)."""
        if not len(gs):
            return
        rows = np.concatenate([self.groups.rows(g) for g in gs])
        taken = pa.array(rows)
        texts = {self.mapping[key]: col.take(taken).to_pylist() for key, col in self.cols.items()}
        dicts = iter(dict(zip(texts, values, strict=True)) for values in zip(*texts.values(), strict=True))
        numbers = iter((rows + 2).tolist())
        for g in gs:
            size = int(self.groups.starts[g + 1] - self.groups.starts[g])
            members = [(next(numbers), next(dicts)) for _ in range(size)]
            result, problem = _per_order(
                self.platform,
                self.mapping,
                self.groups.keys[g].as_py(),
                members,
                self.fast.skus,
                self.shop_id,
                self.actor,
                self.forbidden,
            )
            if problem is not None:
                self.error(g, problem)
            else:
                self.checked[g] = result

    def run(self) -> tuple[_Orders, int | None]:
        """Check every order; returns the valid ones and the shop they belong to."""
        fast = self.fast.ok.copy()
        fast_groups = np.flatnonzero(fast).tolist()
        probe = fast_groups[:1] if self.forbidden is None else []
        self.per_order(sorted(np.flatnonzero(~fast).tolist() + probe))
        fast[probe] = False
        if self.forbidden is not None:  # the right is checked before the shop rule and the same for all
            for g in fast_groups:
                self.error(g, {"row": [self.forbidden.detail]})
            fast[:] = False
        elif probe and not self._agrees(probe[0]):
            g0 = probe[0]
            problem = {} if g0 in self.checked else next(e["fields"] for g, e in self.errors if g == g0)
            rest = np.flatnonzero(fast).tolist()
            if set(problem) == {"shop_id"}:
                # The shop rule refused the probe: it refuses every fast-checked order alike (and the other
                # rules all hold for them, so clean_order would report that field alone).
                for g in rest:
                    self.error(g, {"shop_id": list(problem["shop_id"])})
            else:
                log.warning(
                    "bulk import: the fast checks disagree with clean_order on %s", self.groups.keys[probe[0]]
                )
                self.per_order(rest)
            fast[:] = False
        shop = next(iter(self.checked.values()))[0]["shop_id"] if self.checked else self.shop_id
        return self._assemble(fast), shop

    def _agrees(self, g: int) -> bool:
        """Whether clean_order took group g and computed what the fast checks computed."""
        if g not in self.checked:
            return False
        fields, lines = self.checked[g]
        f, rows = self.fast, self.groups.rows(g)
        return (
            fields["order_no"] == self.groups.keys[g].as_py()
            and (fields["goods_fen"], fields["freight_fen"], fields["discount_fen"], fields["paid_fen"])
            == (f.goods[g], f.freight[g], f.discount[g], f.paid[g])
            and _micros(fields["paid_at"]) == f.paid_at[g]
            and [(ln["sku"].pk, ln["quantity"], ln["price_fen"]) for ln in lines]
            == list(zip(f.sku[rows].tolist(), f.qty[rows].tolist(), f.price[rows].tolist(), strict=True))
            and (crypto.decrypt(fields["consignee_enc"]), fields["consignee_masked"], fields["buyer_hash"])
            == _protect(*(f.consignee[k][g].as_py() for k in ("name", "phone", "address")), encrypt=False)
        )

    def _assemble(self, fast: np.ndarray) -> _Orders:
        """Fast-checked and per-order-checked valid orders merged in file order, lines in row order."""
        f, gr = self.fast, self.groups
        fg = np.flatnonzero(fast)
        cg = sorted(self.checked)
        group = np.concatenate([fg, np.array(cg, np.int64)])
        order = np.argsort(group, kind="stable")
        group = group[order]

        def merged(fast_values: np.ndarray, key: str, convert=int) -> np.ndarray:
            checked = np.array([convert(self.checked[g][0][key]) for g in cg], np.int64)
            return np.concatenate([fast_values[fg], checked])[order]

        # Lines: the fast orders' rows, then the checked orders' lines; a stable sort by group merges them.
        rows = gr.perm[fast[gr.codes[gr.perm]]]
        extra = np.array(
            [(g, ln["sku"].pk, ln["quantity"], ln["price_fen"]) for g in cg for ln in self.checked[g][1]],
            np.int64,
        ).reshape(-1, 4)
        line_group = np.concatenate([gr.codes[rows], extra[:, 0]])
        by = np.argsort(line_group, kind="stable")
        line_at = np.zeros(len(group) + 1, np.int64)
        line_at[1:] = np.cumsum(np.bincount(np.searchsorted(group, line_group), minlength=len(group)))

        labels = gr.keys.take(pa.array(group)).to_pylist()
        fast_pos = {g: i for i, g in enumerate(fg.tolist())}
        names, phones, addresses = (
            f.consignee[k].take(pa.array(fg)).to_pylist() for k in ("name", "phone", "address")
        )
        consignee: list[tuple[str, str, str] | None] = []
        order_no: list[str] = []
        fields: dict[int, dict[str, Any]] = {}
        for i, g in enumerate(group.tolist()):
            if g in fast_pos:
                k = fast_pos[g]
                consignee.append((names[k], phones[k], addresses[k]))
                order_no.append(labels[i])
            else:
                consignee.append(None)
                fields[i] = self.checked[g][0]
                order_no.append(fields[i]["order_no"])  # stripped (JSON cells are not)
        return _Orders(
            group=group,
            order_no=order_no,
            goods=merged(f.goods, "goods_fen"),
            freight=merged(f.freight, "freight_fen"),
            discount=merged(f.discount, "discount_fen"),
            paid=merged(f.paid, "paid_fen"),
            paid_at=merged(f.paid_at, "paid_at", _micros),
            line_at=line_at,
            sku=np.concatenate([f.sku[rows], extra[:, 1]])[by],
            qty=np.concatenate([f.qty[rows], extra[:, 2]])[by],
            price=np.concatenate([f.price[rows], extra[:, 3]])[by],
            consignee=consignee,
            fields=fields,
        )


# --- database --------------------------------------------------------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _col(model: type[Model], field: str) -> str:
    return _q(model._meta.get_field(field).column)


def _existing(platform: str, numbers: list[str], *, with_lines: bool) -> dict[str, tuple | None]:
    """Stored orders of `platform` among `numbers` (one query): number -> what order_create compares, or None."""
    if not numbers:
        return {}
    if connection.vendor == "postgresql":
        match, arg = f"o.{_col(Order, 'order_no')} = ANY(%s)", list(numbers)
    else:  # one JSON parameter instead of an IN list: SQLite binds at most 32,766 parameters
        match, arg = f"o.{_col(Order, 'order_no')} IN (SELECT value FROM json_each(%s))", json.dumps(numbers)
    o = ", ".join(
        f"o.{_col(Order, f)}"
        for f in ("order_no", "shop", "goods_fen", "freight_fen", "discount_fen", "paid_fen", "paid_at")
    )
    line = ", ".join(f"l.{_col(OrderLine, f)}" for f in ("sku", "quantity", "price_fen"))
    where = f"WHERE o.{_col(Order, 'platform')} = %s AND {match}"
    with connection.cursor() as cursor:
        if not with_lines:
            cursor.execute(
                f"SELECT o.{_col(Order, 'order_no')} FROM {_q(Order._meta.db_table)} o {where}",
                [platform, arg],
            )
            return dict.fromkeys(r[0] for r in cursor.fetchall())
        cursor.execute(
            f"SELECT {o}, {line} FROM {_q(Order._meta.db_table)} o LEFT JOIN {_q(OrderLine._meta.db_table)} l"
            f" ON l.{_col(OrderLine, 'order')} = o.{_col(Order, 'id')} {where}"
            f" ORDER BY o.{_col(Order, 'id')}, l.{_col(OrderLine, 'id')}",
            [platform, arg],
        )
        out: dict[str, tuple] = {}
        for no, shop, goods, freight, discount, paid, paid_at, sku, qty, price in cursor.fetchall():
            if no not in out:
                out[no] = (shop, goods, freight, discount, paid, _micros(_aware(paid_at)), [])
            if sku is not None:
                out[no][-1].append((sku, qty, price))
        return out


def _aware(value: dt.datetime | str) -> dt.datetime:
    value = parse_datetime(value) if isinstance(value, str) else value
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def _db_times(micros: np.ndarray) -> list:
    """Payment times as the backend stores them (Django's adapt_datetimefield_value)."""
    if connection.vendor == "sqlite" and not (micros % 1_000_000).any():
        seconds = pa.array(micros // 1_000_000, pa.timestamp("s"))
        return pc.strftime(seconds, format=_TIME_FORMAT).to_pylist()  # str(naive UTC datetime), vectorised
    times = pa.array(micros, pa.timestamp("us", tz="UTC")).to_pylist()
    return [connection.ops.adapt_datetimefield_value(t) for t in times]


def allocate_ids(model: type[Model], n: int) -> list[int]:
    """`n` fresh primary keys of `model`, ascending; call inside the writing transaction."""
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, n]
            )
            return sorted(r[0] for r in cursor.fetchall())
        # SQLite: BEGIN IMMEDIATE holds the write lock; AUTOINCREMENT never reuses ids, so respect its counter.
        cursor.execute(f"SELECT MAX({_q(pk)}) FROM {_q(table)}")
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(top, row[0] if row else 0) + 1
        return list(range(start, start + n))


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert plain rows: COPY on PostgreSQL, executemany elsewhere. No signals, no save(), no checks."""
    cols = ", ".join(_q(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {_q(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {_q(table)} ({cols}) VALUES ({marks})", rows)


# --- the import ------------------------------------------------------------------------------------------


def import_orders_bulk(
    platform: str,
    data: bytes,
    filename: str,
    *,
    actor,
    shop_id: int | None = None,
    chunk_rows: int = 200_000,
    progress: Progress | None = None,
    max_rows: int | None = None,
) -> OrderImportReport:
    """Import a platform's order export of any size with `import_orders`' rules and report; all or nothing.

    `chunk_rows` bounds the lines behind each existing-order query and each insert batch. `progress(stage,
    done, total)` follows the rows through check, encrypt and write. `max_rows` lowers the row limit (web
    uploads).
    """
    tick = progress or (lambda stage, done, total: None)
    report = OrderImportReport(platform=platform)
    mapping = MAPPINGS.get(platform)
    if mapping is None:
        report.file_error = f"不支持的平台 / unsupported platform {platform!r}: one of {', '.join(MAPPINGS)}"
        return report
    tick("read", 0, 0)
    try:
        table = _read(data, filename, mapping)
    except _READ_ERRORS as exc:
        report.file_error = f"无法读取文件 / cannot read the file: {exc}"
        return report
    limit = min(max_rows or MAX_BULK_ROWS, MAX_BULK_ROWS)
    if table.rows > limit:
        report.file_error = f"超过 {limit} 行 / more than {limit} rows"
        if max_rows:
            report.file_error += WEB_LIMIT_HINT
        return report
    missing = [h for f, h in mapping.items() if f not in OPTIONAL and table.rows and h not in table.headers]
    if missing or not table.rows:
        report.file_error = f"缺少列 / missing columns: {', '.join(missing) or '(empty file)'}"
        return report
    report.rows = table.rows
    tick("check", 0, table.rows)
    check = _Check(platform, mapping, table, actor, shop_id)
    report.orders = len(check.groups.keys)
    valid, shop = check.run()
    tick("check", table.rows, table.rows)
    chunks = _chunks(valid.line_at, chunk_rows)

    secrets: dict[int, tuple[str, str, str]] = {}
    if not check.errors:
        # Encrypt before the transaction (outside SQLite's write lock), skipping orders already recorded.
        recorded: set[str] = set()
        for a, b in chunks:
            recorded.update(_existing(platform, valid.order_no[a:b], with_lines=False))
        secrets = _encrypt(valid, [i for i, no in enumerate(valid.order_no) if no not in recorded], tick)

    with transaction.atomic():
        new: list[int] = []
        for a, b in chunks:
            stored = _existing(platform, valid.order_no[a:b], with_lines=True)
            for i in range(a, b):
                was = stored.get(valid.order_no[i])
                if was is None:
                    new.append(i)
                elif was == valid.content(i, shop):
                    report.unchanged += 1
                else:
                    check.error(int(valid.group[i]), _CONFLICT)
        new = _twins(valid, new, shop, check, report)
        if check.errors:
            report.errors = [e for _, e in sorted(check.errors, key=lambda e: e[0])]
            report.created = report.unchanged = 0
            return report
        if new:
            secrets |= _encrypt(valid, [i for i in new if i not in secrets], None)  # deleted meanwhile: rare
            try:
                with transaction.atomic():
                    ids = _write(valid, new, secrets, platform, shop, chunk_rows, tick)
            except IntegrityError:  # a concurrent import recorded one of these numbers first
                report.file_error = (
                    "订单号重复（同时有另一导入？）/ duplicate order number (a concurrent import?)"
                )
                report.unchanged = 0
                return report
            report.created = len(new)
            _audit(actor, platform, filename, data, report, ids)
            counting.bump(GROUP)
    tick("done", table.rows, table.rows)
    return report


def _chunks(line_at: np.ndarray, chunk_rows: int) -> list[tuple[int, int]]:
    """Ranges of orders holding about `chunk_rows` lines each."""
    n, out, a = len(line_at) - 1, [], 0
    while a < n:
        b = int(np.searchsorted(line_at, line_at[a] + max(chunk_rows, 1), side="left"))
        b = min(max(b, a + 1), n)
        out.append((a, b))
        a = b
    return out


def _twins(valid: _Orders, new: list[int], shop: int, check: _Check, report: OrderImportReport) -> list[int]:
    """Two groups stored under one number (possible only when JSON cells differ in surrounding spaces): the
    per-order path creates the first and compares each later one with it."""
    seen: dict[str, int] = {}
    keep = []
    for i in new:
        first = seen.setdefault(valid.order_no[i], i)
        if first == i:
            keep.append(i)
        elif valid.content(i, shop) == valid.content(first, shop):
            report.unchanged += 1
        else:
            check.error(int(valid.group[i]), _CONFLICT)
    return keep


def _protect(name: str, phone: str, address: str, *, encrypt: bool = True) -> tuple[str, str, str]:
    """(consignee_enc, consignee_masked, buyer_hash) as clean_order derives them (the clear JSON first if not
    `encrypt`)."""
    # json.dumps(..., ensure_ascii=False) of the same dict, without building the dict and the encoder.
    clear = f'{{"name": {_json_str(name)}, "phone": {_json_str(phone)}, "address": {_json_str(address)}}}'
    return (
        crypto.encrypt(clear) if encrypt else clear,
        f"{name[:1]}** {crypto.mask_phone(phone)}",
        crypto.blind_index(phone),
    )


def _encrypt(valid: _Orders, positions: list[int], tick: Progress | None) -> dict[int, tuple[str, str, str]]:
    """The consignee columns of the orders at `positions`: the one per-order loop left."""
    out = {}
    for k, i in enumerate(positions):
        if valid.consignee[i] is None:  # checked by clean_order, which derived them already
            fields = valid.fields[i]
            out[i] = (fields["consignee_enc"], fields["consignee_masked"], fields["buyer_hash"])
        else:
            out[i] = _protect(*valid.consignee[i])
        if tick is not None and k % 10_000 == 0:
            tick("encrypt", k, len(positions))
    return out


def _write(
    valid: _Orders,
    new: list[int],
    secrets: dict[int, tuple[str, str, str]],
    platform: str,
    shop: int,
    chunk_rows: int,
    tick: Progress,
) -> list[int]:
    """Insert the new orders and their lines, in file order; returns the orders' ids."""
    ids = allocate_ids(Order, len(new))
    at = np.array(new, np.int64)
    enc, masked, hashed = (list(c) for c in zip(*(secrets[i] for i in new), strict=True))
    per_order: dict[str, list] = {
        "id": ids,
        "order_no": [valid.order_no[i] for i in new],
        "goods_fen": valid.goods[at].tolist(),
        "freight_fen": valid.freight[at].tolist(),
        "discount_fen": valid.discount[at].tolist(),
        "paid_fen": valid.paid[at].tolist(),
        "paid_at": _db_times(valid.paid_at[at]),
        "consignee_enc": enc,
        "consignee_masked": masked,
        "buyer_hash": hashed,
    }
    now = timezone.now()
    given = {"created_at": now, "updated_at": now, "platform": platform, "shop_id": shop}
    order_fields = Order._meta.concrete_fields
    # Every other column takes the model's default: status paid, nothing refunded, no warehouse yet, ...
    fixed = {
        f.attname: f.get_db_prep_save(given.get(f.attname, f.get_default()), connection)
        for f in order_fields
        if f.attname not in per_order
    }
    line_columns = [
        OrderLine._meta.get_field(f).column for f in ("order", "sku", "quantity", "price_fen", "returned")
    ]
    counts = valid.line_at[at + 1] - valid.line_at[at]
    ends = np.concatenate([[0], np.cumsum(counts)])
    # Positions of the new orders' lines, order after order: each order's range, concatenated.
    lines = np.repeat(valid.line_at[at] - ends[:-1], counts) + np.arange(ends[-1])
    line_order = np.repeat(np.array(ids, np.int64), counts)
    for a, b in _chunks(ends, chunk_rows):
        values = [
            per_order[f.attname][a:b] if f.attname in per_order else itertools.repeat(fixed[f.attname], b - a)
            for f in order_fields
        ]
        insert_rows(Order._meta.db_table, [f.column for f in order_fields], zip(*values, strict=True))
        sel = lines[ends[a] : ends[b]]
        line_rows = zip(
            line_order[ends[a] : ends[b]].tolist(),
            valid.sku[sel].tolist(),
            valid.qty[sel].tolist(),
            valid.price[sel].tolist(),
            itertools.repeat(0, len(sel)),
            strict=True,
        )
        insert_rows(OrderLine._meta.db_table, line_columns, line_rows)
        tick("write", int(ends[b]), int(ends[-1]))
    return ids


def _audit(
    actor, platform: str, filename: str, data: bytes, report: OrderImportReport, ids: list[int]
) -> None:
    """The import's one audit entry (see the module docstring)."""
    actor_obj = actor if getattr(actor, "pk", None) else None
    facts = {
        "platform": platform,
        "file": filename,
        "sha256": hashlib.sha256(data).hexdigest(),
        "rows": report.rows,
        "orders": report.orders,
        "created": report.created,
        "unchanged": report.unchanged,
        "first_id": ids[0],
        "last_id": ids[-1],
    }
    AuditLog.objects.create(
        actor=actor_obj,
        actor_name=str(actor) if actor_obj else "system",
        channel="import",
        action=AuditLog.Action.CREATE,
        object_type=Order._meta.label_lower,
        object_id=f"{ids[0]}-{ids[-1]}",
        object_repr=f"导入 / import {platform} {filename}"[:200],
        changes={k: [None, v] for k, v in facts.items()},
    )
