"""REST endpoints of live sessions and event intake: parse, call a selector or service, return."""

import datetime as dt
from typing import Any, Literal

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from livepark.core.counting import CachedCountPagination
from livepark.core.schemas import ErrorOut
from livepark.live import selectors, services
from livepark.live.schemas import (
    IntakeOut,
    RunOfShowIn,
    RunOfShowOut,
    SessionIn,
    SessionOut,
    SessionPatch,
    TransitionIn,
)

router = Router(tags=["live"])
events_router = Router(tags=["events"])
ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    503: ErrorOut,
}


class LivePagination(CachedCountPagination):
    group = services.GROUP


class SessionFilter(Schema):
    status: str | None = None
    anchor_id: int | None = None
    enterprise_id: int | None = None
    room_id: int | None = None
    q: str | None = None
    start_from: dt.datetime | None = None
    start_to: dt.datetime | None = None


@router.get("/sessions", response=list[SessionOut], summary="List live sessions")
@paginate(LivePagination)
def list_sessions(request, filters: Query[SessionFilter]):
    """Sessions in your scope, newest first; filter by status, anchor, seller, room, text, planned start."""
    return selectors.session_list(request.user, **filters.model_dump()).prefetch_related("co_anchors")


@router.post("/sessions", response={201: SessionOut, **ERRORS}, summary="Plan a live session")
def create_session(request, payload: SessionIn):
    """Plan a session; an enterprise user sells for its own enterprise with its contracted anchors."""
    return Status(201, services.session_create(actor=request.user, data=payload.model_dump()))


@router.get("/sessions/{pk}", response={200: SessionOut, **ERRORS})
def get_session(request, pk: int):
    """One session in your scope."""
    return selectors.session_get(request.user, pk)


@router.patch("/sessions/{pk}", response={200: SessionOut, **ERRORS})
def update_session(request, pk: int, payload: SessionPatch):
    """Change a session; room, anchor, seller, booking and planned times only before it starts."""
    return services.session_update(actor=request.user, pk=pk, data=payload.model_dump(exclude_unset=True))


@router.post("/sessions/{pk}/start", response={200: SessionOut, **ERRORS}, summary="Go live")
def start_session(request, pk: int, payload: TransitionIn | None = None):
    """planned → live at `at` (default now); 409 when another session is live in the room."""
    return services.session_start(actor=request.user, pk=pk, at=payload.at if payload else None)


@router.post("/sessions/{pk}/end", response={200: SessionOut, **ERRORS}, summary="End a live session")
def end_session(request, pk: int, payload: TransitionIn | None = None):
    """live → ended at `at` (default now)."""
    return services.session_end(actor=request.user, pk=pk, at=payload.at if payload else None)


@router.post(
    "/sessions/{pk}/cancel", response={200: SessionOut, **ERRORS}, summary="Cancel a planned session"
)
def cancel_session(request, pk: int):
    """planned → cancelled."""
    return services.session_cancel(actor=request.user, pk=pk)


@router.get("/sessions/{pk}/run-of-show", response={200: RunOfShowOut, **ERRORS}, summary="Run-of-show")
def get_run_of_show(request, pk: int):
    """The run-of-show in order."""
    session = selectors.session_get(request.user, pk)
    return {"session_id": session.pk, "items": selectors.run_of_show(session)}


@router.put(
    "/sessions/{pk}/run-of-show", response={200: RunOfShowOut, **ERRORS}, summary="Replace run-of-show"
)
def put_run_of_show(request, pk: int, payload: RunOfShowIn):
    """Replace the run-of-show (products in order, planned minutes, talking points) until the session ends."""
    items = services.run_of_show_set(actor=request.user, pk=pk, items=[i.model_dump() for i in payload.items])
    return {"session_id": pk, "items": items}


@router.get(
    "/sessions/{pk}/report",
    response={200: dict[str, Any], **ERRORS},
    summary="Session report (metrics spec code names)",
    description=(
        "Every metric of docs/metrics (shared/specs/metrics.md) for the session, as `livepark events report "
        "--json` prints it: headline figures at the top level (money in fen, ratios null when the denominator "
        "is 0), `online_curve` (one value per UTC minute) beside `online_curve_start`, `stay_buckets`, "
        "`products` (rows with `product_id`, run-of-show order) and `sources` keyed by source."
    ),
)
def session_report(request, pk: int):
    """The session's report from the event store."""
    return selectors.session_report_for(request.user, pk)[1]


@router.get("/overview", response={200: dict[str, Any], **ERRORS}, summary="Rollups per anchor or enterprise")
def overview(
    request,
    group: Literal["anchor", "enterprise"] = "anchor",
    period: Literal["day", "week"] = "day",
    days: int = 30,
):
    """Rollups of your started sessions per anchor or selling enterprise and per day or week."""
    days = min(max(days, 1), 366)
    return selectors.overview(request.user, group=group, period=period, days=days)


def _raw_body(request) -> bytes:
    """The request body, read from the stream with our own cap (Django's 2.5 MB form limit does not apply
    to an event batch of up to 10,000 events)."""
    if hasattr(request, "_body"):
        body = request.body
    else:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > services.MAX_BODY_BYTES:
            body = b"x" * (services.MAX_BODY_BYTES + 1)
        else:
            body = request.read(services.MAX_BODY_BYTES + 1)
    if len(body) > services.MAX_BODY_BYTES:
        raise services.BatchTooLarge(
            f"请求体超过 {services.MAX_BODY_BYTES} 字节 / body larger than {services.MAX_BODY_BYTES} bytes"
        )
    return body


@events_router.post(
    "/events",
    response={200: IntakeOut, **ERRORS},
    summary="Ingest live-room events",
    description=(
        "A JSON array of events, or NDJSON with `Content-Type: application/x-ndjson`; at most 10,000 events. "
        "Any invalid event rejects the whole batch (422, each bad event named by index, field and rule). "
        "Re-sending a batch is harmless: stored event_ids count as `duplicates`. Every session_id must be a "
        "session you may change (park admin; owner/staff of the selling enterprise), else 404."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
def ingest_events(request):
    """Store a batch of events (see the description)."""
    result = services.events_ingest_body(
        actor=request.user, body=_raw_body(request), content_type=request.META.get("CONTENT_TYPE", "")
    )
    return {"accepted": result.accepted, "duplicates": result.duplicates}
