"""Building blocks of service functions: field rules that collect every error, audited saves, scoped locks."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from livepark.core import audit, counting
from livepark.core.errors import FieldErrors, NotFound
from livepark.core.models import AuditLog
from livepark.core.scoping import require_right


def choice(errors: FieldErrors, name: str, value, choices) -> None:
    """Note an error unless `value` is one of the TextChoices `choices`."""
    if value not in choices.values:
        errors.add(name, f"{value!r} 不是有效选项 / must be one of: {', '.join(choices.values)}")


def choice_list(errors: FieldErrors, name: str, values, choices, *, required: bool) -> list[str]:
    """A list of choice values (sorted, unique); notes each value that is not allowed."""
    if not isinstance(values, list | tuple):
        errors.add(name, "应为列表 / must be a list")
        return []
    if required and not values:
        errors.add(name, "至少选择一项 / at least one is required")
    for v in values:
        choice(errors, name, v, choices)
    return sorted(set(values))


def required_text(errors: FieldErrors, name: str, value, max_length: int) -> str:
    """Stripped text that must be present and at most `max_length` long."""
    value = (value or "").strip()
    if not value:
        errors.add(name, "必填 / required")
    elif len(value) > max_length:
        errors.add(name, f"最多 {max_length} 个字符 / at most {max_length} characters")
    return value


def apply(obj, fields: dict[str, Any]) -> dict[str, Any]:
    """Set `fields` on `obj`; returns the audit snapshot from before."""
    before = audit.snapshot(obj)
    for k, v in fields.items():
        setattr(obj, k, v)
    return before


def save_audited(*, actor, obj, before: dict[str, Any] | None, group: str = "registry") -> None:
    """Validate and save `obj`, bump its data group, and audit it as a create (no `before`) or an update."""
    obj.full_clean(validate_unique=False, validate_constraints=False)
    obj.save()
    counting.bump(group)
    if before is None:
        audit.record_create(actor=actor, obj=obj)
    else:
        changes = audit.diff(before, audit.snapshot(obj))
        changes.pop("updated_at", None)
        if changes:
            audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=obj, changes=changes)


def archive(*, actor, obj, group: str = "registry") -> None:
    """Archive `obj` (kept, hidden from lists) and audit it."""
    if obj.archived_at is None:
        obj.archived_at = timezone.now()
        obj.save(update_fields=["archived_at", "updated_at"])
        counting.bump(group)
        audit.record(actor=actor, action=AuditLog.Action.ARCHIVE, obj=obj)


def scoped_for_update(model, actor, pk, action: str = "change"):
    """Lock and return the object `pk` if `actor` may `action` it (403 without the right, 404 outside scope)."""
    require_right(actor, model.scope_kind, action)
    obj = model.objects.restrict(actor, action).select_for_update().filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"{model._meta.verbose_name} {pk} 不存在 / not found")
    return obj


def decimal(errors: FieldErrors, name: str, value, lo: Decimal, hi: Decimal) -> Decimal | None:
    """A finite decimal in [lo, hi], quantized to 0.01; notes an error otherwise."""
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.add(name, "应为数字 / must be a decimal number")
        return None
    if not d.is_finite() or d < lo or d > hi:
        errors.add(name, f"应在 {lo} 到 {hi} 之间 / must be between {lo} and {hi}")
        return None
    return d.quantize(Decimal("0.01"))
