"""REST endpoints of live sessions and event intake."""

from ninja import Router

router = Router(tags=["live"])
events_router = Router(tags=["events"])
