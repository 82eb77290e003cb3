"""Database pieces shared by apps."""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import connections
from django.db.models import Func


class TsTzRange(Func):
    """PostgreSQL `tstzrange(start, end)` (half-open by default)."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint on PostgreSQL and nothing elsewhere.

    SQLite has no exclusion constraints; there the service's serialized check (IMMEDIATE transactions) keeps the
    invariant, so the migration must be a no-op on it rather than fail.
    """

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using="default"):
        if connections[using].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)
