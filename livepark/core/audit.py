"""The audit log: every write made through a service records who, when, which record and what changed."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from livepark.core.models import AuditLog

_channel: contextvars.ContextVar[str] = contextvars.ContextVar("audit_channel", default="system")


@contextlib.contextmanager
def channel(name: str) -> Iterator[None]:
    """Label the writes made inside the block with where they came from (api, web, admin, cli, import)."""
    token = _channel.set(name)
    try:
        yield
    finally:
        _channel.reset(token)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The auditable fields of `obj`; secret columns (models' `audit_exclude`) never enter the log."""
    exclude = set(getattr(obj, "audit_exclude", ()))
    out = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        out[field.name] = _plain(getattr(obj, field.attname))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """`{field: [old, new]}` for each field that changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def record(
    *, actor, action: str, obj: models.Model, changes: dict[str, Any] | None = None, label: str | None = None
) -> AuditLog:
    """Write one audit entry for `obj` in the caller's transaction."""
    actor_obj = actor if getattr(actor, "pk", None) else None
    return AuditLog.objects.create(
        actor=actor_obj,
        actor_name=str(actor) if actor_obj else "system",
        channel=_channel.get(),
        action=action,
        object_type=label or obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes or {},
    )


def record_create(*, actor, obj: models.Model) -> AuditLog:
    """Audit a new record with all its auditable fields."""
    return record(actor=actor, action=AuditLog.Action.CREATE, obj=obj, changes=diff({}, snapshot(obj)))


def audit_history(obj: models.Model, limit: int = 50):
    """The newest audit entries of one record."""
    return AuditLog.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))[:limit]
