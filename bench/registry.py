"""Benchmark (not a test): load the `town` demo (130,000 anchors) and put the anchors list endpoint under load.

    .venv/bin/python bench/registry.py [--home DIR] [--requests N] [--concurrency C] [--reuse]

Prints a table and rewrites the registry section of bench/RESULTS.md. Every figure stands beside a baseline measured
in the same run on the same server: `/healthz` (a request that only touches the database with SELECT 1), so the
ratio says what the list itself costs on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIVEPARK = str(Path(sys.executable).with_name("livepark"))
RESULTS = ROOT / "bench" / "RESULTS.md"

# The queries an operator's list page makes: filtered, searched, paginated.
QUERIES = [
    "limit=50",
    "limit=50&offset=5000",
    "limit=50&status=active&mode=remote",
    "limit=50&level=A",
    "limit=50&category=jewellery",
    "limit=50&region=33",
    "limit=20&q=甄选",
    "limit=50&mode=onsite&level=B&status=active&offset=200",
]


def run(home: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"LIVEPARK_HOME": str(home)}
    return subprocess.run([LIVEPARK, *args], env=env, check=True, capture_output=True, text=True).stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(urls: list[str], token: str, total: int, concurrency: int) -> tuple[list[float], float, int]:
    """Fire `total` GETs over `concurrency` threads; returns latencies (ms), wall seconds, and errors."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(total))

    def worker(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            url = rng.choice(urls)
            req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    r.read()
                    ok = r.status == 200
            except OSError:
                ok = False
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(dt)
                errors += not ok

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - t0, errors


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, help="LIVEPARK_HOME to use (default: a fresh temporary one)")
    ap.add_argument("--reuse", action="store_true", help="reuse an already loaded --home")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", default="2,8", help="comma-separated client counts, one load run each")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="livepark-bench-"))
    rows: list[tuple[str, str]] = []

    if not args.reuse:
        run(home, "migrate", "--noinput", "-v0")
        t0 = time.perf_counter()
        counts = json.loads(run(home, "demo", "--scale", "town", "--json"))["counts"]
        load_s = time.perf_counter() - t0
        rows.append(
            (
                "town load (`livepark demo --scale town`)",
                f"{load_s:.1f} s for {counts['anchors']:,} anchors, "
                f"{counts['accounts']:,} accounts, {counts['contracts']:,} contracts",
            )
        )
    token = run(home, "token", "create", "admin", "--name", "bench").strip().splitlines()[-1]

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"LIVEPARK_HOME": str(home)}
    server = subprocess.Popen(
        [LIVEPARK, "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        anchors = [f"{base}/api/v1/registry/anchors?{urllib.parse.quote(q, safe='=&')}" for q in QUERIES]
        load(anchors, token, 100, 2)  # warm up
        levels = [int(c) for c in args.concurrency.split(",")]
        runs = []
        for c in levels:
            base_run = load([f"{base}/healthz"], token, args.requests, c)
            runs.append((c, base_run, load(anchors, token, args.requests, c)))
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not args.home:
            shutil.rmtree(home, ignore_errors=True)

    for c, (base_lat, base_wall, base_err), (lat, wall, err) in runs:
        p95, b95 = pct(lat, 95), pct(base_lat, 95)
        rows += [
            (
                f"{c} clients: anchors list p50 / p95 / p99",
                f"{pct(lat, 50):.1f} / {p95:.1f} / {pct(lat, 99):.1f} ms, {len(lat) / wall:.0f} req/s "
                f"({args.requests} requests, {args.workers} uvicorn workers, {err} errors)",
            ),
            (
                f"{c} clients: baseline `/healthz` p50 / p95",
                f"{pct(base_lat, 50):.1f} / {b95:.1f} ms, {len(base_lat) / base_wall:.0f} req/s ({base_err} errors)",
            ),
            (f"{c} clients: ratio anchors p95 ÷ baseline p95", f"{p95 / b95:.1f}×"),
        ]
    table = "\n".join(["| measure | result |", "|---|---|", *[f"| {k} | {v} |" for k, v in rows]])
    print(table)
    write_results(table, args)
    return 0


def write_results(table: str, args) -> None:
    machine = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, SQLite (WAL)"
    section = (
        "## Registry: town scale, anchors list endpoint\n\n"
        f"`python bench/registry.py --requests {args.requests} --concurrency {args.concurrency}` on {machine}, "
        f"{time.strftime('%Y-%m-%d')}. The town load is the whole demo command (registry, goods, live sessions). "
        "Queries: " + ", ".join(f"`{q}`" for q in QUERIES) + ".\n\n" + table + "\n"
    )
    text = (
        RESULTS.read_text()
        if RESULTS.exists()
        else "# Benchmark results\n\nFigures from `make bench`; not tests.\n\n"
    )
    pattern = re.compile(r"## Registry: town scale.*?(?=\n## |\Z)", re.S)
    text = pattern.sub(section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    RESULTS.write_text(text)


if __name__ == "__main__":
    import urllib.parse

    sys.exit(main())
