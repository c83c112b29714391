"""Load-test PlaceOrder on the write API at rising concurrency; append the figures to results.

Either point it at a running write API on loopback (--url, --token), or give it a database
(--database-url or READSIDE_DATABASE_URL) and it applies the migrations and starts the write
API itself, as a child process so the load generator does not share a GIL with the server.
It starts nothing else. Every level is bounded in time and in commands.

    .venv/bin/python bench/write_api_load.py --database-url postgresql://u:p@127.0.0.1:5432/db
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from machine_info import append_results, load_average, machine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "write_api.md"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
STOCK = 1_000_000_000


@dataclass
class Level:
    concurrency: int
    ok: int
    failed: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(p) - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def write_api_process(database_url: str, pool_size: int) -> Iterator[tuple[str, str]]:
    """Migrate, start `python -m services.write_api.entrypoints.server`, wait for /health."""
    from services.write_api.adapters.migrations import migrate

    migrate(database_url)
    token, port = secrets.token_urlsafe(32), free_port()
    env = {
        **os.environ,
        "READSIDE_DATABASE_URL": database_url,
        "READSIDE_WRITE_TOKEN": token,
        "READSIDE_WRITE_API_HOST": "127.0.0.1",
        "READSIDE_WRITE_API_PORT": str(port),
        "READSIDE_WRITE_API_POOL_MAX_SIZE": str(pool_size),
    }
    log = tempfile.NamedTemporaryFile("w+", prefix="write_api_bench_", suffix=".log", delete=False)
    server = subprocess.Popen(
        [sys.executable, "-m", "services.write_api.entrypoints.server"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                raise SystemExit(f"write API exited early; see {log.name}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"write API not healthy after 30 s; see {log.name}")
            time.sleep(0.1)  # polling a child process we just started, with a deadline
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    Path(log.name).unlink()  # kept only when something failed, for the error message above


async def seed(client: httpx.AsyncClient, customers: int, products: int) -> tuple[list, list]:
    run = secrets.token_hex(3)
    customer_ids, product_ids = [], []
    for i in range(customers):
        r = await client.post(
            "/customers", json={"email": f"bench-{run}-{i}@example.com", "name": f"Bench {i}", "country": "DE"}
        )
        r.raise_for_status()
        customer_ids.append(r.json()["id"])
    for i in range(products):
        r = await client.post(
            "/products",
            json={
                "sku": f"BENCH-{run}-{i}",
                "name": f"Bench product {i}",
                "category": "bench",
                "price": f"{random.randint(1, 500)}.99",
                "initial_stock": STOCK,
            },
        )
        r.raise_for_status()
        product_ids.append(r.json()["id"])
    return customer_ids, product_ids


async def drive(
    client: httpx.AsyncClient,
    concurrency: int,
    seconds: float,
    max_commands: int,
    customers: list[int],
    products: list[int],
) -> Level:
    latencies: list[float] = []
    counts = {"ok": 0, "failed": 0, "sent": 0}
    stop_at = time.perf_counter() + seconds
    rng = random.Random(concurrency)

    async def worker() -> None:
        while time.perf_counter() < stop_at and counts["sent"] < max_commands:
            counts["sent"] += 1
            items = [
                {"product_id": p, "quantity": rng.randint(1, 3)}
                for p in rng.sample(products, min(len(products), rng.randint(1, 3)))
            ]
            started = time.perf_counter()
            r = await client.post("/orders", json={"customer_id": rng.choice(customers), "items": items})
            if r.status_code == 201:
                latencies.append((time.perf_counter() - started) * 1000)
                counts["ok"] += 1
            else:
                counts["failed"] += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Level(concurrency, counts["ok"], counts["failed"], time.perf_counter() - began, latencies)


async def run_load(url: str, token: str, args: argparse.Namespace) -> list[Level]:
    most = max(args.levels)
    limits = httpx.Limits(max_connections=most, max_keepalive_connections=most)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=30
    ) as client:
        customers, products = await seed(client, args.customers, args.products)
        await drive(client, 4, args.warmup, 10**9, customers, products)  # warm pools & plans
        levels = []
        for concurrency in args.levels:
            level = await drive(client, concurrency, args.seconds, args.max_commands, customers, products)
            print(
                f"concurrency {concurrency:>3}: {level.rate:8.1f} cmd/s  "
                f"p50 {level.percentile(50):6.2f} ms  p99 {level.percentile(99):6.2f} ms  "
                f"({level.ok} ok, {level.failed} failed)",
                flush=True,
            )
            levels.append(level)
        return levels


def postgres_version(database_url: str | None) -> str:
    if not database_url:
        return "not known (external write API)"
    import psycopg

    with psycopg.connect(database_url) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])


def report(levels: list[Level], args: argparse.Namespace, pg: str) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    m = machine()
    server = f"started by the bench (1 uvicorn worker, pool max {args.pool_size})" if args.database_url else args.url
    lines = [
        f"## {now}: PlaceOrder load",
        "",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}",
        f"- python {m['python']}, PostgreSQL {pg}; client, server and database share the machine, all on loopback",
        f"- server: {server}",
        f"- load: customers {args.customers}, products {args.products}; each order has "
        f"1-3 lines of quantity 1-3; {args.seconds:g} s or {args.max_commands} commands "
        f"per level",
        *([f"- note: {args.note}"] if args.note else []),
        f"- load average (1/5/15 min) before the run: {args.load_before}",
        "",
        "| concurrency | commands ok | failed | seconds | commands/s | p50 ms | p99 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for lv in levels:
        lines.append(
            f"| {lv.concurrency} | {lv.ok} | {lv.failed} | {lv.seconds:.1f} | "
            f"{lv.rate:.1f} | {lv.percentile(50):.2f} | {lv.percentile(99):.2f} |"
        )
    return "\n".join(lines) + "\n\n"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running write API on loopback")
    parser.add_argument("--token", default=os.environ.get("READSIDE_WRITE_TOKEN"))
    parser.add_argument(
        "--database-url",
        default=os.environ.get("READSIDE_DATABASE_URL"),
        help="start the write API against this database instead",
    )
    parser.add_argument("--levels", default="1,2,4,8,16,32", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--seconds", type=float, default=8.0, help="per level")
    parser.add_argument("--max-commands", type=int, default=50_000, help="per level")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--products", type=int, default=20, help="fewer products means more lock contention (try 1)")
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--note", default="", help="free text for the results, e.g. what else ran")
    args = parser.parse_args()
    if args.url:
        if urlsplit(args.url).hostname not in LOOPBACK:
            parser.error("--url must be on loopback (127.0.0.1, localhost, ::1)")
        if not args.token:
            parser.error("--url needs --token (or READSIDE_WRITE_TOKEN)")
        args.database_url = None
    elif not args.database_url:
        parser.error("give --url and --token, or --database-url")
    return args


def main() -> None:
    args = parse_args()
    args.load_before = load_average()
    if args.url:
        levels = asyncio.run(run_load(args.url, args.token, args))
    else:
        with write_api_process(args.database_url, args.pool_size) as (url, token):
            levels = asyncio.run(run_load(url, token, args))
    text = report(levels, args, postgres_version(args.database_url))
    append_results(args.results, text)
    print(f"\nappended to {args.results}")


if __name__ == "__main__":
    main()
