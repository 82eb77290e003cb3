"""`livepark orders import PLATFORM FILE [--shop USCC] [--as USER] [--json]`: a platform export, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from livepark.core.errors import ServiceError
from livepark.core.models import User
from livepark.core.roles import Role
from livepark.fulfillment.bulk_import import import_orders_bulk
from livepark.fulfillment.order_import import MAPPINGS
from livepark.registry.selectors import enterprise_list

STAGES = {
    "read": "读取 / reading",
    "check": "校验 / checking",
    "encrypt": "加密 / encrypting",
    "write": "写入 / writing",
    "done": "完成 / done",
}


class Command(BaseCommand):
    help = "Import platform order exports; any bad row imports nothing and every bad order is listed."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import", help="import a Douyin, Kuaishou or Taobao order export (CSV, xlsx, JSON)"
        )
        imp.add_argument("platform", choices=sorted(MAPPINGS))
        imp.add_argument("file", type=Path)
        imp.add_argument("--shop", help="USCC of the shop the orders belong to (required for a park admin)")
        imp.add_argument(
            "--as", dest="username", help="the user the import acts as (default: first park admin)"
        )
        imp.add_argument("--json", action="store_true", help="print the report as JSON, no progress bar")

    def handle(self, *args, action, platform, file: Path, shop, username, json: bool, **options):
        actor = _actor(username)
        if not file.is_file():
            raise CommandError(f"no file {file}")
        shop_id = _shop(actor, shop) if shop else None
        data = file.read_bytes()
        if json:
            report = import_orders_bulk(platform, data, file.name, actor=actor, shop_id=shop_id)
            self.stdout.write(_dumps(report.as_dict()))
        else:
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task(STAGES["read"], total=None)

                def progress(stage: str, done: int, total: int) -> None:
                    bar.update(
                        task, description=STAGES.get(stage, stage), completed=done, total=total or None
                    )

                report = import_orders_bulk(
                    platform, data, file.name, actor=actor, shop_id=shop_id, progress=progress
                )
            if report.ok:
                self.stdout.write(
                    f"{report.rows} rows, {report.orders} orders: {report.created} created, "
                    f"{report.unchanged} unchanged"
                )
            else:
                if report.file_error:
                    self.stderr.write(report.file_error)
                for e in report.errors:
                    for name, msgs in e["fields"].items():
                        self.stderr.write(f"row {e['row']} ({e['order_no']}): {name}: {'; '.join(msgs)}")
                self.stderr.write(f"nothing imported ({len(report.errors)} bad orders of {report.orders})")
        if not report.ok:
            raise SystemExit(1)


def _actor(username: str | None) -> User:
    if username:
        actor = User.objects.filter(username=username, is_active=True).first()
    else:
        actor = User.objects.filter(role=Role.PARK_ADMIN, is_active=True).order_by("pk").first()
    if actor is None:
        raise CommandError(
            "no such user (create a park admin first: livepark createuser NAME --role park_admin)"
        )
    return actor


def _shop(actor: User, uscc: str) -> int:
    """The shop enterprise by its USCC, among those the actor may see."""
    uscc = uscc.strip().upper()
    try:
        found = [e.pk for e in enterprise_list(actor, q=uscc) if e.uscc == uscc]
    except ServiceError as exc:
        raise CommandError(exc.detail) from None
    if not found:
        raise CommandError(f"no enterprise with USCC {uscc} that {actor.username} may see")
    return found[0]


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)
