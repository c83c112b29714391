"""Worker memory and restart time, against the running native stack (`readside up`), loopback only.

Backfills bench products (COPY, as bench/products_backfill.py) up to each total in --steps, waits until
every one is indexed and the pipeline has no lag, then reads the worker's VmRSS. With --restart it then
stops the worker (SIGTERM; its supervisor starts a new one) and reads from that worker's log how long it
took from start to ready, and how much of that was reading the table changelogs back. The table store is
whatever the worker runs with (READSIDE_PIPELINE_TABLE_STORE when `readside up` started it). Inserted
products are left in place: the changelogs keep their state either way.

    .venv/bin/python bench/worker_memory.py --steps 20000,100000 [--restart]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import products_backfill as backfill  # noqa: E402
from products_stack import pipeline_worker_pid, rss_mb, topic_partitions  # noqa: E402

from infra.pipeline_status import lag_by_topic  # noqa: E402
from infra.polling import poll_until  # noqa: E402
from infra.secrets import postgres_password  # noqa: E402
from infra.settings import StackSettings  # noqa: E402
from pipelines.settings import PipelineSettings  # noqa: E402

CHUNK = 5000
SETTLED_LAG = 200  # messages, all inputs together


def table_store(pid: int) -> str:
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    found = [e.split(b"=", 1)[1].decode() for e in environ if e.startswith(b"READSIDE_PIPELINE_TABLE_STORE=")]
    return found[0] if found else "default (pipelines/settings.py)"


def settle(settings: StackSettings, timeout_s: float = 900) -> float:
    """Wait until the pipeline has caught up, then a little longer; the worker's RSS then (MB).

    Caught up, not zero: heartbeats and progress marks keep flowing, and offsets are committed each second."""
    poll_until(
        lambda: (lag := lag_by_topic(settings)) is not None and sum(lag.values()) <= SETTLED_LAG,
        timeout_s,
        "the pipeline to catch up",
        1.0,
    )
    time.sleep(5)
    return rss_mb(pipeline_worker_pid(settings.data / "run"))


def backfill_to(settings: StackSettings, dsn: str, run: str, have: int, total: int, rng: random.Random) -> None:
    rows = list(backfill.product_rows(run, have, total - have, rng))
    inserted = backfill.insert_products(dsn, run, rows, CHUNK)
    query = {"query": backfill.complete_query(inserted.ids)}
    poll_until(
        lambda: (
            httpx.post(f"{settings.elasticsearch_url}/products/_count", json=query).json()["count"] >= inserted.count
        ),
        1800,
        f"{inserted.count} bench products to be indexed",
        1.0,
    )


def changelog_messages(settings: StackSettings) -> int:
    """Messages in the tables' changelogs (end minus start offsets: what a recovery reads at most)."""
    from aiokafka import AIOKafkaConsumer

    prefix = f"{PipelineSettings().pipeline_app_id}-"

    async def count() -> int:
        consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
        await consumer.start()
        try:
            changelogs = [t for t in await consumer.topics() if t.startswith(prefix) and t.endswith("-changelog")]
            parts = await topic_partitions(settings.kafka_bootstrap, changelogs)
            starts, ends = await consumer.beginning_offsets(parts), await consumer.end_offsets(parts)
            return sum(ends[tp] - starts[tp] for tp in parts)
        finally:
            await consumer.stop()

    return asyncio.run(count())


LOG_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\] \[(\d+)\] \[\w+\] (.*)$")
MILESTONES = {
    "start": "[^Worker]: Starting...",
    "read from": "Restoring state from changelog topics",
    "read to": "Done reading from changelog topics",
    "ready": "[^Worker]: Ready",
}


def milestones(log: Path, pid: int) -> dict[str, datetime]:
    found: dict[str, datetime] = {}
    for line in log.read_text(errors="replace").splitlines():
        match = LOG_LINE.match(line)
        if match and int(match[2]) == pid:
            for name, text in MILESTONES.items():
                if text in match[3] and name not in found:
                    found[name] = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S,%f")
    return found


def restart(settings: StackSettings) -> str:
    run_dir = settings.data / "run"
    before = pipeline_worker_pid(run_dir)
    os.kill(before, signal.SIGTERM)
    after = poll_until(
        lambda: (pid := pipeline_worker_pid(run_dir)) and pid != before and pid,
        120,
        "the supervisor to start a new worker",
        0.2,
    )
    log = settings.data / "logs" / "pipeline.log"
    seen = poll_until(lambda: (m := milestones(log, after)) and "ready" in m and m, 1800, "the new worker", 0.5)
    total = (seen["ready"] - seen["start"]).total_seconds()
    reading = (seen["read to"] - seen["read from"]).total_seconds() if "read to" in seen else float("nan")
    return f"start → ready {total:.1f} s, of which reading changelogs {reading:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="20000,100000", help="cumulative product totals, comma-separated")
    parser.add_argument("--restart", action="store_true", help="then restart the worker and time its recovery")
    args = parser.parse_args()
    settings = StackSettings()
    if settings.host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("loopback stacks only")
    dsn = settings.postgres_dsn(postgres_password(settings))
    worker = pipeline_worker_pid(settings.data / "run")
    run, rng, have = secrets.token_hex(3), random.Random(7), 0
    print(f"worker {worker}, table store {table_store(worker)}, run {run}", flush=True)
    print(f"idle: RSS {settle(settings):.0f} MB", flush=True)
    for total in (int(step) for step in args.steps.split(",")):
        started = time.monotonic()
        backfill_to(settings, dsn, run, have, total, rng)
        have = total
        rss = settle(settings)
        print(
            f"{total:,} products: RSS {rss:.0f} MB (backfill and settle {time.monotonic() - started:.0f} s)", flush=True
        )
    if args.restart:
        print(f"changelogs: {changelog_messages(settings):,} messages", flush=True)
        print(f"restart: {restart(settings)}", flush=True)
        worker = pipeline_worker_pid(settings.data / "run")
        print(f"after the restart: RSS {settle(settings):.0f} MB (worker {worker})", flush=True)


if __name__ == "__main__":
    main()
