"""`livepark serve`: the production server (uvicorn workers, static files by WhiteNoise)."""

from __future__ import annotations

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve LivePark with uvicorn workers (not Django's development server)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("LIVEPARK_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("LIVEPARK_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))

    def handle(self, *args, host: str, port: int, workers: int, **options):
        import uvicorn

        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"LivePark: http://{host}:{port}/  ({workers} workers)")
        uvicorn.run(
            "livepark.config.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            proxy_headers=True,
        )
