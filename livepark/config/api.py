"""The REST API root: /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from livepark.catalog.api import router as catalog_router
from livepark.core.api_auth import API_AUTH
from livepark.core.errors import ServiceError
from livepark.crossborder.api import router as crossborder_router
from livepark.fulfillment.api import router as fulfillment_router
from livepark.live.api import events_router
from livepark.live.api import router as live_router
from livepark.registry.api import router as registry_router

api = NinjaAPI(
    title="LivePark API",
    version="1",
    description="直播电商基地运营平台 REST API. Errors: {detail, code, fields}. Lists: {items, count}.",
    auth=API_AUTH,
    urls_namespace="api-v1",
)


def _error(request, status: int, detail: str, code: str, fields: dict | None = None):
    return api.create_response(
        request, {"detail": detail, "code": code, "fields": fields or {}}, status=status
    )


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        # loc is like ("body", "payload", "uscc") or ("query", "limit"): name the innermost field.
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        fields.setdefault(".".join(loc) or "body", []).append(err.get("msg", "invalid"))
    detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
    return _error(request, 422, detail, "invalid", fields)


@api.exception_handler(DjangoValidationError)
def django_validation_error(request, exc: DjangoValidationError):
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _error(
        request, 422, "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()), "invalid", fields
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return _error(request, 401, "需要登录或有效的 API 令牌 / authentication required", "unauthenticated")


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "不存在 / not found", "not_found")


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return _error(request, exc.status_code, str(exc), "error")


api.add_router("/registry/", registry_router)
api.add_router("/catalog/", catalog_router)
api.add_router("/fulfillment/", fulfillment_router)
api.add_router("/crossborder/", crossborder_router)
api.add_router("/live/", live_router)
api.add_router("/", events_router)
