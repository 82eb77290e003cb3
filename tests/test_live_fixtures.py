"""Shared builders of the live tests (no tests here): sessions on the test park, events, store helpers.

Each live test module points ``settings.HOME`` at a ``tmp_path`` before building, so the event store (under
``HOME/events``) is private to the test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from livepark.catalog import services as catalog_services
from livepark.live import services
from livepark.live.models import LiveSession
from tests.factories import Park, monday_9


@dataclass
class LiveData:
    """Sessions of three sellers on the test park, and one product on sale.

    * ``a``: MCN A sells with anchor A in room 1 inside booking A (planned);
    * ``b``: brand B sells with anchor A (contracted to MCN A) in room 2, live since ``b_started``;
    * ``c``: MCN C sells with anchor C in room 1 inside booking C (planned).
    """

    park: Park
    a: LiveSession
    b: LiveSession
    c: LiveSession
    product: Any
    b_started: dt.datetime


def build_live(park: Park) -> LiveData:
    """Create the sessions and the product through the services, as the park admin."""
    admin = park.users["admin"]
    start = monday_9()
    a = services.session_create(
        actor=admin,
        data={
            "code": "S-A",
            "title": "甲专场",
            "room_id": park.room.pk,
            "anchor_id": park.anchor_a.pk,
            "enterprise_id": park.mcn_a.pk,
            "account_id": park.account_a.pk,
            "booking_id": park.booking_a.pk,
            "planned_start": start + dt.timedelta(minutes=30),
            "planned_end": start + dt.timedelta(hours=2, minutes=30),
        },
    )
    b = services.session_create(
        actor=admin,
        data={
            "code": "S-B",
            "title": "乙品牌自播",
            "room_id": park.room2.pk,
            "anchor_id": park.anchor_a.pk,
            "enterprise_id": park.brand_b.pk,
            "planned_start": start + dt.timedelta(days=1),
            "planned_end": start + dt.timedelta(days=1, hours=2),
        },
    )
    c = services.session_create(
        actor=admin,
        data={
            "code": "S-C",
            "title": "丙专场",
            "room_id": park.room.pk,
            "anchor_id": park.anchor_c.pk,
            "enterprise_id": park.mcn_c.pk,
            "booking_id": park.booking_c.pk,
            "planned_start": start + dt.timedelta(hours=4),
            "planned_end": start + dt.timedelta(hours=6),
        },
    )
    b_started = dt.datetime(2025, 6, 18, 12, 0, tzinfo=dt.UTC)  # the simulator's default start
    b = services.session_start(actor=admin, pk=b.pk, at=b_started)
    category = catalog_services.category_create(actor=admin, data={"name": "食品"})
    product = catalog_services.product_create(
        actor=admin,
        data={
            "supplier_id": park.brand_b.pk,
            "category_id": category.pk,
            "name": "东阳酥饼",
            "status": "active",
        },
    )
    return LiveData(park, a, b, c, product, b_started)


def event(n: int, session: str, kind: str = "enter", ts: str = "2025-06-18T12:00:00Z", **fields) -> dict:
    """One event dict with id ``e<n>``; viewer ``v<n>`` on viewer-side types."""
    body: dict[str, Any] = {"event_id": f"e{n}", "session_id": session, "ts": ts, "type": kind}
    if kind not in ("explain_start", "explain_end", "refund"):
        body["viewer_id"] = f"v{n}"
    return body | fields


def store_count() -> int:
    """Events in the (test's) store."""
    return services.event_store().count()
