"""Fixtures shared by the test suite."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import build_park


@pytest.fixture
def park(db):
    """A small park with two tenants and one user per role (see tests/factories.py)."""
    return build_park()


class Api:
    """A JSON client for /api/v1/ authenticating with a Bearer token (or anonymous)."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def _call(self, method: str, path: str, body=None, **params):
        url = f"/api/v1{path}"
        fn = getattr(self.client, method)
        if body is None:
            return fn(url, params or None, **self.headers)
        return fn(url, json.dumps(body, default=str), content_type="application/json", **self.headers)

    def get(self, path, **params):
        return self._call("get", path, **params)

    def post(self, path, body=None):
        return self._call("post", path, body if body is not None else {})

    def patch(self, path, body):
        return self._call("patch", path, body)


@pytest.fixture
def api(park):
    """`api(role)` -> a client authenticated as that demo user (`None` for anonymous)."""
    return lambda name=None: Api(park.tokens[name] if name else None)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """PBKDF2 at production strength costs ~0.3 s per user; tests create many."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_count_cache():
    """Each test's database starts over, and so do the data versions the count cache is keyed by."""
    from livepark.core import counting

    counting.clear()
