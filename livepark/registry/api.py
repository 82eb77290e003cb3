"""REST endpoints of the registry: parse, call a selector or service, return."""

import datetime as dt

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from livepark.core.counting import CachedCountPagination
from livepark.core.schemas import ErrorOut
from livepark.registry import selectors, services
from livepark.registry.schemas import (
    AccountIn,
    AccountOut,
    AccountPatch,
    AnchorIn,
    AnchorOut,
    AnchorPatch,
    BookingIn,
    BookingOut,
    BookingPatch,
    ContractIn,
    ContractOut,
    EnterpriseIn,
    EnterpriseOut,
    EnterprisePatch,
    RoomIn,
    RoomOut,
    RoomPatch,
    SnapshotOut,
)

router = Router(tags=["registry"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _patch(payload: Schema) -> dict:
    return payload.model_dump(exclude_unset=True)


# --- enterprises -------------------------------------------------------------------------------------------


class EnterpriseFilter(Schema):
    q: str | None = None
    kind: str | None = None
    industry: str | None = None
    status: str | None = None
    region: str | None = None
    archived: bool = False


@router.get("/enterprises", response=list[EnterpriseOut], summary="List enterprises")
@paginate(CachedCountPagination)
def list_enterprises(request, filters: Query[EnterpriseFilter]):
    return selectors.enterprise_list(request.user, **filters.model_dump())


@router.post("/enterprises", response={201: EnterpriseOut, **ERRORS}, summary="Register an enterprise")
def create_enterprise(request, payload: EnterpriseIn):
    return Status(201, services.enterprise_create(actor=request.user, data=payload.model_dump()))


@router.get("/enterprises/{pk}", response={200: EnterpriseOut, **ERRORS})
def get_enterprise(request, pk: int):
    return selectors.enterprise_get(request.user, pk)


@router.patch("/enterprises/{pk}", response={200: EnterpriseOut, **ERRORS})
def update_enterprise(request, pk: int, payload: EnterprisePatch):
    return services.enterprise_update(actor=request.user, pk=pk, data=_patch(payload))


@router.post("/enterprises/{pk}/archive", response={200: EnterpriseOut, **ERRORS})
def archive_enterprise(request, pk: int):
    return services.enterprise_archive(actor=request.user, pk=pk)


# --- anchors -----------------------------------------------------------------------------------------------


class AnchorFilter(Schema):
    q: str | None = None
    mode: str | None = None
    level: str | None = None
    status: str | None = None
    region: str | None = None
    category: str | None = None
    mcn_id: int | None = None
    archived: bool = False


@router.get("/anchors", response=list[AnchorOut], summary="List anchors")
@paginate(CachedCountPagination)
def list_anchors(request, filters: Query[AnchorFilter]):
    return selectors.anchor_list(request.user, **filters.model_dump())


@router.post("/anchors", response={201: AnchorOut, **ERRORS}, summary="Register an anchor")
def create_anchor(request, payload: AnchorIn):
    data = payload.model_dump()
    mcn_id = data.pop("mcn_id")
    return Status(201, services.anchor_create(actor=request.user, data=data, mcn_id=mcn_id))


@router.get("/anchors/{pk}", response={200: AnchorOut, **ERRORS})
def get_anchor(request, pk: int):
    return selectors.anchor_get(request.user, pk)


@router.patch("/anchors/{pk}", response={200: AnchorOut, **ERRORS})
def update_anchor(request, pk: int, payload: AnchorPatch):
    return services.anchor_update(actor=request.user, pk=pk, data=_patch(payload))


@router.post("/anchors/{pk}/archive", response={200: AnchorOut, **ERRORS})
def archive_anchor(request, pk: int):
    return services.anchor_archive(actor=request.user, pk=pk)


# --- MCN contracts -----------------------------------------------------------------------------------------


@router.get("/contracts", response=list[ContractOut], summary="List MCN contracts")
@paginate(CachedCountPagination)
def list_contracts(request, anchor_id: int | None = None, mcn_id: int | None = None):
    return selectors.contract_list(request.user, anchor_id=anchor_id, mcn_id=mcn_id)


@router.post("/contracts", response={201: ContractOut, **ERRORS}, summary="Sign an anchor to an MCN")
def create_contract(request, payload: ContractIn):
    return Status(201, services.contract_create(actor=request.user, data=payload.model_dump()))


# --- platform accounts -------------------------------------------------------------------------------------


class AccountFilter(Schema):
    q: str | None = None
    platform: str | None = None
    owner_anchor_id: int | None = None
    owner_enterprise_id: int | None = None
    min_followers: int | None = None
    archived: bool = False


@router.get("/accounts", response=list[AccountOut], summary="List platform accounts")
@paginate(CachedCountPagination)
def list_accounts(request, filters: Query[AccountFilter]):
    return selectors.account_list(request.user, **filters.model_dump())


@router.post("/accounts", response={201: AccountOut, **ERRORS}, summary="Register a platform account")
def create_account(request, payload: AccountIn):
    return Status(201, services.account_create(actor=request.user, data=payload.model_dump()))


@router.get("/accounts/{pk}", response={200: AccountOut, **ERRORS})
def get_account(request, pk: int):
    return selectors.account_get(request.user, pk)


@router.get(
    "/accounts/{pk}/followers", response={200: list[SnapshotOut], **ERRORS}, summary="Follower history"
)
def account_followers(request, pk: int):
    return selectors.account_get(request.user, pk).snapshots.order_by("at")


@router.patch("/accounts/{pk}", response={200: AccountOut, **ERRORS})
def update_account(request, pk: int, payload: AccountPatch):
    return services.account_update(actor=request.user, pk=pk, data=_patch(payload))


@router.post("/accounts/{pk}/archive", response={200: AccountOut, **ERRORS})
def archive_account(request, pk: int):
    return services.account_archive(actor=request.user, pk=pk)


# --- rooms -------------------------------------------------------------------------------------------------


class RoomFilter(Schema):
    q: str | None = None
    building: str | None = None
    status: str | None = None
    archived: bool = False


@router.get("/rooms", response=list[RoomOut], summary="List live rooms")
@paginate(CachedCountPagination)
def list_rooms(request, filters: Query[RoomFilter]):
    return selectors.room_list(request.user, **filters.model_dump())


@router.post("/rooms", response={201: RoomOut, **ERRORS}, summary="Add a live room")
def create_room(request, payload: RoomIn):
    return Status(201, services.room_create(actor=request.user, data=payload.model_dump()))


@router.get("/rooms/{pk}", response={200: RoomOut, **ERRORS})
def get_room(request, pk: int):
    return selectors.room_get(request.user, pk)


@router.patch("/rooms/{pk}", response={200: RoomOut, **ERRORS})
def update_room(request, pk: int, payload: RoomPatch):
    return services.room_update(actor=request.user, pk=pk, data=_patch(payload))


@router.post("/rooms/{pk}/archive", response={200: RoomOut, **ERRORS})
def archive_room(request, pk: int):
    return services.room_archive(actor=request.user, pk=pk)


# --- bookings ----------------------------------------------------------------------------------------------


class BookingFilter(Schema):
    room_id: int | None = None
    enterprise_id: int | None = None
    anchor_id: int | None = None
    start_from: dt.datetime | None = None
    start_to: dt.datetime | None = None
    archived: bool = False


@router.get("/bookings", response=list[BookingOut], summary="List room bookings")
@paginate(CachedCountPagination)
def list_bookings(request, filters: Query[BookingFilter]):
    return selectors.booking_list(request.user, **filters.model_dump())


@router.post("/bookings", response={201: BookingOut, **ERRORS}, summary="Book a room (409 on overlap)")
def create_booking(request, payload: BookingIn):
    return Status(201, services.booking_create(actor=request.user, data=payload.model_dump()))


@router.get("/bookings/{pk}", response={200: BookingOut, **ERRORS})
def get_booking(request, pk: int):
    return selectors.booking_get(request.user, pk)


@router.patch("/bookings/{pk}", response={200: BookingOut, **ERRORS})
def update_booking(request, pk: int, payload: BookingPatch):
    return services.booking_update(actor=request.user, pk=pk, data=_patch(payload))


@router.post("/bookings/{pk}/archive", response={200: BookingOut, **ERRORS}, summary="Cancel a booking")
def archive_booking(request, pk: int):
    return services.booking_archive(actor=request.user, pk=pk)
