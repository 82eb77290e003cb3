"""REST endpoints of the positive list, the 1210 bonded account books and the declaration sources
(/api/v1/crossborder/positive-list/…, /bonded/…, /sources/…), mounted into `crossborder.api`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from livepark.core.counting import CachedCountPagination
from livepark.core.schemas import ErrorOut, LocalDateTime
from livepark.crossborder import bonded, positive_list, sources

router = Router(tags=["crossborder"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
REPORT_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class Pagination(CachedCountPagination):
    group = "crossborder"


def _report(report, created_status: int = 201):
    """A file/source report: 201 (or 200 when nothing new) when accepted, 422 with every row's problems."""
    if report.ok:
        return Status(created_status if report.created else 200, report.as_dict())
    return Status(422, report.as_dict() | {"detail": report.detail, "code": "import_rejected", "fields": {}})


# ---- positive list --------------------------------------------------------------------------------------


class VersionOut(Schema):
    id: int
    effective_from: dt.date
    source_name: str
    entry_count: int
    note: str
    created_at: LocalDateTime


class EntryOut(Schema):
    gcode: str
    name: str
    note: str
    remark: str


@router.get(
    "/positive-list/versions", response=list[VersionOut], summary="Loaded versions of the positive list"
)
@paginate(Pagination)
def list_versions(request):
    return positive_list.version_list(request.user)


@router.get(
    "/positive-list/entries", response=list[EntryOut], summary="Tariff lines (default: the list in force)"
)
@paginate(Pagination)
def list_entries(request, version_id: int | None = None, q: str | None = None, note: str | None = None):
    return positive_list.entry_list(request.user, version_id=version_id, q=q, note=note)


@router.post(
    "/positive-list/load",
    response={200: dict, 201: dict, 422: dict, **REPORT_ERRORS},
    summary="Load the positive list from a csv/xlsx file (park admin), all or nothing",
)
def load_positive_list(
    request,
    file: File[UploadedFile],
    effective_from: Form[dt.date | None] = None,
    replace: Form[bool] = False,
    note: Form[str] = "",
):
    report = positive_list.positive_list_load(
        actor=request.user,
        data=file.read(),
        filename=file.name or "",
        effective_from=effective_from,
        replace=replace,
        note=note,
    )
    return _report(report)


# ---- bonded accounts ------------------------------------------------------------------------------------


class AccountIn(Schema):
    ems_no: str
    seller_id: int
    agent_id: int | None = None
    area_code: str
    area_name: str
    warehouse: str
    customs_code: str = ""


class ItemOut(Schema):
    id: int
    item_record_no: str
    goods_id: int
    item_no: str
    gname: str
    gcode: str
    unit: str
    balance: Decimal

    @staticmethod
    def resolve_item_no(obj) -> str:
        return obj.goods.item_no

    @staticmethod
    def resolve_gname(obj) -> str:
        return obj.goods.gname

    @staticmethod
    def resolve_gcode(obj) -> str:
        return obj.goods.gcode


class AccountOut(Schema):
    id: int
    ems_no: str
    seller_id: int
    agent_id: int | None
    area_code: str
    area_name: str
    warehouse: str
    customs_code: str


class AccountDetailOut(AccountOut):
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj) -> list:
        return list(bonded.account_items(obj))


class ItemIn(Schema):
    item_record_no: str
    goods_id: int
    unit: str = "007"


class EntryLineIn(Schema):
    item_record_no: str
    qty: Decimal


class StockEntryIn(Schema):
    entry_no: str
    lines: list[EntryLineIn]


class MoveOut(Schema):
    id: int
    item_record_no: str
    kind: str
    quantity: Decimal
    balance_after: Decimal
    reference: str
    declaration_id: int | None
    gnum: int
    at: LocalDateTime

    @staticmethod
    def resolve_item_record_no(obj) -> str:
        return obj.item.item_record_no


class ReturnLineIn(Schema):
    gnum: int
    qty: Decimal


class ReturnIn(Schema):
    reference: str
    lines: list[ReturnLineIn] | None = None


@router.get("/bonded/accounts", response=list[AccountOut], summary="1210 account books (emsNo)")
@paginate(Pagination)
def list_accounts(request, q: str | None = None):
    return bonded.account_list(request.user, q=q)


@router.post(
    "/bonded/accounts", response={201: AccountDetailOut, **ERRORS}, summary="Open a 1210 account book"
)
def open_account(request, payload: AccountIn):
    return Status(201, bonded.account_open(actor=request.user, data=payload.model_dump()))


