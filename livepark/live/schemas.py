"""Request and response shapes of the live API."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from livepark.core.schemas import LocalDateTime


class SessionOut(Schema):
    id: int
    code: str
    title: str
    status: str
    room_id: int
    room_name: str
    anchor_id: int
    anchor_name: str
    co_anchor_ids: list[int]
    enterprise_id: int
    enterprise_name: str
    account_id: int | None
    booking_id: int | None
    planned_start: LocalDateTime
    planned_end: LocalDateTime
    started_at: LocalDateTime | None
    ended_at: LocalDateTime | None
    notes: str
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_room_name(obj) -> str:
        return str(obj.room)

    @staticmethod
    def resolve_anchor_name(obj) -> str:
        return obj.anchor.stage_name

    @staticmethod
    def resolve_enterprise_name(obj) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_co_anchor_ids(obj) -> list[int]:
        return sorted(a.pk for a in obj.co_anchors.all())


class SessionIn(Schema):
    code: str | None = None
    title: str
    room_id: int
    anchor_id: int
    co_anchor_ids: list[int] = []
    enterprise_id: int | None = None
    account_id: int | None = None
    booking_id: int | None = None
    planned_start: dt.datetime
    planned_end: dt.datetime
    notes: str = ""


class SessionPatch(Schema):
    code: str | None = None
    title: str | None = None
    room_id: int | None = None
    anchor_id: int | None = None
    co_anchor_ids: list[int] | None = None
    enterprise_id: int | None = None
    account_id: int | None = None
    booking_id: int | None = None
    planned_start: dt.datetime | None = None
    planned_end: dt.datetime | None = None
    notes: str | None = None


class TransitionIn(Schema):
    at: dt.datetime | None = None


class RunOfShowItemIn(Schema):
    product_id: int
    planned_minutes: int
    talking_points: str = ""


class RunOfShowIn(Schema):
    items: list[RunOfShowItemIn]


class RunOfShowItemOut(Schema):
    position: int
    product_id: int
    product_name: str
    planned_minutes: int
    talking_points: str

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name


class RunOfShowOut(Schema):
    session_id: int
    items: list[RunOfShowItemOut]


class IntakeOut(Schema):
    accepted: int
    duplicates: int
