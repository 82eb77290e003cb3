"""Exact list counts without re-counting unchanged data.

A list page answers `{"items", "count"}`; on 130,000 anchors the COUNT(*) costs more than the page itself. Counts
are cached per process, keyed by the exact SQL of the (already scoped and filtered) query and by the version of
the data it reads. Every service write bumps that version in its own transaction, so a count is never served
for data that has changed since — across processes too, because the version lives in the database.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from django.db import connections
from django.db.models import F, QuerySet
from ninja.pagination import LimitOffsetPagination

from livepark.core.models import DataVersion

MAX_ENTRIES = 2048
_cache: OrderedDict[tuple[str, int], int] = OrderedDict()
_lock = threading.Lock()


def bump(group: str) -> None:
    """Mark the data of `group` (e.g. `registry`) as changed; call inside the writing transaction."""
    if DataVersion.objects.filter(key=group).update(version=F("version") + 1) == 0:
        DataVersion.objects.get_or_create(key=group)


def version(group: str) -> int:
    """The current version of `group`'s data."""
    return DataVersion.objects.filter(key=group).values_list("version", flat=True).first() or 0


def cached_count(queryset: QuerySet, group: str) -> int:
    """`queryset.count()`, remembered until `group`'s data changes."""
    sql, params = queryset.query.sql_with_params()
    alias = queryset.db
    digest = hashlib.sha256(f"{alias}\x00{sql}\x00{params!r}".encode()).hexdigest()
    key = (digest, version(group))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    n = queryset.count()
    with _lock:
        _cache[key] = n
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return n


def clear() -> None:
    """Forget every cached count (tests that rebuild the database between cases)."""
    with _lock:
        _cache.clear()


class CachedCountPagination(LimitOffsetPagination):
    """Ninja's limit/offset pagination with `cached_count`; the endpoint's model names its data group."""

    group = "registry"

    def _items_count(self, queryset: QuerySet) -> int:
        if not isinstance(queryset, QuerySet) or connections[queryset.db].in_atomic_block:
            return super()._items_count(queryset)
        return cached_count(queryset, self.group)
