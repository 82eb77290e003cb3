"""A vectorised simulator of one live session's event stream, for demos, tests and benchmarks.

The model (all draws from one ``numpy`` generator seeded by ``seed`` and ``session_id``, so a call is
reproducible bit for bit):

* **Run of show**: the anchor presents products in consecutive explain slots (``explain_start`` →
  ``explain_end``; the last slot is sometimes left open). Some products are presented twice.
* **Arrivals**: each of ``viewers`` viewers gets an ``impression`` drawn from an intensity that ramps up
  over the first minutes, decays slowly, and bursts when a new product is presented; a quarter get a second
  impression. Each viewer has a traffic source (recommend-heavy).
* **Visits**: about 40 % of impressions lead to an ``enter``; stays are heavy-tailed (≈45 % under 5 s,
  the rest log-normal with a long tail); visits still running at the end have no ``leave``, a few leaves
  are lost, some viewers come back, a few send a second ``enter`` while inside, and a few send a ``leave``
  without having entered.
* **Interactions** during visits at per-minute rates: comments, batched likes (``qty``), shares, gifts
  (``amount_fen``), follows.
* **Funnel**: ``product_impression`` of the product being presented → ``product_click`` → ``cart_add`` /
  ``order_create`` → ``order_pay`` (sometimes after the session ends; rarely paid twice) → ``refund``
  (8 % of orders, hours later, so most arrive after the session).
* **Delivery**: events arrive in ``ts`` order except for ``disorder_share`` of them, delivered late
  (an exponential delay), and ``dup_share`` × n extra copies of randomly chosen events (re-deliveries, same
  ``event_id``), which also arrive late.

The returned table has :data:`~.schema.EVENT_SCHEMA`; its schema metadata carries the session's
``started_at``/``ended_at`` (epoch ms) under ``livepark.started_ms``/``livepark.ended_ms``.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .schema import EVENT_SCHEMA, EVENT_TYPES, SOURCES, parse_ts

__all__ = ["DEFAULT_START", "simulate", "simulated_span"]

DEFAULT_START = datetime(2025, 6, 18, 12, 0, tzinfo=UTC)  # 618, the mid-year shopping festival
_T = {name: code for code, name in enumerate(EVENT_TYPES)}
_SOURCE_P = np.array(
    [0.55, 0.15, 0.08, 0.12, 0.07, 0.03]
)  # recommend, follow, search, short_video, ads, other
_PRICES = np.array([990, 1990, 2990, 4990, 9900, 19900, 39900], dtype=np.int64)
_GIFTS = np.array([100, 990, 1990, 5200, 9900, 52000], dtype=np.int64)
_MIN = 60_000


class _Events:
    """Column buffers of the events being generated (-1 means null)."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, kind: str, ts: np.ndarray, **cols: np.ndarray | int) -> None:
        n = len(ts)
        part = {"ts": np.asarray(ts, np.int64), "type": np.full(n, _T[kind], np.int8)}
        for name in ("viewer", "product", "order", "amount", "qty", "source"):
            value = cols.get(name, -1)
            part[name] = np.broadcast_to(np.asarray(value, np.int64), (n,)).copy()
        self.parts.append(part)

    def concat(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}


def _strings(prefix: str, values: np.ndarray) -> pa.Array:
    """``prefix + str(value)`` per value, null where value < 0 (vectorised through Arrow)."""
    numbers = pa.array(values, mask=values < 0).cast(pa.string())
    return pc.binary_join_element_wise(pa.scalar(prefix), numbers, "")


def _sample_times(rng: np.random.Generator, intensity: np.ndarray, n: int) -> np.ndarray:
    """``n`` instants (ms) drawn from a per-second intensity by inverse transform sampling."""
    cdf = np.cumsum(intensity)
    cdf /= cdf[-1]
    seconds = np.searchsorted(cdf, rng.random(n), side="right")
    return (seconds * 1000 + rng.integers(0, 1000, n)).astype(np.int64)


