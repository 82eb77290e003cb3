"""Request middleware."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

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


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose otherwise in the page header (the language cookie).

    Django's LocaleMiddleware follows the browser's Accept-Language, which would show an English page to anyone
    whose browser happens to be in English; the park's working language is Chinese.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.allowed = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.allowed else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
