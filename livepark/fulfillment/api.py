"""REST endpoints of QC and stock."""

import dataclasses
import datetime as dt
from typing import Literal

from ninja import Field, File, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from livepark.core.counting import CachedCountPagination
from livepark.core.schemas import ErrorOut, LocalDateTime
from livepark.fulfillment import feedback, order_import, orders, selectors, services, stock_import

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
    located: int = Field(0, description="units on locations (put away)")
    unplaced: int = Field(0, description="on hand − picked − located: not yet put away")
    value_fen: int = Field(0, description="on hand × the SKU's cost (fen)")
    received_at: LocalDateTime | None = None
    age_days: int | None = Field(None, description="days since the first receipt (the goods' age)")

    @staticmethod
    def resolve_located(obj) -> int:
        return getattr(obj, "located", 0) or 0

    @staticmethod
    def resolve_unplaced(obj) -> int:
        return obj.on_hand - obj.picked - (getattr(obj, "located", 0) or 0)

    @staticmethod
    def resolve_value_fen(obj) -> int:
        return obj.on_hand * obj.batch.sku.cost_fen

    @staticmethod
    def resolve_age_days(obj) -> int | None:
        return selectors.age_days(obj.received_at)


class LocationOut(Schema):
    id: int
    warehouse_id: int
    code: str
    kind: str
    active: bool


class LocationIn(Schema):
    warehouse_id: int
    code: str
    kind: str = "storage"
    active: bool = True


class LocationPatch(Schema):
    kind: str | None = None
    active: bool | None = None


class LocationStockOut(Schema):
    location_id: int
    location_code: str = Field(alias="location.code")
    warehouse_id: int = Field(alias="location.warehouse_id")
    batch_id: int
    quantity: int


class PutAwayIn(Schema):
    batch_id: int
    location_id: int
    quantity: int
    from_location_id: int | None = None
    reference: str = ""


class TransferIn(Schema):
    batch_id: int
    from_warehouse_id: int
    to_warehouse_id: int
    quantity: int
    to_location_id: int | None = None
    reference: str = ""


class TransferOut(Schema):
    id: int
    batch_id: int
    from_warehouse_id: int
    to_warehouse_id: int
    quantity: int
    certified: int = Field(description="units that carried their QC pass to the receiving warehouse")
    reference: str
    at: LocalDateTime


class ValuationOut(Schema):
    warehouse_id: int
    warehouse: str
    on_hand: int
    value_fen: int
    age: dict[str, int] = Field(
        description="units on hand by age in days: 0-30, 31-90, 91-180, 181+, unknown"
    )


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


@router.get(
    "/qc/pass-rates", response={200: list[dict], **ERRORS}, summary="Supplier QC pass rates per period"
)
def pass_rates(request, period: Literal["month", "week"] = "month", supplier_id: int | None = None):
    return selectors.supplier_pass_rates(request.user, period=period, supplier_id=supplier_id)


@router.get("/stock", response=list[BalanceOut])
@paginate(Pagination)
def list_stock(
    request, warehouse_id: int | None = None, sku_id: int | None = None, batch_id: int | None = None
):
    return selectors.stock_list(request.user, warehouse_id=warehouse_id, sku_id=sku_id, batch_id=batch_id)


@router.get("/locations", response=list[LocationOut], summary="Locations of the warehouses")
@paginate(Pagination)
def list_locations(request, warehouse_id: int | None = None, active: bool | None = None):
    return selectors.location_list(request.user, warehouse_id=warehouse_id, active=active)


@router.post("/locations", response={201: LocationOut, **ERRORS}, summary="Add a location (park admin)")
def create_location(request, payload: LocationIn):
    return Status(201, services.location_create(actor=request.user, data=payload.model_dump()))


@router.patch("/locations/{pk}", response={200: LocationOut, **ERRORS}, summary="Change kind, switch off")
def update_location(request, pk: int, payload: LocationPatch):
    return services.location_update(actor=request.user, pk=pk, data=payload.model_dump(exclude_unset=True))


