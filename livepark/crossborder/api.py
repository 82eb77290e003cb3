"""REST endpoints of the cross-border platform (/api/v1/crossborder/)."""

from __future__ import annotations

from decimal import Decimal

from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from livepark.core.counting import CachedCountPagination
from livepark.core.schemas import ErrorOut, LocalDateTime
from livepark.crossborder import selectors, services
from livepark.crossborder.gateway import configured_gateway

router = Router(tags=["crossborder"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class Pagination(CachedCountPagination):
    group = "crossborder"


class PartyIn(Schema):
    code: str
    name: str
    role: str
    enterprise_id: int | None = None
    broker_user_ids: list[int] = []


class PartyOut(Schema):
    id: int
    code: str
    name: str
    role: str
    enterprise_id: int | None


class GoodsIn(Schema):
    seller_id: int
    item_no: str
    gname: str
    gcode: str
    positive_note: str = ""
    item_record_no: str = ""
    ems_no: str = ""


class GoodsOut(Schema):
    id: int
    seller_id: int
    item_no: str
    gname: str
    gcode: str
    positive_note: str
    item_record_no: str
    ems_no: str


class DeclarationOut(Schema):
    id: int
    order_no: str
    ebp_code: str
    ebc_code: str
    trade_mode: str
    seller_id: int
    agent_id: int | None
    logistics_code: str
    logistics_no: str
    buyer_masked: str
    order_total: Decimal | None
    state: str
    documents: list[str]
    discrepancy_count: int
    return_status: str
    return_info: str
    created_at: LocalDateTime
    checked_at: LocalDateTime | None
    sent_at: LocalDateTime | None

    @staticmethod
    def resolve_documents(obj) -> list[str]:
        return [code for code, field in obj.DOCUMENT_FIELDS.items() if getattr(obj, field)]

    @staticmethod
    def resolve_discrepancy_count(obj) -> int:
        return len(obj.discrepancies)


class ReceiptOut(Schema):
    message_type: str
    return_status: str
    return_info: str
    return_time: LocalDateTime
    pre_no: str
    invt_no: str


class DeclarationDetailOut(DeclarationOut):
    discrepancies: list[dict]
    receipts: list[ReceiptOut]

    @staticmethod
    def resolve_receipts(obj) -> list:
        return list(obj.receipts.all())


class ImportOut(Schema):
    created: int
    items: list[DeclarationOut]


class QuotaOut(Schema):
    buyer: str
    year: int
    limit: Decimal
    used: Decimal
    remaining: Decimal


@router.get("/parties", response=list[PartyOut], summary="Customs registrations of parties")
@paginate(Pagination)
def list_parties(request, role: str | None = None, q: str | None = None):
    return selectors.party_list(request.user, role=role, q=q)


@router.post("/parties", response={201: PartyOut, **ERRORS}, summary="Register a party's customs code")
def register_party(request, payload: PartyIn):
    return Status(201, services.party_register(actor=request.user, data=payload.model_dump()))


@router.get("/goods", response=list[GoodsOut], summary="Goods registrations")
@paginate(Pagination)
def list_goods(request, seller_id: int | None = None, q: str | None = None):
    return selectors.goods_list(request.user, seller_id=seller_id, q=q)


@router.post("/goods", response={201: GoodsOut, **ERRORS}, summary="Register a seller's product")
def register_goods(request, payload: GoodsIn):
    return Status(201, services.goods_register(actor=request.user, data=payload.model_dump()))


@router.get("/declarations", response=list[DeclarationOut], summary="Declaration sets (filter by state)")
@paginate(Pagination)
def list_declarations(request, state: str | None = None, trade_mode: str | None = None, q: str | None = None):
    return selectors.declaration_list(request.user, state=state, trade_mode=trade_mode, q=q)


@router.post(
    "/declarations/import",
    response={201: ImportOut, **ERRORS},
    summary="Import CEB311/411/511/621 XML files (multipart `files`), all or nothing",
)
def import_declarations(request, files: File[list[UploadedFile]], seller_id: Form[int | None] = None):
    created = services.declarations_import_xml(
        actor=request.user,
        files=[f.read() for f in files],
        names=[f.name or "" for f in files],
        seller_id=seller_id,
    )
    return Status(201, {"created": len(created), "items": created})


@router.post(
    "/declarations/receipts/poll",
    response={200: dict, **ERRORS},
    summary="Fetch customs receipts from the gateway and apply them",
)
def poll_receipts(request):
    return services.receipts_ingest(actor=request.user, gateway=configured_gateway()).as_dict()


@router.get("/declarations/{pk}", response={200: DeclarationDetailOut, **ERRORS})
def get_declaration(request, pk: int):
    return selectors.declaration_get(request.user, pk)


@router.post(
    "/declarations/{pk}/check",
    response={200: DeclarationDetailOut, **ERRORS},
    summary="Three-document matching against the registrations on record",
)
def check_declaration(request, pk: int):
    return services.declaration_check(actor=request.user, pk=pk)


@router.post(
    "/declarations/{pk}/send",
    response={200: DeclarationDetailOut, **ERRORS},
    summary="Build, sign and send the CEB621 of a checked set",
)
def send_declaration(request, pk: int):
    return services.declaration_send(actor=request.user, pk=pk, gateway=configured_gateway())


@router.get("/quota", response={200: QuotaOut, **ERRORS}, summary="A buyer's yearly quota (masked)")
def buyer_quota(request, buyer_id: str):
    return selectors.buyer_quota(request.user, buyer_id)


from livepark.crossborder.api_sources import router as sources_router  # noqa: E402

router.add_router("", sources_router)  # positive list, bonded account books, declaration sources


def _mount_tax() -> None:
    # Tax step, rate tables, cancellations and returns, tax batch and CEB816 bills (crossborder.api_tax).
    from livepark.crossborder.api_tax import router as tax_router

    router.add_router("", tax_router)


_mount_tax()

# B2B export 9710/9810 and the statistics per trade mode (their own module; it imports ERRORS and Pagination).
from livepark.crossborder.api_export import router as _export_router  # noqa: E402

router.add_router("", _export_router)
