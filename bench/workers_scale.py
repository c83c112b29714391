"""Pipeline throughput with 1 and with 2 workers (`readside up --workers N`), through the public APIs.

For each worker count: N workers run and have caught up; their source topics are paused (the endpoint
`readside backfill` uses); a backlog of orders is placed through the write API and captured by Debezium;
then the workers resume and drain it. So start-up and rebalances are left out. Measured:
- until the consumer group has committed the whole backlog on the source topics (what the routers do);
- until the last order is readable through the query API with its consistency token (on `/stats/sales`,
  the last stage), and the backlog over that time;
- each process's CPU during the drain (a share of one core), and the bench's own.
The same run measures both counts (alternating, `--rounds`), so they share the machine's state.

    .venv/bin/readside up --workers 2
    .venv/bin/python bench/workers_scale.py [--orders 3000] [--rounds 2]

Loopback only. The bench leaves its orders in place (`readside verify` stays at 0); its products have a
huge stock, so later runs reuse them.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine_info import append_results, load_average, machine  # noqa: E402
from workers_probes import PARTS, Cpu, Offsets, batch_totals, caught_up, settled  # noqa: E402

from infra.backfill.runner import StreamPause, worker_url  # noqa: E402
from infra.native.stack import NativeStack  # noqa: E402
from infra.secrets import control_token, write_token  # noqa: E402
from infra.settings import StackSettings  # noqa: E402
from pipelines.settings import PipelineSettings  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "workers.md"
TOKEN_HEADER = "X-Consistency-Token"
PAUSE_LIMIT_S = 300  # the workers' longest pause (READSIDE_PIPELINE_PAUSE_LIMIT_S); a backlog is placed well within it


def workers(n: int) -> list[str]:
    return ["pipeline", *[f"pipeline-{k}" for k in range(2, n + 1)]]


async def place_orders(write: str, token: str, customers: list[int], products: list[int], args) -> str:
    """`args.orders` orders of two lines through the write API, 16 in flight; the last one's consistency token."""
    auth, gate, last = {"Authorization": f"Bearer {token}"}, asyncio.Semaphore(16), [(0.0, "")]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as s:

        async def one(i: int) -> None:
            items = [{"product_id": products[(i + k) % len(products)], "quantity": 1} for k in (0, 1)]
            body = {"customer_id": customers[i % len(customers)], "items": items}
            async with gate, s.post(f"{write}/orders", json=body, headers=auth) as r:
                answer = await r.json()
                if r.status != 201:
                    raise SystemExit(f"POST /orders answered {r.status}: {answer}")
                last.append((time.monotonic(), answer["consistency_token"]))

        await asyncio.gather(*(one(i) for i in range(args.orders)))
    return max(last)[1]


async def seed(write: str, token: str, name: str) -> tuple[list[int], list[int]]:
    auth = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as s:

        async def post(path: str, body: dict) -> int:
            async with s.post(f"{write}{path}", json=body, headers=auth) as r:
                answer = await r.json()
                if r.status != 201:
                    raise SystemExit(f"POST {path} answered {r.status}: {answer}")
                return answer["id"]

        customers = [
            await post("/customers", {"email": f"{name}-{i}@example.com", "name": f"Scale {i}", "country": "DE"})
            for i in range(50)
        ]
        products = [
            await post(
                "/products",
                {
                    "sku": f"{name.upper()}-{i}",
                    "name": f"Scale item {i}",
                    "category": ["tools", "garden", "kitchen"][i % 3],
                    "price": "9.99",
                    "initial_stock": 10_000_000,
                },
            )
            for i in range(20)
        ]
    return customers, products


