"""REST endpoints of QC and stock."""

from typing import Literal

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from livepark.core.counting import CachedCountPagination
from livepark.core.schemas import ErrorOut, LocalDateTime
from livepark.fulfillment import selectors, services

router = Router(tags=["fulfillment"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class Pagination(CachedCountPagination):
    group = "fulfillment"


class WarehouseOut(Schema):
    id: int
    code: str
    name: str
    address: str


class WarehouseIn(Schema):
    code: str
    name: str
    address: str = ""
    operator_id: int | None = None


class LotOut(Schema):
    id: int
    batch_id: int
    warehouse_id: int
    lot_size: int
    level: str
    severity: str
    qc_mode: str
    plan: dict
    sample_size: int
    passed_units: int | None
    status: str
    certificate_no: str | None
    decided_at: LocalDateTime | None


class LotIn(Schema):
    batch_id: int
    warehouse_id: int
    lot_size: int | None = None
    level: str | None = None
    aql_critical: str | None = None
    aql_major: str | None = None
    aql_minor: str | None = None


class Defects(Schema):
    critical: int
    major: int
    minor: int


class LotResultIn(Schema):
    defects: Defects
    unit_results: list[bool] | None = None
    notes: str = ""


class BalanceOut(Schema):
    id: int
    batch_id: int
    warehouse_id: int
    on_hand: int
    reserved: int
    picked: int
    available: int


class MoveIn(Schema):
    batch_id: int
    warehouse_id: int
    quantity: int
    reference: str = ""


@router.get("/warehouses", response=list[WarehouseOut])
@paginate(Pagination)
def list_warehouses(request):
    return selectors.warehouse_list(request.user)


@router.post("/warehouses", response={201: WarehouseOut, **ERRORS})
def create_warehouse(request, payload: WarehouseIn):
    return Status(201, services.warehouse_create(actor=request.user, data=payload.model_dump()))


@router.get("/lots", response=list[LotOut], summary="Inspection lots (the QC queue with status=pending)")
@paginate(Pagination)
def list_lots(request, status: str | None = None, warehouse_id: int | None = None):
    return selectors.lot_list(request.user, status=status, warehouse_id=warehouse_id)


@router.post(
    "/lots", response={201: LotOut, **ERRORS}, summary="Open an inspection lot (plans from GB/T 2828.1)"
)
def open_lot(request, payload: LotIn):
    return Status(201, services.lot_open(actor=request.user, data=payload.model_dump()))


@router.get("/lots/{pk}", response={200: LotOut, **ERRORS})
def get_lot(request, pk: int):
    return selectors.lot_get(request.user, pk)


@router.post(
    "/lots/{pk}/results", response={200: LotOut, **ERRORS}, summary="Record defects; the verdict follows"
)
def record_lot(request, pk: int, payload: LotResultIn):
    return services.lot_record(
        actor=request.user,
        pk=pk,
        defects=payload.defects.model_dump(),
        unit_results=payload.unit_results,
        notes=payload.notes,
    )


@router.get("/stock", response=list[BalanceOut])
@paginate(Pagination)
def list_stock(
    request, warehouse_id: int | None = None, sku_id: int | None = None, batch_id: int | None = None
):
    return selectors.stock_list(request.user, warehouse_id=warehouse_id, sku_id=sku_id, batch_id=batch_id)


MoveKindIn = Literal[
    "receive", "reserve", "release", "pick", "ship", "return", "write_off", "adjust_in", "adjust_out"
]


@router.post(
    "/stock/{kind}", response={200: BalanceOut, **ERRORS}, summary="Move stock (QC gate on reserve/pick/ship)"
)
def move_stock(request, kind: MoveKindIn, payload: MoveIn):
    return services.stock_move(actor=request.user, kind=kind, **payload.model_dump())
