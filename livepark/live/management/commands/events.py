"""`livepark events simulate|import|report|compact`: the event store from the command line.

    livepark events simulate --session S1 --viewers 5000 [--seed 1] [--minutes 60] --out s1.parquet
    livepark events import s1.parquet [--batch-size 50000] [--json]
    livepark events report S1 --json
    livepark events compact

The CLI is an operator's tool on the machine that holds ``$LIVEPARK_HOME``: it is not scoped to a user. The
store has one writer process; importing while a server that has taken events runs fails with "store busy".
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from livepark.core.errors import ServiceError
from livepark.live import selectors, services
from livepark.live.labels import HEADLINE, display


def _when(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. 2025-06-18T20:00+08:00")
    return parsed


class Command(BaseCommand):
    help = "Simulate, import and report live-room events (the event store under $LIVEPARK_HOME/events)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        sim = sub.add_parser("simulate", help="simulate one session's events into a file")
        sim.add_argument("--session", required=True, help="session code (the events' session_id)")
        sim.add_argument("--viewers", type=int, required=True)
        sim.add_argument("--seed", type=int, default=0)
        sim.add_argument("--minutes", type=int, default=60)
        sim.add_argument("--start", type=_when, help="ISO 8601 with offset (default: the session's start)")
        sim.add_argument("--dup-share", type=float, default=0.0, help="share of re-delivered copies")
        sim.add_argument("--disorder-share", type=float, default=0.0, help="share delivered late")
        sim.add_argument("--out", required=True, type=Path, help=".parquet or .ndjson")
        sim.add_argument("--json", action="store_true")
        imp = sub.add_parser("import", help="import an NDJSON, CSV or Parquet file (resumable)")
        imp.add_argument("file", type=Path)
        imp.add_argument("--batch-size", type=int, default=50_000)
        imp.add_argument("--json", action="store_true")
        rep = sub.add_parser("report", help="print a session's report")
        rep.add_argument("session_id")
        rep.add_argument("--json", action="store_true", help="the report as JSON (the API's answer)")
        com = sub.add_parser("compact", help="merge the store's small files")
        com.add_argument("--json", action="store_true")

    def handle(self, *args, action: str, **options) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except ServiceError as exc:
            raise CommandError(exc.detail) from None

    def _out(self, data: dict) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False))

    def _simulate(
        self,
        *,
        session: str,
        viewers: int,
        seed: int,
        minutes: int,
        start,
        dup_share: float,
        disorder_share: float,
        out: Path,
        json: bool,
        **_,
    ) -> None:
        started = time.monotonic()
        n = services.events_simulate_to_file(
            session_id=session,
            viewers=viewers,
            seed=seed,
            minutes=minutes,
            start=start,
            dup_share=dup_share,
            disorder_share=disorder_share,
            out=out,
        )
        seconds = round(time.monotonic() - started, 2)
        if json:
            self._out({"session_id": session, "events": n, "out": str(out), "seconds": seconds})
        else:
            self.stdout.write(f"已生成 {n} 个事件 / {n} events → {out} ({seconds}s)")

    def _import(self, *, file: Path, batch_size: int, json: bool, **_) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        started = time.monotonic()
        total = services.import_units(file)
        by_rows = file.suffix.lower() == ".parquet"
        columns = [
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn() if by_rows else DownloadColumn(),
            TimeRemainingColumn(),
        ]
        with Progress(*columns, console=Console(stderr=True), transient=True, disable=json) as progress:
            task = progress.add_task(f"导入 {file.name}", total=total)
            result = services.events_import_file(
                file, batch_size=batch_size, progress=lambda done: progress.update(task, completed=done)
            )
        seconds = round(time.monotonic() - started, 2)
        data = {
            "file": str(file),
            "events": result.events,
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "batches": result.batches,
            "seconds": seconds,
        }
        if json:
            self._out(data)
        else:
            self.stdout.write(
                f"导入完成 / imported {file}: {result.accepted} new, {result.duplicates} duplicates "
                f"in {result.batches} batches ({seconds}s)"
            )

    def _report(self, *, session_id: str, json: bool, **_) -> None:
        report = selectors.report_by_code(session_id)
        if json:
            self._out(report)
            return
        table = Table(title=f"场次 {session_id} ({report['started_at']} – {report['ended_at']})")
        table.add_column("指标")
        table.add_column("代码")
        table.add_column("数值", justify="right")
        for code, label, kind in HEADLINE:
            table.add_row(str(label), code, display(report.get(code), kind))
        Console(file=self.stdout, width=100).print(table)

    def _compact(self, *, json: bool, **_) -> None:
        n = services.events_compact()
        if json:
            self._out({"replaced_files": n})
        else:
            self.stdout.write(f"已合并 {n} 个小文件 / compacted {n} files")
