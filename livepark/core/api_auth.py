"""API authentication: `Authorization: Bearer <token>` for machines, the browser session for pages."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from livepark.core.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    """The logged-in browser session (CSRF-checked on writes)."""


API_AUTH = [BearerToken(), Session()]
