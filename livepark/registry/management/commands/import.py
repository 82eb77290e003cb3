"""`livepark import enterprises|anchors|accounts FILE.xlsx [--as USER] [--json]`: all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from livepark.core.models import User
from livepark.core.roles import Role
from livepark.registry.imports import COLUMNS, import_xlsx


class Command(BaseCommand):
    help = "Import a registry xlsx; any bad row imports nothing and every bad row is listed."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(COLUMNS))
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as", dest="username", help="the user the import acts as (default: first park admin)"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, kind, file: Path, username, json: bool, **options):
        if username:
            actor = User.objects.filter(username=username).first()
        else:
            actor = User.objects.filter(role=Role.PARK_ADMIN, is_active=True).order_by("pk").first()
        if actor is None:
            raise CommandError(
                "no such user (create a park admin first: livepark createuser NAME --role park_admin)"
            )
        if not file.is_file():
            raise CommandError(f"no file {file}")
        report = import_xlsx(kind, file.read_bytes(), actor=actor)
        if json:
            self.stdout.write(_dumps(report.as_dict()))
        elif report.ok:
            self.stdout.write(f"imported {report.created} {kind}")
        else:
            if report.file_error:
                self.stderr.write(report.file_error)
            for e in report.errors:
                for name, msgs in e.fields.items():
                    self.stderr.write(f"row {e.row}: {name}: {'; '.join(msgs)}")
            self.stderr.write(f"nothing imported ({len(report.errors)} bad rows of {report.rows})")
        if not report.ok:
            raise SystemExit(1)


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)
