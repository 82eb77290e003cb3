"""`livepark demo [--scale small|base|town] [--seed N]`: load the demo park and print the logins.

It lives in the dashboard app because it spans every app: the registry first, then the goods.
"""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.progress import Progress

from livepark.core.models import User
from livepark.fulfillment.demo import DEMO_SUPPLIER_USER, build_goods_demo
from livepark.live.demo import build_live_demo
from livepark.registry.demo import DEMO_PASSWORD, DEMO_USERS, SCALES, build_demo


class Command(BaseCommand):
    help = "Load the deterministic demo park (idempotent) and print one login per role."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="base")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--json", action="store_true", help="print the counts as JSON")

    def handle(self, *args, scale: str, seed: int, json: bool, **options):
        started = time.monotonic()
        console = Console(stderr=True)
        with Progress(console=console, transient=True, disable=json) as progress:
            task = progress.add_task("demo", total=None)

            def report(step: str, done: int, total: int) -> None:
                progress.update(task, description=f"{step}", completed=done, total=total)

            counts = build_demo(scale, seed, report)
            progress.update(task, description="goods")
            counts |= build_goods_demo(scale, seed)
            # After the goods: the sessions' run-of-show uses the catalog's products.
            counts |= build_live_demo(scale, seed, report)
            counts["users"] = User.objects.count()
        elapsed = round(time.monotonic() - started, 1)
        if json:
            self.stdout.write(_json({"scale": scale, "seed": seed, "seconds": elapsed, "counts": counts}))
            return
        self.stdout.write(
            f"演示园区已就绪 / demo park ready ({scale}, seed {seed}, {elapsed}s): "
            + ", ".join(f"{k} {v}" for k, v in counts.items())
        )
        self.stdout.write(f"登录 / logins (password for all: {DEMO_PASSWORD}):")
        for username, role, label in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {role.value:<17} {label}")
        self.stdout.write(f"  {DEMO_SUPPLIER_USER[0]:<10} {'enterprise_owner':<17} {DEMO_SUPPLIER_USER[1]}")


def _json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)
