"""REST endpoints of the tax step, rate tables, cancellations and returns, the monthly tax batch and CEB816
tax bills (mounted into /api/v1/crossborder/)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import File, Form, Router, Schema, Status, UploadedFile

from livepark.core.errors import NotFound
from livepark.core.schemas import ErrorOut, LocalDateTime
from livepark.core.scoping import get_scoped, require_right
from livepark.crossborder import returns, selectors, tax_batch, tax_bills, taxation
from livepark.crossborder.gateway import configured_gateway
from livepark.crossborder.models_tax import DeclarationTax, InventoryRequest, TaxBill, TaxRateTable

router = Router(tags=["crossborder tax"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class RateOut(Schema):
    gcode: str
    tariff: Decimal
    vat: Decimal
    consumption: Decimal


class RateTableOut(Schema):
    id: int
    name: str
    effective_from: dt.date
    file_name: str
    row_count: int
    created_at: LocalDateTime


class RateTableDetailOut(RateTableOut):
    rates: list[RateOut]

    @staticmethod
    def resolve_rates(obj) -> list:
        return list(obj.rates.all())


class TaxOut(Schema):
    declaration_id: int
    state: str
    mode: str
    rate_table_id: int
    year: int
    year_before: Decimal
    taxable_price: Decimal
    customs_tax: Decimal
    consumption_tax: Decimal
    vat: Decimal
    tax_total: Decimal
    quota_used: Decimal
    refunded: Decimal
    quota_restored: bool
    lines: list[dict]
    assessed_at: LocalDateTime

    @staticmethod
    def resolve_state(obj) -> str:
        return obj.declaration.state


class RequestIn(Schema):
    reason: str


class RequestOut(Schema):
    id: int
    declaration_id: int
    kind: str
    invt_no: str
    reason: str
    state: str
    requested_at: LocalDateTime
    days_after_release: int | None
    return_status: str
    return_info: str
    concluded_at: LocalDateTime | None
    tax_refund: Decimal
    quota_restored: Decimal


class BillOut(Schema):
    id: int
    declaration_id: int
    tax_no: str
    invt_no: str
    status: str
    customs_tax: Decimal
    consumption_tax: Decimal
    vat: Decimal
    tax_total: Decimal
    ent_duty_no: str
    source: str
    lines: list[dict]
    return_time: LocalDateTime


class BatchRowOut(Schema):
    declaration_id: int
    order_no: str
    seller: str
    agent: str
    mode: str
    released_on: dt.date
    due_from: dt.date
    due_by: dt.date
    customs_tax: Decimal
    consumption_tax: Decimal
    vat: Decimal
    tax_total: Decimal
    tax_no: str | None
    billed: dict[str, Decimal] | None
    difference: dict[str, Decimal] | None


class BatchOut(Schema):
    period: str
    count: int
    totals: dict[str, Decimal]
    billed: dict[str, Decimal]
    mismatches: int
    by_seller: list[dict]
    by_agent: list[dict]
    items: list[BatchRowOut]


@router.get("/tax/rates", response={200: list[RateTableOut], **ERRORS}, summary="Tax rate tables")
def list_rate_tables(request):
    require_right(request.user, "tax_rate", "view")
    return list(TaxRateTable.objects.restrict(request.user, "view"))


@router.post(
    "/tax/rates",
    response={201: RateTableOut, **ERRORS},
    summary="Load a rate table (csv/xlsx `gcode,tariff,vat,consumption`), all or nothing",
)
def load_rate_table(request, file: File[UploadedFile], name: Form[str], effective_from: Form[str]):
    table = taxation.rate_table_load(
        actor=request.user,
        data=file.read(),
        file_name=file.name or "",
        name=name,
        effective_from=effective_from,
    )
    return Status(201, table)


@router.get("/tax/rates/{pk}", response={200: RateTableDetailOut, **ERRORS})
def get_rate_table(request, pk: int):
    return get_scoped(TaxRateTable, request.user, pk)


@router.post(
    "/declarations/{pk}/tax",
    response={200: TaxOut, **ERRORS},
    summary="Compute and store the tax of a checked set (state taxed)",
)
def tax_declaration(request, pk: int):
    obj = taxation.declaration_tax(actor=request.user, pk=pk)
    return obj.tax


@router.get("/declarations/{pk}/tax", response={200: TaxOut, **ERRORS}, summary="A set's tax assessment")
def get_tax(request, pk: int):
    obj = selectors.declaration_get(request.user, pk)
    tax = DeclarationTax.objects.filter(declaration=obj).first()
    if tax is None:
        raise NotFound("尚未计税 / not taxed yet")
    return tax


@router.post(
    "/declarations/{pk}/cancel",
    response={201: RequestOut, **ERRORS},
    summary="Cancel an accepted inventory before release (CEB623)",
)
def cancel_declaration(request, pk: int, payload: RequestIn):
    req = returns.declaration_cancel(
        actor=request.user, pk=pk, reason=payload.reason, gateway=configured_gateway()
    )
    return Status(201, req)


@router.post(
    "/declarations/{pk}/return",
    response={201: RequestOut, **ERRORS},
    summary="Declare the return of a released order (CEB625)",
)
def return_declaration(request, pk: int, payload: RequestIn):
    req = returns.declaration_return(
        actor=request.user, pk=pk, reason=payload.reason, gateway=configured_gateway()
    )
    return Status(201, req)


@router.get(
    "/declarations/{pk}/requests",
    response={200: list[RequestOut], **ERRORS},
    summary="Cancellations and returns",
)
def list_requests(request, pk: int):
    obj = selectors.declaration_get(request.user, pk)
    return list(InventoryRequest.objects.filter(declaration=obj))


@router.get("/tax/batch", response={200: BatchOut, **ERRORS}, summary="The month's tax batch (month=YYYY-MM)")
def get_batch(request, month: str | None = None):
    year, mon = tax_batch.parse_month(month)
    batch = tax_batch.tax_batch(request.user, year, mon)
    items = []
    for r in batch.rows:
        t = r.tax
        items.append(
            {
                "declaration_id": r.obj.pk,
                "order_no": r.obj.order_no,
                "seller": str(r.obj.seller),
                "agent": str(r.obj.agent) if r.obj.agent else "",
                "mode": t.mode,
                "released_on": r.released_on,
                "due_from": r.due_from,
                "due_by": r.due_by,
                "customs_tax": t.customs_tax,
                "consumption_tax": t.consumption_tax,
                "vat": t.vat,
                "tax_total": t.tax_total,
                "tax_no": r.bill.tax_no if r.bill else None,
                "billed": {k: getattr(r.bill, k) for k in tax_bills.KINDS} if r.bill else None,
                "difference": r.difference,
            }
        )
    return {
        "period": batch.period,
        "count": len(items),
        "totals": batch.totals,
        "billed": batch.billed,
        "mismatches": batch.mismatches,
        "by_seller": batch.by_seller,
        "by_agent": batch.by_agent,
        "items": items,
    }


@router.get("/tax/bills", response={200: list[BillOut], **ERRORS}, summary="CEB816 tax bills")
def list_bills(request, declaration_id: int | None = None):
    require_right(request.user, "declaration", "view")
    qs = TaxBill.objects.restrict(request.user, "view")
    if declaration_id is not None:
        qs = qs.filter(declaration_id=declaration_id)
    return list(qs[:500])


@router.post(
    "/tax/bills",
    response={201: list[BillOut], **ERRORS},
    summary="Upload CEB816 tax bill messages (multipart `files`), all or nothing",
)
def upload_bills(request, files: File[list[UploadedFile]]):
    bills = tax_bills.bills_upload(
        actor=request.user, files=[f.read() for f in files], names=[f.name or "" for f in files]
    )
    return Status(201, bills)
