"""Row scoping: `Model.objects.restrict(user, action)` is the one way any read or write finds its rows."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from livepark.core.errors import Forbidden, NotFound
from livepark.core.roles import Role, has_right


class ScopedQuerySet(models.QuerySet):
    """QuerySet whose model declares `scope_kind` and `scope(user, action) -> Q`."""

    def restrict(self, user, action: str = "view") -> ScopedQuerySet:
        """Rows `user` may `action`; empty when the user lacks the right altogether."""
        if not has_right(user, self.model.scope_kind, action):
            return self.none()
        if user.is_superuser or user.role == Role.PARK_ADMIN:
            return self
        q = self.model.scope(user, action)
        if q is None:
            return self.none()
        return self.filter(q)

    def live(self) -> ScopedQuerySet:
        """Rows not archived."""
        return self.filter(archived_at__isnull=True)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)

NOTHING = Q(pk__in=[])


def require_right(user, kind: str, action: str) -> None:
    """Raise `Forbidden` (403) when `user` lacks the right to `action` records of `kind`."""
    if not has_right(user, kind, action):
        raise Forbidden("没有权限执行此操作 / permission denied", code="forbidden")


def get_scoped(model, user, pk, action: str = "view"):
    """The object `pk` if `user` may `action` it: 403 without the right, 404 outside scope."""
    require_right(user, model.scope_kind, action)
    try:
        return model.objects.restrict(user, action).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"{model._meta.verbose_name} {pk} 不存在 / not found") from None


def can(user, model, pk, action: str) -> bool:
    """Whether `user` may `action` the object `pk` (for showing or hiding buttons)."""
    return model.objects.restrict(user, action).filter(pk=pk).exists()
