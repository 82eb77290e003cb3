"""POST /api/v1/events: JSON arrays and NDJSON, all-or-nothing batches, harmless re-sends, the batch limit,
who may write, and the single writer."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.test import Client

from livepark.engines.events import AppendResult, EventStore
from livepark.live import services
from tests.conftest import Api
from tests.test_live_fixtures import LiveData, build_live, event, store_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(park, settings, tmp_path) -> LiveData:
    settings.HOME = tmp_path
    return build_live(park)


def ndjson(api: Api, lines: list[str]):
    return api.client.post(
        "/api/v1/events", "\n".join(lines), content_type="application/x-ndjson", **api.headers
    )


def batch(n: int, session: str = "S-B", start: int = 0) -> list[dict]:
    return [event(start + i, session, ts=f"2025-06-18T12:{i // 60 % 60:02d}:{i % 60:02d}Z") for i in range(n)]


def test_a_valid_batch_is_stored_and_a_resend_is_harmless(live):
    api = Api(live.park.tokens["owner_b"])
    events = [
        event(1, "S-B", "impression", source="recommend"),
        event(2, "S-B", "enter", ts="2025-06-18T12:01:00Z", source="follow"),
        event(
            3, "S-B", "order_pay", ts="2025-06-18T12:02:00Z", order_id="o1", amount_fen=9900, product_id="7"
        ),
    ]
    r = api.post("/events", events)
    assert r.status_code == 200, r.content
    assert r.json() == {"accepted": 3, "duplicates": 0}
    assert store_count() == 3
    r = api.post("/events", events)
    assert r.json() == {"accepted": 0, "duplicates": 3}
    r = api.post("/events", [*events, event(4, "S-B", "comment"), event(4, "S-B", "comment")])
    assert r.json() == {"accepted": 1, "duplicates": 4}  # a repeated id inside a batch counts once too
    assert store_count() == 4
    report = api.get(f"/live/sessions/{live.b.pk}/report").json()
    assert (report["exposure_uv"], report["watch_uv"], report["buyers"], report["gmv_fen"]) == (1, 1, 1, 9900)


def test_an_invalid_event_rejects_the_batch_naming_index_and_rule(live):
    api = Api(live.park.tokens["admin"])
    events = batch(5)
    events[3] = event(3, "S-B", "order_pay", order_id="o1")  # no amount_fen
    events[4]["ts"] = "2025-06-18 12:00:00"  # no offset
    r = api.post("/events", events)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid_event"
    assert body["fields"] == {
        "events[3].amount_fen": ["missing: required on order_pay"],
        "events[4].ts": ["bad_ts: '2025-06-18 12:00:00' has no UTC offset (add Z or +08:00)"],
    }
    assert "event 3: amount_fen: missing" in body["detail"]
    assert store_count() == 0  # nothing of the batch


def test_ndjson(live):
    api = Api(live.park.tokens["owner_b"])
    lines = [json.dumps(e) for e in batch(3)]
    r = ndjson(api, [lines[0], "", lines[1], lines[2], ""])
    assert r.json() == {"accepted": 3, "duplicates": 0}
    r = ndjson(api, [lines[0], "{not json"])
    assert r.status_code == 422
    assert list(r.json()["fields"]) == ["events[1].*"]
    assert r.json()["fields"]["events[1].*"][0].startswith("bad_json: ")


def test_the_batch_limit(live):
    api = Api(live.park.tokens["admin"])
    r = api.post("/events", batch(10_001))
    assert r.status_code == 413
    assert r.json()["code"] == "batch_too_large"
    assert store_count() == 0
    r = ndjson(api, [json.dumps(e) for e in batch(10_001)])
    assert r.status_code == 413 and store_count() == 0
    r = api.post("/events", batch(10_000))
    assert r.json() == {"accepted": 10_000, "duplicates": 0}


def test_bodies_that_are_not_event_arrays(live):
    api = Api(live.park.tokens["admin"])
    r = api.post("/events", {"events": []})
    assert r.status_code == 422 and r.json()["fields"] == {
        "body": ["须为事件数组或 NDJSON / must be a JSON array of events, or NDJSON"]
    }
    r = api.post("/events", [event(1, "S-B"), json.dumps(event(2, "S-B"))])
    assert r.status_code == 422 and r.json()["fields"] == {
        "events[1].*": ["not_an_object: str is not an object"]
    }
    r = api.client.post("/api/v1/events", b"[{", content_type="application/json", **api.headers)
    assert r.status_code == 422 and r.json()["code"] == "bad_json"
    assert api.post("/events", []).json() == {"accepted": 0, "duplicates": 0}
    assert store_count() == 0


@pytest.mark.parametrize(
    ("actor", "session", "status"),
    [
        ("owner_a", "S-B", 404),  # brand B's session hosted by A's anchor: A may view it, not write to it
        ("owner_c", "S-A", 404),
        ("admin", "S-NOPE", 404),
        ("anchor_a", "S-A", 403),
        ("bank", "S-A", 403),
        ("inspector", "S-A", 403),
    ],
)
def test_only_the_seller_writes_events(live, actor, session, status):
    r = Api(live.park.tokens[actor]).post("/events", [event(1, "S-A"), event(2, session)])
    assert r.status_code == status, r.content
    assert set(r.json()) == {"detail", "code", "fields"}
    assert store_count() == 0


def test_anonymous_and_cancelled(live):
    assert Api(None).post("/events", [event(1, "S-A")]).status_code == 401
    services.session_cancel(actor=live.park.users["admin"], pk=live.c.pk)
    r = Api(live.park.tokens["owner_c"]).post("/events", [event(1, "S-C")])
    assert r.status_code == 409 and r.json()["code"] == "session_cancelled"
    assert store_count() == 0


def test_the_browser_session_may_post_with_its_csrf_token(live):
    client = Client(enforce_csrf_checks=True)
    client.force_login(live.park.users["owner_b"])
    body = json.dumps([event(1, "S-B")])
    r = client.post("/api/v1/events", body, content_type="application/json")
    assert r.status_code == 403  # no CSRF token
    client.get("/live/sessions/")
    token = client.cookies["csrftoken"].value
    r = client.post("/api/v1/events", body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert r.json() == {"accepted": 1, "duplicates": 0}


def test_a_second_writer_process_is_refused(live, settings, monkeypatch):
    """The store has one writer; here another EventStore object (as another process would) holds it."""
    monkeypatch.setattr(services, "WRITER_WAIT_SECONDS", 0.2)
    services.events_append([event(1, "S-B")])  # this process's writer takes the lock...
    other = EventStore(settings.HOME / "events")
    try:
        services.event_store().close()  # ...and gives it up, so that `other` can take it
        other.append([event(2, "S-B")])
        r = Api(live.park.tokens["owner_b"]).post("/events", [event(3, "S-B")])
        assert r.status_code == 503 and r.json()["code"] == "store_busy"
    finally:
        other.close()
    r = Api(live.park.tokens["owner_b"]).post("/events", [event(3, "S-B")])
    assert r.json() == {"accepted": 1, "duplicates": 0}
    assert store_count() == 3


def test_the_writer_role_is_handed_over(live, settings, monkeypatch):
    """An idle writer gives the role up; a writer that finds the store taken waits for it."""
    monkeypatch.setattr(services, "WRITER_IDLE_SECONDS", 0.1)
    services.events_append([event(1, "S-B")])
    time.sleep(0.4)  # idle: the role is released
    other = EventStore(settings.HOME / "events")
    other.append([event(2, "S-B")])  # another process takes it
    threading.Timer(0.3, other.close).start()  # and gives it up a moment later
    started = time.monotonic()
    assert services.events_append([event(3, "S-B"), event(2, "S-B")]) == AppendResult(1, 1)
    assert time.monotonic() - started >= 0.25  # it waited for the other writer
    assert store_count() == 3