def simulated_span(table: pa.Table) -> tuple[int, int]:
    """``(started_ms, ended_ms)`` of a simulated session, from the table's schema metadata."""
    meta = table.schema.metadata or {}
    return int(meta[b"livepark.started_ms"]), int(meta[b"livepark.ended_ms"])


def simulate(
    session_id: str,
    viewers: int = 1_000,
    seed: int = 0,
    minutes: int = 60,
    dup_share: float = 0.0,
    disorder_share: float = 0.0,
    start: datetime | int | str = DEFAULT_START,
) -> pa.Table:
    """Simulate one session of ``minutes`` reaching ``viewers`` viewers; see the module docstring.

    ``dup_share`` adds ``round(dup_share × n)`` re-delivered copies of distinct events (n = unique events);
    ``disorder_share`` delivers that share of the unique events late. About three events per viewer:
    350,000 viewers over three hours give about a million events.
    """
    if viewers < 0 or minutes < 1 or not 0 <= dup_share <= 1 or not 0 <= disorder_share <= 1:
        raise ValueError("need viewers >= 0, minutes >= 1 and shares within [0, 1]")
    rng = np.random.default_rng([seed, zlib.crc32(session_id.encode("utf-8"))])
    t0 = parse_ts(start)
    dur = minutes * _MIN
    ev = _Events()

    # Run of show: consecutive explain slots with short gaps; some products come back.
    n_slots = max(1, minutes // 6)
    n_products = max(1, round(n_slots * 0.75))
    prices = rng.choice(_PRICES, n_products)
    weights = rng.uniform(0.6, 1.4, n_slots)
    usable = dur * 0.93
    gaps = rng.integers(10_000, 60_000, n_slots)
    lengths = np.maximum((weights / weights.sum() * usable).astype(np.int64) - gaps, 30_000)
    slot_start = (dur * 0.02 + np.concatenate([[0], np.cumsum(lengths + gaps)[:-1]])).astype(np.int64)
    slot_end = np.minimum(slot_start + lengths, dur - 1)
    slot_start = np.minimum(slot_start, dur - 1)
    slot_product = rng.integers(0, n_products, n_slots)
    ev.add("explain_start", slot_start, product=slot_product)
    closed = np.ones(n_slots, bool)
    closed[-1] = rng.random() < 0.5  # the last slot is sometimes still running at the end
    ev.add("explain_end", slot_end[closed], product=slot_product[closed])

    # Arrivals: ramp-up, slow decay, bursts when a product is presented.
    secs = np.arange(dur // 1000, dtype=np.float64)
    intensity = np.clip(secs / max(1.0, 0.08 * len(secs)), 0.02, 1.0) * (
        np.exp(-secs / (0.6 * len(secs))) + 0.25
    )
    for s in slot_start // 1000:
        tail = secs[s:] - s
        intensity[s:] += 1.2 * np.exp(-tail / 120.0)
    viewer = np.arange(viewers, dtype=np.int64)
    source = rng.choice(len(SOURCES), viewers, p=_SOURCE_P)
    imp_ts = _sample_times(rng, intensity, viewers)
    ev.add("impression", imp_ts, viewer=viewer, source=source)
    again = rng.random(viewers) < 0.25
    imp2 = imp_ts[again] + rng.exponential(300_000, again.sum()).astype(np.int64)
    keep = imp2 < dur
    ev.add("impression", imp2[keep], viewer=viewer[again][keep], source=source[again][keep])

    # Visits: first visit after the impression, sometimes a return visit.
    entered = (rng.random(viewers) < 0.4) & (imp_ts + 4_000 < dur)
    v_viewer = viewer[entered]
    v_start = imp_ts[entered] + rng.integers(300, 4_000, entered.sum())

    def stays(n: int) -> np.ndarray:
        short = rng.random(n) < 0.45
        long = np.exp(rng.normal(np.log(45_000), 1.2, n)) + 5_000
        return np.where(short, rng.integers(200, 5_000, n), np.minimum(long, 4 * 3_600_000)).astype(np.int64)

    v_end = v_start + stays(len(v_start))
    back = (rng.random(len(v_start)) < 0.15) & (v_end < dur)
    b_start = v_end[back] + rng.exponential(90_000, back.sum()).astype(np.int64)
    b_keep = b_start < dur
    v_viewer = np.concatenate([v_viewer, v_viewer[back][b_keep]])
    v_start = np.concatenate([v_start, b_start[b_keep]])
    v_end = np.concatenate([v_end, b_start[b_keep] + stays(int(b_keep.sum()))])
    v_source = np.where(rng.random(len(v_start)) < 0.02, -1, source[v_viewer])  # some enters lack a source
    ev.add("enter", v_start, viewer=v_viewer, source=v_source)
    has_leave = (v_end < dur) & (rng.random(len(v_end)) >= 0.03)  # still inside at the end, or lost
    ev.add("leave", v_end[has_leave], viewer=v_viewer[has_leave])
    v_stop = np.minimum(v_end, dur)
    twice = (rng.random(len(v_start)) < 0.02) & (v_stop - v_start > 2_000)
    ev.add("enter", v_start[twice] + rng.integers(100, 2_000, twice.sum()), viewer=v_viewer[twice])
    stray = ~entered & (rng.random(viewers) < 0.01)
    ev.add("leave", np.minimum(imp_ts[stray] + 2_000, dur - 1), viewer=viewer[stray])

    # Interactions during visits, at per-minute rates.
    length = (v_stop - v_start).astype(np.float64)

    def during(rate_per_min: float) -> tuple[np.ndarray, np.ndarray]:
        counts = rng.poisson(rate_per_min * length / _MIN)
        who = np.repeat(np.arange(len(v_start)), counts)
        return who, v_start[who] + (rng.random(len(who)) * length[who]).astype(np.int64)

    who, ts = during(0.25)
    ev.add("comment", ts, viewer=v_viewer[who])
    who, ts = during(0.6)
    ev.add("like", ts, viewer=v_viewer[who], qty=np.minimum(rng.geometric(0.3, len(who)), 50))
    who, ts = during(0.03)
    ev.add("share", ts, viewer=v_viewer[who])
    who, ts = during(0.02)
    ev.add("gift", ts, viewer=v_viewer[who], amount=rng.choice(_GIFTS, len(who)))
    fol = (rng.random(len(v_start)) < 0.06) & (length > 20_000)
    ev.add(
        "follow", v_start[fol] + (rng.random(fol.sum()) * length[fol]).astype(np.int64), viewer=v_viewer[fol]
    )

    # Funnel: product impressions of the product on show, clicks, carts, orders, payments, refunds.
    counts = np.where(length >= 3_000, rng.poisson(0.3 + 0.4 * length / _MIN), 0)
    who = np.repeat(np.arange(len(v_start)), counts)
    pi_ts = v_start[who] + (rng.random(len(who)) * length[who]).astype(np.int64)
    on_show = np.clip(np.searchsorted(slot_start, pi_ts, side="right") - 1, 0, n_slots - 1)
    pi_product = slot_product[on_show]
    pi_viewer = v_viewer[who]
    ev.add("product_impression", pi_ts, viewer=pi_viewer, product=pi_product)
    c = rng.random(len(who)) < 0.22
    c_ts, c_viewer, c_product = pi_ts[c] + rng.integers(1_000, 15_000, c.sum()), pi_viewer[c], pi_product[c]
    ev.add("product_click", c_ts, viewer=c_viewer, product=c_product)
    cart = rng.random(len(c_ts)) < 0.4
    ev.add(
        "cart_add",
        c_ts[cart] + rng.integers(2_000, 20_000, cart.sum()),
        viewer=c_viewer[cart],
        product=c_product[cart],
        qty=1,
    )
    o = rng.random(len(c_ts)) < 0.3
    o_ts = c_ts[o] + rng.integers(5_000, 60_000, o.sum())
    placed = o_ts < dur  # orders are placed during the session; only payments and refunds come late
    o_ts, o_viewer, o_product = o_ts[placed], c_viewer[o][placed], c_product[o][placed]
    n_orders = len(o_ts)
    order = np.arange(n_orders, dtype=np.int64)
    o_qty = rng.choice(np.array([1, 2, 3], np.int64), n_orders, p=[0.8, 0.15, 0.05])
    o_amount = prices[o_product] * o_qty
    ev.add("order_create", o_ts, viewer=o_viewer, product=o_product, order=order, amount=o_amount, qty=o_qty)
    paid = rng.random(n_orders) < 0.85
    p_ts = o_ts[paid] + rng.integers(3_000, 180_000, paid.sum())  # may fall after the session's end
    pay = {
        "viewer": o_viewer[paid],
        "product": o_product[paid],
        "order": order[paid],
        "amount": o_amount[paid],
        "qty": o_qty[paid],
    }
    ev.add("order_pay", p_ts, **pay)
    retry = rng.random(len(p_ts)) < 0.01  # a second pay notification for the same order
    ev.add(
        "order_pay",
        p_ts[retry] + rng.integers(1_000, 30_000, retry.sum()),
        **{k: v[retry] for k, v in pay.items()},
    )
    ref = rng.random(len(p_ts)) < 0.08
    r_ts = p_ts[ref] + rng.exponential(3 * 3_600_000, ref.sum()).astype(np.int64) + 60_000
    r_amount = np.where(rng.random(ref.sum()) < 0.75, pay["amount"][ref], pay["amount"][ref] // 2)
    ev.add(
        "refund",
        r_ts,
        viewer=pay["viewer"][ref],
        product=pay["product"][ref],
        order=pay["order"][ref],
        amount=r_amount,
    )

    cols = ev.concat()
    late_ok = np.isin(cols["type"], [_T["order_pay"], _T["refund"]])
    inside = (cols["ts"] >= 0) & ((cols["ts"] < dur) | late_ok)
    cols = {k: v[inside] for k, v in cols.items()}
    order_ts = np.argsort(cols["ts"], kind="stable")
    cols = {k: v[order_ts] for k, v in cols.items()}
    n = len(cols["ts"])
    seq = np.arange(n, dtype=np.int64)

    # Delivery: late deliveries and re-delivered copies, sorted by arrival.
    arrival = cols["ts"].astype(np.float64)
    late = rng.choice(n, round(disorder_share * n), replace=False) if n else np.empty(0, np.int64)
    arrival[late] += 1_000 + rng.exponential(60_000, len(late))
    n_dup = round(dup_share * n)
    dup = rng.choice(n, n_dup, replace=n_dup > n) if n else np.empty(0, np.int64)
    rows = np.concatenate([seq, dup])
    arrival = np.concatenate([arrival, cols["ts"][dup] + 500 + rng.exponential(30_000, n_dup)])
    rows = rows[np.argsort(arrival, kind="stable")]

    tag = hashlib.blake2b(f"{session_id}/{seed}".encode(), digest_size=6).hexdigest()
    type_names = pa.array(EVENT_TYPES, pa.string())
    arrays = {
        "event_id": _strings(f"{tag}-", seq),
        "session_id": pa.repeat(pa.scalar(session_id, pa.string()), n),
        "ts": pa.array(cols["ts"] + t0, pa.timestamp("ms", tz="UTC")),
        "type": type_names.take(pa.array(cols["type"].astype(np.int32))),
        "viewer_id": _strings("v", cols["viewer"]),
        "product_id": _strings(f"{tag}-p", cols["product"]),
        "order_id": _strings(f"{tag}-o", cols["order"]),
        "amount_fen": pa.array(cols["amount"], pa.int64(), mask=cols["amount"] < 0),
        "qty": pa.array(cols["qty"], pa.int64(), mask=cols["qty"] < 0),
        "source": pa.array(SOURCES, pa.string()).take(pa.array(cols["source"], mask=cols["source"] < 0)),
    }
    table = pa.Table.from_arrays([arrays[f.name] for f in EVENT_SCHEMA], schema=EVENT_SCHEMA)
    table = table.take(pa.array(rows))
    meta = {b"livepark.started_ms": str(t0).encode(), b"livepark.ended_ms": str(t0 + dur).encode()}
    return table.replace_schema_metadata(meta)
