"""Helpers shared by page views: error mapping, pagination, HTMX partials."""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.functional import cached_property

from livepark.core.counting import cached_count
from livepark.core.errors import Forbidden, NotFound

PER_PAGE = 25


def page_errors(view):
    """Turn a service's Forbidden/NotFound into Django's 403/404 pages."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Forbidden as exc:
            raise PermissionDenied(exc.detail) from None
        except NotFound as exc:
            raise Http404(exc.detail) from None

    return wrapper


class _CachedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        return cached_count(self.object_list, "registry")


def list_page(request, queryset, *, template: str, partial: str, context: dict):
    """Render a paginated list; an HTMX request (search, paging) gets only the table partial."""
    page = _CachedCountPaginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {**context, "page": page, "query": query.urlencode(), "partial": partial}
    return render(request, partial if request.htmx else template, ctx)
