"""Cached list counts stay exact: every write through a service moves the data version."""

from __future__ import annotations

import pytest

from livepark.core import counting
from livepark.core.models import DataVersion
from livepark.registry import selectors, services
from livepark.registry.models import Anchor
from tests.conftest import Api
from tests.factories import build_park, make_ric


@pytest.mark.django_db(transaction=True)
def test_counts_follow_every_write_and_are_reused_until_then(django_assert_num_queries):
    park = build_park()
    admin = park.users["admin"]
    api = Api(park.tokens["admin"])
    assert api.get("/registry/anchors").json()["count"] == 2
    v = counting.version("registry")
    # Unchanged data: the count is served from the cache (the version read is the only query).
    with django_assert_num_queries(1):
        assert counting.cached_count(selectors.anchor_list(admin), "registry") == 2
    services.anchor_create(
        actor=admin,
        data={"real_name": "新", "id_number": make_ric(99), "stage_name": "新", "region_code": "330102"},
    )
    assert counting.version("registry") > v
    assert api.get("/registry/anchors").json()["count"] == 3
    services.anchor_archive(actor=admin, pk=Anchor.objects.get(stage_name="新").pk)
    assert api.get("/registry/anchors").json()["count"] == 2
    # A write made elsewhere (another process) is seen through the version in the database ...
    assert api.get("/registry/anchors", status="active").json()["count"] == 2
    Anchor.objects.filter(pk=park.anchor_c.pk).update(status="paused")
    assert api.get("/registry/anchors", status="active").json()["count"] == 2  # ... only once it bumps it
    DataVersion.objects.filter(key="registry").update(version=10_000)
    assert api.get("/registry/anchors", status="active").json()["count"] == 1
    # Scoped queries never share a count: the SQL differs per scope.
    assert Api(park.tokens["owner_a"]).get("/registry/anchors").json()["count"] == 1
