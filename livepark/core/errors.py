"""Errors raised by services and selectors; the API and pages turn them into 4xx answers."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the service refuses; `fields` maps a field name to the rules it broke."""

    status = 400
    code = "invalid"

    def __init__(self, detail: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or {}
        if code:
            self.code = code

    def as_dict(self) -> dict:
        """The JSON body DESIGN.md fixes for every error."""
        return {"detail": self.detail, "code": self.code, "fields": self.fields}


class Invalid(ServiceError):
    status = 422
    code = "invalid"

    @classmethod
    def field(cls, name: str, message: str, code: str = "invalid") -> Invalid:
        """An error about one field."""
        return cls(f"{name}: {message}", fields={name: [str(message)]}, code=code)


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class FieldErrors:
    """Collects every broken rule of one request, so the answer names them all at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        """Note that field `name` broke a rule."""
        self.fields.setdefault(name, []).append(str(message))

    def check(self, name: str, func, value):
        """Run a Django-style validator `func(value)`; note its message instead of raising."""
        from django.core.exceptions import ValidationError

        try:
            return func(value)
        except ValidationError as exc:
            for message in exc.messages:
                self.add(name, message)
            return value

    def raise_if_any(self, status_cls: type[ServiceError] = Invalid) -> None:
        """Raise one error naming every field and rule, if any were noted."""
        if self.fields:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in self.fields.items())
            raise status_cls(detail, fields=self.fields)