@router.get("/stock/locations", response=list[LocationStockOut], summary="Stock per location")
@paginate(Pagination)
def list_location_stock(
    request, warehouse_id: int | None = None, batch_id: int | None = None, location_id: int | None = None
):
    return selectors.location_stock(
        request.user, warehouse_id=warehouse_id, batch_id=batch_id, location_id=location_id
    )


@router.get("/stock/valuation", response={200: list[ValuationOut], **ERRORS}, summary="Value at cost and age")
def stock_valuation(request, warehouse_id: int | None = None):
    return selectors.stock_valuation(request.user, warehouse_id=warehouse_id)


@router.post(
    "/stock/put-away",
    response={200: LocationStockOut, **ERRORS},
    summary="Put units away onto a location (from the unplaced ones or another location)",
)
def put_away(request, payload: PutAwayIn):
    data = payload.model_dump()
    services.stock_put_away(actor=request.user, **data)
    return selectors.location_stock(
        request.user, batch_id=data["batch_id"], location_id=data["location_id"]
    ).get()


@router.get("/stock/transfers", response=list[TransferOut], summary="Transfers between warehouses")
@paginate(Pagination)
def list_transfers(request, batch_id: int | None = None, warehouse_id: int | None = None):
    return selectors.transfer_list(request.user, batch_id=batch_id, warehouse_id=warehouse_id)


@router.post(
    "/stock/transfers",
    response={201: TransferOut, **ERRORS},
    summary="Transfer units to another warehouse (the QC pass travels with them)",
)
def transfer_stock(request, payload: TransferIn):
    return Status(201, services.stock_transfer(actor=request.user, **payload.model_dump()))


@router.post(
    "/stock/import", response={200: dict, 422: dict, **{k: v for k, v in ERRORS.items() if k != 422}}
)
def import_stock(request, file: File[UploadedFile]):
    """Apply a CSV/xlsx of stock moves (类型, 条码, 批号, 仓库编码, 数量) all or nothing, through the QC gate."""
    report = stock_import.import_stock_moves(file.read(), file.name or "moves.csv", actor=request.user)
    if report["ok"]:
        return Status(200, report)
    detail = report["file_error"] or f"{len(report['errors'])} 行有误，未导入 / nothing applied"
    return Status(422, report | {"detail": detail, "code": "import_rejected", "fields": {}})


MoveKindIn = Literal[
    "receive", "reserve", "release", "pick", "ship", "return", "write_off", "adjust_in", "adjust_out"
]


@router.post(
    "/stock/{kind}", response={200: BalanceOut, **ERRORS}, summary="Move stock (QC gate on reserve/pick/ship)"
)
def move_stock(request, kind: MoveKindIn, payload: MoveIn):
    return services.stock_move(actor=request.user, kind=kind, **payload.model_dump())


# --- orders, shipments, returns, feedback ------------------------------------------------------------------


class ConsigneeIn(Schema):
    name: str
    phone: str
    address: str


class OrderLineIn(Schema):
    sku_id: int
    quantity: int
    price_fen: int


class OrderIn(Schema):
    platform: str
    order_no: str
    shop_id: int | None = None
    anchor_id: int | None = None
    session_ref: str = ""
    lines: list[OrderLineIn]
    freight_fen: int = 0
    discount_fen: int = 0
    paid_fen: int
    paid_at: dt.datetime
    consignee: ConsigneeIn
    buyer_id: str | None = None


class OrderLineOut(Schema):
    id: int
    sku_id: int
    quantity: int
    price_fen: int
    returned: int


class OrderOut(Schema):
    id: int
    platform: str
    order_no: str
    shop_id: int
    anchor_id: int | None
    status: str
    goods_fen: int
    freight_fen: int
    discount_fen: int
    paid_fen: int
    refunded_fen: int
    paid_at: LocalDateTime
    consignee: str = Field(alias="consignee_masked")
    warehouse_id: int | None
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class AllocateIn(Schema):
    warehouse_id: int


class ShipIn(Schema):
    carrier: str
    waybill_no: str