@router.get(
    "/bonded/accounts/{pk}", response={200: AccountDetailOut, **ERRORS}, summary="An account with balances"
)
def get_account(request, pk: int):
    return bonded.account_get(request.user, pk)


@router.post(
    "/bonded/accounts/{pk}/items",
    response={201: ItemOut, **ERRORS},
    summary="Add an item record (itemRecordNo)",
)
def add_item(request, pk: int, payload: ItemIn):
    return Status(201, bonded.item_add(actor=request.user, account_id=pk, data=payload.model_dump()))


@router.post(
    "/bonded/accounts/{pk}/entries",
    response={201: list[MoveOut], **ERRORS},
    summary="Stock into the bonded zone under a customs entry number",
)
def stock_entry(request, pk: int, payload: StockEntryIn):
    moves = bonded.stock_entry(
        actor=request.user,
        account_id=pk,
        entry_no=payload.entry_no,
        lines=[line.model_dump() for line in payload.lines],
    )
    return Status(201, moves)


@router.get(
    "/bonded/accounts/{pk}/moves", response={200: list[MoveOut], **ERRORS}, summary="The account's ledger"
)
@paginate(Pagination)
def list_moves(request, pk: int, item_id: int | None = None):
    return bonded.account_moves(bonded.account_get(request.user, pk), item_id=item_id)


@router.post(
    "/bonded/release/{declaration_id}",
    response={200: list[MoveOut], **ERRORS},
    summary="Take a released 1210 declaration's goods out of its account (retry of the receipt hook)",
)
def release(request, declaration_id: int):
    return bonded.bonded_release(actor=request.user, declaration_id=declaration_id)


@router.post(
    "/bonded/returns/{declaration_id}",
    response={200: list[MoveOut], **ERRORS},
    summary="A return (CEB625) came back into the bonded zone: restore the stock",
)
def bonded_return(request, declaration_id: int, payload: ReturnIn):
    lines = [line.model_dump() for line in payload.lines] if payload.lines is not None else None
    return bonded.bonded_return(
        actor=request.user, declaration_id=declaration_id, reference=payload.reference, lines=lines
    )


# ---- declaration sources --------------------------------------------------------------------------------


class BuyerIn(Schema):
    order_id: int
    buyer_name: str
    buyer_id_number: str
    buyer_phone: str = ""
    buyer_reg_no: str = ""


class FromOrdersIn(Schema):
    seller_id: int
    platform_id: int
    carrier_id: int | None = None
    orders: list[BuyerIn]


class EligibleOut(Schema):
    id: int
    platform: str
    order_no: str
    status: str
    paid_fen: int
    paid_at: LocalDateTime
    consignee_masked: str
    waybill_no: str | None

    @staticmethod
    def resolve_waybill_no(obj) -> str | None:
        shipment = next(iter(obj.shipments.all()), None)
        return shipment.waybill_no if shipment else None


@router.get(
    "/sources/orders",
    response={200: list[EligibleOut], **ERRORS},
    summary="A seller's paid base orders with registered goods (to build declaration sets from)",
)
def eligible_orders(request, seller_id: int):
    from livepark.core.errors import Invalid
    from livepark.crossborder.models import CustomsParty, PartyRole

    seller = (
        CustomsParty.objects.restrict(request.user, "view")
        .filter(pk=seller_id, role=PartyRole.SELLER)
        .first()
    )
    if seller is None:
        raise Invalid.field("seller_id", "不是可用的电商企业 / not a seller party you may use")
    return sources.eligible_orders(request.user, seller)[0]


@router.post(
    "/sources/orders",
    response={200: dict, 201: dict, **ERRORS},
    summary="Build declaration sets (CEB311, CEB511 when shipped) from base orders",
)
def from_orders(request, payload: FromOrdersIn):
    report = sources.declarations_from_orders(
        actor=request.user,
        seller_id=payload.seller_id,
        platform_id=payload.platform_id,
        carrier_id=payload.carrier_id,
        orders=[o.model_dump() for o in payload.orders],
    )
    return _report(report)


@router.post(
    "/sources/export",
    response={200: dict, 201: dict, 422: dict, **REPORT_ERRORS},
    summary="Build declaration sets from a platform's order export (csv/xlsx), all or nothing",
)
def from_export(request, file: File[UploadedFile]):
    report = sources.declarations_from_export(actor=request.user, data=file.read(), filename=file.name or "")
    return _report(report)