async def drain(settings: StackSettings, n: int, args, customers: list[int], products: list[int]) -> dict:
    """The backlog placed while the `n` running workers are paused, then drained once they resume."""
    query, urls = settings_url(settings, "query"), [worker_url(PipelineSettings(), k) for k in range(1, n + 1)]
    pause = StreamPause(urls, print, seconds=PAUSE_LIMIT_S, token=control_token(settings))
    async with Offsets(settings.kafka_bootstrap) as offsets, aiohttp.ClientSession() as session:
        while await offsets.members() != n:
            await asyncio.sleep(0.5)
        await caught_up(offsets)

        await asyncio.to_thread(pause.renew)
        if len(pause.paused) != n:
            raise SystemExit(f"only {len(pause.paused)} of {n} workers paused")
        before, _ = await settled(offsets)
        began = time.monotonic()
        last = await place_orders(settings_url(settings, "write"), write_token(settings), customers, products, args)
        placed_s = time.monotonic() - began
        after, backlog = await settled(offsets)
        if after != before:
            raise SystemExit(f"the pause did not hold: {after - before} source changes were taken meanwhile")
        metrics = [f"http://{settings.host}:{settings.pipeline_metrics_port + k}/metrics" for k in range(n)]
        batches = await batch_totals(session, metrics)
        cpu = Cpu(settings.data / "run")
        cpu.start()
        started = time.monotonic()
        await asyncio.to_thread(pause.end)
        readable_s = drained_s = None
        while time.monotonic() - started < args.timeout:
            done, lag = await offsets.sample()
            if drained_s is None and lag == 0:
                drained_s = time.monotonic() - started
            if readable_s is None:
                async with session.get(f"{query}/stats/sales", headers={TOKEN_HEADER: last}) as r:
                    await r.read()
                    readable_s = time.monotonic() - started if r.status == 200 else None
            if readable_s is not None and lag == 0:
                break
            await asyncio.sleep(0.25)
        shares = cpu.shares()
        after = await batch_totals(session, metrics)
    per_batch = {
        stage: (after[stage][0] - batches.get(stage, (0, 0))[0])
        / max(after[stage][1] - batches.get(stage, (0, 0))[1], 1)
        for stage in after
    }
    return {
        "per_batch": per_batch,
        "workers": n,
        "backlog": backlog,
        "placed_s": placed_s,
        "readable_s": readable_s,
        "drained_s": drained_s,
        "cpu": shares,
    }


def phase(n: int, args, customers: list[int], products: list[int]) -> dict:
    """Exactly `n` workers running and caught up, then a drain."""
    if n < 2:
        NativeStack(StackSettings(workers=2)).down(only=workers(2)[n:])
    settings = StackSettings(workers=n)
    NativeStack(settings).up()
    return asyncio.run(drain(settings, n, args, customers, products))


def settings_url(settings: StackSettings, api: str) -> str:
    port = settings.write_api_port if api == "write" else settings.query_api_port
    if settings.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loopback stacks only")
    return f"http://{settings.host}:{port}"


def report(rows: list[dict], args) -> str:
    m = machine()
    lines = [
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: pipeline throughput with 1 and 2 workers",
        "",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}, Python {m['python']}",
        f"- load average after: {load_average()}; {args.orders} orders (2 lines each) per phase; {args.note}",
        "- method: N workers running and caught up, their source topics paused (the backfill's pause "
        "endpoint); the backlog placed through the write API (16 in flight) and captured; then resumed. Source "
        "topics drained: until the group's committed offsets reach their ends (the routers' share). Readable: until "
        "the last order's token read (`GET /stats/sales`, the last stage, through the query API) answered 200. "
        "End to end: the backlog over that time",
        "",
        "| workers | backlog (row changes) | source topics drained s | last order readable s | end to end /s |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        rate = f"{r['drained_s']:.1f}" if r["drained_s"] else "n/a"
        readable = f"{r['readable_s']:.1f}" if r["readable_s"] else "not within the timeout"
        through = f"{r['backlog'] / r['readable_s']:.0f}" if r["readable_s"] else "n/a"
        lines.append(f"| {r['workers']} | {r['backlog']} | {rate} | {readable} | {through} |")
    parts = [p for p in (*PARTS, "bench", "machine") if any(p in r["cpu"] for r in rows)]
    lines += ["", "CPU during the drain (share of one core; bench = the load generator and its sampling):", ""]
    lines += ["| workers | " + " | ".join(parts) + " |", "|---:|" + "---:|" * len(parts)]
    for r in rows:
        lines.append(f"| {r['workers']} | " + " | ".join(f"{r['cpu'].get(p, 0):.2f}" for p in parts) + " |")
    stages = sorted({stage for r in rows for stage in r["per_batch"]})
    lines += ["", "Events per batch during the drain, by stage (all workers):", ""]
    lines += ["| workers | " + " | ".join(stages) + " |", "|---:|" + "---:|" * len(stages)]
    for r in rows:
        lines.append(f"| {r['workers']} | " + " | ".join(f"{r['per_batch'].get(st, 0):.0f}" for st in stages) + " |")
    return "\n".join(lines) + "\n\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2, help="1 then 2 workers, this many times")
    parser.add_argument("--timeout", type=float, default=600, help="longest a drain may take")
    parser.add_argument("--name", default=f"scale{int(time.time())}")
    parser.add_argument("--note", default="nothing else running")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    settings = StackSettings(workers=2)
    customers, products = asyncio.run(seed(settings_url(settings, "write"), write_token(settings), args.name))
    rows = []
    for _ in range(args.rounds):
        for n in (1, 2):
            rows.append(phase(n, args, customers, products))
            print(rows[-1], flush=True)
    NativeStack(settings).up()  # leave both workers running
    text = report(rows, args)
    append_results(args.results, text)
    print(text)


if __name__ == "__main__":
    main()
