"""API shapes of the registry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from livepark.core.schemas import LocalDateTime


class EnterpriseOut(Schema):
    id: int
    name: str
    uscc: str
    kinds: list[str]
    region_code: str
    region_name: str
    address: str
    industry: str
    membership_status: str
    applied_on: dt.date | None
    admitted_on: dt.date | None
    suspended_on: dt.date | None
    left_on: dt.date | None
    contact_name: str
    contact_phone: str = Field(alias="contact_phone_masked")
    created_at: LocalDateTime
    updated_at: LocalDateTime
    archived_at: LocalDateTime | None


class EnterpriseIn(Schema):
    name: str
    uscc: str
    kinds: list[str]
    region_code: str
    address: str = ""
    industry: str = "other"
    membership_status: str | None = None
    contact_name: str = ""
    contact_phone: str = ""


class EnterprisePatch(Schema):
    name: str | None = None
    uscc: str | None = None
    kinds: list[str] | None = None
    region_code: str | None = None
    address: str | None = None
    industry: str | None = None
    membership_status: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


class AnchorOut(Schema):
    id: int
    real_name: str
    id_number: str = Field(alias="id_number_masked", description="masked: 2108**********1234")
    stage_name: str
    mode: str
    region_code: str
    region_name: str
    categories: list[str]
    level: str
    status: str
    created_at: LocalDateTime
    updated_at: LocalDateTime
    archived_at: LocalDateTime | None


class AnchorIn(Schema):
    real_name: str
    id_number: str
    stage_name: str
    region_code: str
    mode: str = "onsite"
    categories: list[str] = []
    level: str = "C"
    status: str = "active"
    mcn_id: int | None = None


class AnchorPatch(Schema):
    real_name: str | None = None
    id_number: str | None = None
    stage_name: str | None = None
    region_code: str | None = None
    mode: str | None = None
    categories: list[str] | None = None
    level: str | None = None
    status: str | None = None


class ContractOut(Schema):
    id: int
    anchor_id: int
    mcn_id: int
    start_on: dt.date
    end_on: dt.date | None
    revenue_share: Decimal


class ContractIn(Schema):
    anchor_id: int
    mcn_id: int
    start_on: dt.date
    end_on: dt.date | None = None
    revenue_share: Decimal


class AccountOut(Schema):
    id: int
    owner_anchor_id: int | None
    owner_enterprise_id: int | None
    platform: str
    account_id: str
    display_name: str
    followers: int
    followers_at: LocalDateTime | None
    created_at: LocalDateTime
    archived_at: LocalDateTime | None


class AccountIn(Schema):
    owner_anchor_id: int | None = None
    owner_enterprise_id: int | None = None
    platform: str
    account_id: str
    display_name: str
    followers: int = 0


class AccountPatch(Schema):
    display_name: str | None = None
    followers: int | None = None


class SnapshotOut(Schema):
    at: LocalDateTime
    followers: int


class RoomOut(Schema):
    id: int
    building: str
    floor: int
    number: str
    area_m2: Decimal
    equipment: list[str]
    capacity: int
    hourly_price_fen: int
    status: str
    archived_at: LocalDateTime | None


class RoomIn(Schema):
    building: str
    floor: int
    number: str
    area_m2: Decimal
    equipment: list[str] = []
    capacity: int
    hourly_price_fen: int
    status: str = "available"


class RoomPatch(Schema):
    building: str | None = None
    floor: int | None = None
    number: str | None = None
    area_m2: Decimal | None = None
    equipment: list[str] | None = None
    capacity: int | None = None
    hourly_price_fen: int | None = None
    status: str | None = None


class BookingOut(Schema):
    id: int
    room_id: int
    enterprise_id: int | None
    anchor_id: int | None
    start: LocalDateTime
    end: LocalDateTime
    purpose: str
    archived_at: LocalDateTime | None


class BookingIn(Schema):
    room_id: int
    enterprise_id: int | None = None
    anchor_id: int | None = None
    start: dt.datetime
    end: dt.datetime
    purpose: str = ""


class BookingPatch(Schema):
    room_id: int | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    purpose: str | None = None
