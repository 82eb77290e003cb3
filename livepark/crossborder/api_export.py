"""REST endpoints of B2B export (9710/9810) and of the statistics per trade mode (/api/v1/crossborder/)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from livepark.core.schemas import LocalDateTime
from livepark.crossborder import export, services, stats
from livepark.crossborder.api import ERRORS, Pagination
from livepark.crossborder.gateway import configured_gateway

router = Router(tags=["crossborder export"])


class WarehouseIn(Schema):
    seller_id: int
    code: str
    name: str
    country: str
    address: str


class WarehouseOut(Schema):
    id: int
    seller_id: int
    code: str
    name: str
    country: str
    address: str


class ExportLineIn(Schema):
    item_no: str
    gname: str
    gcode: str
    qty: Decimal
    unit: str
    price: Decimal
    gmodel: str = ""
    bar_code: str = ""


class ExportIn(Schema):
    trade_mode: str
    seller_id: int
    agent_id: int
    warehouse_id: int | None = None
    order_no: str
    ebp_code: str
    ebp_name: str = ""
    currency: str = "142"
    logistics_code: str
    logistics_name: str = ""
    logistics_no: str
    freight: Decimal = Decimal(0)
    insured_fee: Decimal = Decimal(0)
    gross_weight: Decimal
    net_weight: Decimal
    pack_no: int
    goods_info: str = ""
    customs_code: str
    port_code: str
    ie_date: dt.date
    statistics_flag: str
    country: str
    pod: str
    traf_mode: str
    lines: list[ExportLineIn]


class ExportOut(Schema):
    id: int
    trade_mode: str
    order_no: str
    order_type: str
    ebp_code: str
    ebc_code: str
    seller_id: int
    agent_id: int | None
    warehouse_id: int | None
    logistics_code: str
    logistics_no: str
    goods_value: Decimal
    currency: str
    value_rmb: Decimal | None
    state: str
    documents: list[str]
    discrepancy_count: int
    return_status: str
    return_info: str
    invt_no: str
    created_at: LocalDateTime
    checked_at: LocalDateTime | None
    sent_at: LocalDateTime | None

    @staticmethod
    def resolve_documents(obj) -> list[str]:
        return [code for code, field in obj.DOCUMENT_FIELDS.items() if getattr(obj, field)]

    @staticmethod
    def resolve_discrepancy_count(obj) -> int:
        return len(obj.discrepancies)


class ExportReceiptOut(Schema):
    message_type: str
    return_status: str
    return_info: str
    return_time: LocalDateTime
    pre_no: str
    invt_no: str


class ExportDetailOut(ExportOut):
    discrepancies: list[dict]
    receipts: list[ExportReceiptOut]
    departure_status: str
    departed_at: LocalDateTime | None
    summary_status: str
    sum_no: str

    @staticmethod
    def resolve_receipts(obj) -> list:
        return list(obj.receipts.all())


class ExportImportOut(Schema):
    created: int
    items: list[ExportOut]


class DepartureIn(Schema):
    traf_mode: str = ""
    traf_name: str = ""
    voyage_no: str = ""
    bill_no: str = ""


class SummaryIn(Schema):
    ids: list[int]


@router.get("/warehouses", response=list[WarehouseOut], summary="Registered overseas warehouses (9810)")
@paginate(Pagination)
def list_warehouses(request, seller_id: int | None = None):
    return export.warehouse_list(request.user, seller_id=seller_id)


@router.post("/warehouses", response={201: WarehouseOut, **ERRORS}, summary="Register an overseas warehouse")
def register_warehouse(request, payload: WarehouseIn):
    return Status(201, export.warehouse_register(actor=request.user, data=payload.model_dump()))


@router.get("/exports", response=list[ExportOut], summary="Export declarations 9710/9810 (filter, search)")
@paginate(Pagination)
def list_exports(request, trade_mode: str | None = None, state: str | None = None, q: str | None = None):
    return export.export_list(request.user, trade_mode=trade_mode, state=state, q=q)


@router.post("/exports", response={201: ExportDetailOut, **ERRORS}, summary="Create an export declaration")
def create_export(request, payload: ExportIn):
    data = payload.model_dump()
    data["lines"] = [dict(x) for x in data["lines"]]
    return Status(201, export.export_create(actor=request.user, data=data))


@router.post(
    "/exports/import",
    response={201: ExportImportOut, **ERRORS},
    summary="Import CEB303/505/603 XML files (multipart `files`), all or nothing",
)
def import_exports(
    request,
    files: File[list[UploadedFile]],
    trade_mode: Form[str | None] = None,
    warehouse_id: Form[int | None] = None,
):
    created = export.exports_import_xml(
        actor=request.user,
        files=[f.read() for f in files],
        names=[f.name or "" for f in files],
        trade_mode=trade_mode,
        warehouse_id=warehouse_id,
    )
    return Status(201, {"created": len(created), "items": created})


@router.post(
    "/exports/receipts/poll",
    response={200: dict, **ERRORS},
    summary="Fetch customs receipts (import and export) from the gateway and apply them",
)
def poll_export_receipts(request):
    return services.receipts_ingest(actor=request.user, gateway=configured_gateway()).as_dict()


@router.post(
    "/exports/summary",
    response={200: list[ExportOut], **ERRORS},
    summary="Apply for the summary declaration (CEB701) of released declarations",
)
def summarize_exports(request, payload: SummaryIn):
    return export.export_summarize(actor=request.user, pks=payload.ids, gateway=configured_gateway())


@router.get("/exports/{pk}", response={200: ExportDetailOut, **ERRORS})
def get_export(request, pk: int):
    return export.export_get(request.user, pk)


@router.post(
    "/exports/{pk}/check", response={200: ExportDetailOut, **ERRORS}, summary="Run the export checks"
)
def check_export(request, pk: int):
    return export.export_check(actor=request.user, pk=pk)


@router.post(
    "/exports/{pk}/send",
    response={200: ExportDetailOut, **ERRORS},
    summary="Sign and send the CEB303, CEB505 and CEB603 of a checked declaration",
)
def send_export(request, pk: int):
    return export.export_send(actor=request.user, pk=pk, gateway=configured_gateway())


@router.post(
    "/exports/{pk}/depart",
    response={200: ExportDetailOut, **ERRORS},
    summary="Declare the departure (CEB509) of a released declaration",
)
def depart_export(request, pk: int, payload: DepartureIn | None = None):
    data = payload.model_dump() if payload is not None else {}
    return export.export_depart(actor=request.user, pk=pk, gateway=configured_gateway(), data=data)


@router.get("/stats", response={200: dict, **ERRORS}, summary="Declarations per month and trade mode")
def trade_stats(request, year: int | None = None):
    return stats.as_json(stats.trade_stats(request.user, year=year))
