"""REST endpoints of the catalog."""

import datetime as dt
from decimal import Decimal

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from livepark.catalog import selectors, services
from livepark.core.counting import CachedCountPagination
from livepark.core.schemas import ErrorOut, LocalDateTime

router = Router(tags=["catalog"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class Pagination(CachedCountPagination):
    group = "catalog"


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    qc_mode: str
    inspection_level: str
    aql_critical: str
    aql_major: str
    aql_minor: str


class CategoryIn(Schema):
    name: str
    parent_id: int | None = None
    qc_mode: str = "per_lot"
    inspection_level: str = "II"
    aql_critical: str = "0.065"
    aql_major: str = "1.0"
    aql_minor: str = "4.0"


class ProductOut(Schema):
    id: int
    supplier_id: int
    category_id: int
    brand: str
    name: str
    hs_code: str
    origin_country: str
    commission_rate: Decimal
    images: list[str]
    status: str
    created_at: LocalDateTime


class ProductIn(Schema):
    supplier_id: int | None = None
    category_id: int
    brand: str = ""
    name: str
    hs_code: str = ""
    origin_country: str = "142"
    commission_rate: Decimal = Decimal(0)
    images: list[str] = []
    status: str = "active"


class ProductPatch(Schema):
    category_id: int | None = None
    brand: str | None = None
    name: str | None = None
    hs_code: str | None = None
    origin_country: str | None = None
    commission_rate: Decimal | None = None
    images: list[str] | None = None
    status: str | None = None


class SkuOut(Schema):
    id: int
    product_id: int
    spec: str
    barcode: str
    unit: str
    list_price_fen: int
    cost_fen: int
    weight_g: int


class SkuIn(Schema):
    product_id: int
    spec: str
    barcode: str
    unit: str = "件"
    list_price_fen: int
    cost_fen: int
    weight_g: int = 0


class BatchOut(Schema):
    id: int
    sku_id: int
    batch_no: str
    production_date: dt.date
    quantity: int


class BatchIn(Schema):
    sku_id: int
    batch_no: str
    production_date: dt.date
    quantity: int


@router.get("/categories", response=list[CategoryOut])
@paginate(Pagination)
def list_categories(request):
    return selectors.category_list(request.user)


@router.post("/categories", response={201: CategoryOut, **ERRORS})
def create_category(request, payload: CategoryIn):
    return Status(201, services.category_create(actor=request.user, data=payload.model_dump()))


@router.get("/products", response=list[ProductOut])
@paginate(Pagination)
def list_products(
    request,
    q: str | None = None,
    category_id: int | None = None,
    supplier_id: int | None = None,
    status: str | None = None,
):
    return selectors.product_list(
        request.user, q=q, category_id=category_id, supplier_id=supplier_id, status=status
    )


@router.post("/products", response={201: ProductOut, **ERRORS})
def create_product(request, payload: ProductIn):
    return Status(201, services.product_create(actor=request.user, data=payload.model_dump()))


@router.get("/products/{pk}", response={200: ProductOut, **ERRORS})
def get_product(request, pk: int):
    return selectors.product_get(request.user, pk)


@router.patch("/products/{pk}", response={200: ProductOut, **ERRORS})
def update_product(request, pk: int, payload: ProductPatch):
    return services.product_update(actor=request.user, pk=pk, data=payload.model_dump(exclude_unset=True))


@router.get("/skus", response=list[SkuOut])
@paginate(Pagination)
def list_skus(request, product_id: int | None = None, barcode: str | None = None):
    return selectors.sku_list(request.user, product_id=product_id, barcode=barcode)


@router.post("/skus", response={201: SkuOut, **ERRORS})
def create_sku(request, payload: SkuIn):
    return Status(201, services.sku_create(actor=request.user, data=payload.model_dump()))


@router.get("/batches", response=list[BatchOut])
@paginate(Pagination)
def list_batches(request, sku_id: int | None = None):
    return selectors.batch_list(request.user, sku_id=sku_id)


@router.post("/batches", response={201: BatchOut, **ERRORS})
def create_batch(request, payload: BatchIn):
    return Status(201, services.batch_create(actor=request.user, data=payload.model_dump()))
