"""Request middleware."""

from __future__ import annotations

from livepark.core import audit


class AuditChannelMiddleware:
    """Labels audit entries with the door a write came through: api, admin or web."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        name = "api" if path.startswith("/api/") else "admin" if path.startswith("/admin/") else "web"
        with audit.channel(name):
            return self.get_response(request)