class ShipmentOut(Schema):
    id: int
    order_id: int
    carrier: str
    waybill_no: str
    shipped_at: LocalDateTime
    delivered_at: LocalDateTime | None


class TrackingIn(Schema):
    at: dt.datetime
    status: str
    location: str = ""


class ReturnIn(Schema):
    line_id: int
    quantity: int
    good_quantity: int
    reason: str
    refund_fen: int = 0


class ReturnOut(Schema):
    id: int
    line_id: int
    quantity: int
    good_quantity: int
    reason: str
    refund_fen: int


class ImportOut(Schema):
    """The import report; a refused file (422) also carries the usual error keys."""

    detail: str = ""
    code: str = ""
    fields: dict[str, list[str]] = {}
    platform: str
    ok: bool
    rows: int
    orders: int
    created: int
    unchanged: int
    file_error: str
    errors: list[dict]


@router.get("/orders", response=list[OrderOut])
@paginate(Pagination)
def list_orders(request, q: str | None = None, status: str | None = None, platform: str | None = None):
    return selectors.order_list(request.user, q=q, status=status, platform=platform).prefetch_related("lines")


@router.post(
    "/orders", response={200: OrderOut, 201: OrderOut, **ERRORS}, summary="Record an order (idempotent)"
)
def create_order(request, payload: OrderIn):
    order, created = orders.order_create(actor=request.user, data=payload.model_dump())
    return Status(201 if created else 200, order)


@router.post(
    "/orders/import", response={**ERRORS, 200: ImportOut, 422: ImportOut}, summary="Import a platform export"
)
def import_orders(request, platform: str, file: File[UploadedFile], shop_id: int | None = None):
    report = order_import.import_orders(
        platform,
        file.read(),
        file.name or "upload.csv",
        actor=request.user,
        shop_id=shop_id,
        max_rows=order_import.web_max_rows(),
    )
    if report.ok:
        return Status(200, report.as_dict())
    detail = report.file_error or f"{len(report.errors)} 个订单有误，未导入任何数据 / nothing imported"
    return Status(422, report.as_dict() | {"detail": detail, "code": "import_rejected"})


@router.get("/orders/{pk}", response={200: OrderOut, **ERRORS})
def get_order(request, pk: int):
    return selectors.order_get(request.user, pk)


@router.post("/orders/{pk}/allocate", response={200: OrderOut, **ERRORS}, summary="Reserve QC-passed stock")
def allocate_order(request, pk: int, payload: AllocateIn):
    return orders.order_allocate(actor=request.user, pk=pk, warehouse_id=payload.warehouse_id)


@router.post("/orders/{pk}/pick", response={200: OrderOut, **ERRORS})
def pick_order(request, pk: int):
    return orders.order_pick(actor=request.user, pk=pk)


@router.post("/orders/{pk}/ship", response={201: ShipmentOut, **ERRORS})
def ship_order(request, pk: int, payload: ShipIn):
    return Status(201, orders.shipment_create(actor=request.user, pk=pk, **payload.model_dump()))


@router.post("/shipments/{pk}/tracking", response={200: dict, **ERRORS})
def add_tracking(request, pk: int, payload: TrackingIn):
    event = orders.tracking_add(actor=request.user, shipment_id=pk, **payload.model_dump())
    return {"id": event.pk, "status": event.status}


@router.get("/shipments", response=list[ShipmentOut])
@paginate(Pagination)
def list_shipments(request, q: str | None = None, carrier: str | None = None):
    return selectors.shipment_list(request.user, q=q, carrier=carrier)


@router.post("/returns", response={201: ReturnOut, **ERRORS}, summary="Receive a return; refund recorded")
def receive_return(request, payload: ReturnIn):
    return Status(201, orders.return_receive(actor=request.user, **payload.model_dump()))


@router.get("/feedback", response=list[dict], summary="Factory feedback (C2M) per product")
def factory_feedback(request, supplier_id: int | None = None, days: int = 28):
    return [
        dataclasses.asdict(f)
        for f in feedback.product_feedback(request.user, supplier_id=supplier_id, days=days)
    ]
