"""What bench/workers_scale.py reads off the stack while workers drain a backlog: each process's CPU, the
consumer group's offsets and members on the source topics, and the events per batch of each stage."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import aiohttp
from products_stack import cpu_seconds, descendants, machine_cpu_seconds, process_tree
from prometheus_client.parser import text_string_to_metric_families

from infra.pipeline_status import CONSUMER_GROUP

PARTS = ("postgres", "kafka", "connect", "elasticsearch", "write-api", "query-api", "pipeline", "pipeline-2")
SOURCE = "readside.public."
HEARTBEAT = "readside.public.debezium_heartbeat"


class Cpu:
    """CPU seconds of each stack part's process tree, the bench's and the machine's, between two marks."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir, self.began, self.wall = run_dir, {}, 0.0

    def _now(self) -> dict[str, float]:
        tree, found = process_tree(), {}
        for part in PARTS:
            if pids := self._tree_of(part, tree):
                found[part] = cpu_seconds(pids)
        stack = {pid for part in PARTS for pid in self._tree_of(part, tree)}
        found["bench"] = cpu_seconds([pid for pid in descendants(os.getpid(), tree) if pid not in stack])
        found["machine"] = machine_cpu_seconds()[0]
        return found

    def _tree_of(self, part: str, tree: dict[int, list[int]]) -> list[int]:
        """A part's supervisor and what it runs (a worker this bench started is its child: not the bench's CPU)."""
        try:
            return descendants(int((self.run_dir / f"{part}.pid").read_text()), tree)
        except (OSError, ValueError):
            return []

    def start(self) -> None:
        self.began, self.wall = self._now(), time.monotonic()

    def shares(self) -> dict[str, float]:
        now, wall = self._now(), max(time.monotonic() - self.wall, 1e-6)
        return {part: (now[part] - self.began.get(part, now[part])) / wall for part in now}


async def batch_totals(session: aiohttp.ClientSession, urls: list[str]) -> dict[str, tuple[float, float]]:
    """Per stage (`route`, `project <projection>`), events and batches so far, summed over the workers."""
    totals: dict[str, tuple[float, float]] = {}
    for url in urls:
        async with session.get(url) as r:
            text = await r.text()
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name in ("readside_batch_events_sum", "readside_batch_events_count"):
                    stage = sample.labels["stage"] + (
                        "" if sample.labels["stage"] == "route" else f" {sample.labels['projection']}"
                    )
                    events, count = totals.get(stage, (0.0, 0.0))
                    if sample.name.endswith("_sum"):
                        totals[stage] = (events + sample.value, count)
                    else:
                        totals[stage] = (events, count + sample.value)
    return totals


class Offsets:
    """The consumer group's committed offsets and lag on the source topics (heartbeats left out), read with one
    long-lived admin client and consumer: a sample costs two requests, not two new connections."""

    def __init__(self, bootstrap: str) -> None:
        from aiokafka import AIOKafkaConsumer
        from aiokafka.admin import AIOKafkaAdminClient

        self.admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, request_timeout_ms=5000)

    async def __aenter__(self) -> Offsets:
        await self.admin.start()
        await self.consumer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.consumer.stop()
        await self.admin.close()

    async def members(self) -> int:
        """How many workers the group has, once it is stable (0 while it rebalances)."""
        group = (await self.admin.describe_consumer_groups([CONSUMER_GROUP]))[0].to_object()["groups"][0]
        return len(group["members"]) if group["state"] == "Stable" else 0

    async def sample(self) -> tuple[int, int]:
        """(committed, lag) summed over the source partitions."""
        committed = await self.admin.list_consumer_group_offsets(CONSUMER_GROUP)
        tps = [tp for tp in committed if tp.topic.startswith(SOURCE) and tp.topic != HEARTBEAT]
        if set(tps) != set(self.consumer.assignment()):
            self.consumer.assign(tps)
        ends = await self.consumer.end_offsets(tps)
        done = sum(max(committed[tp].offset, 0) for tp in tps)
        return done, sum(max(ends[tp] - max(committed[tp].offset, 0), 0) for tp in tps)


async def settled(offsets: Offsets, timeout_s: float = 300) -> tuple[int, int]:
    """Wait until the source offsets stop changing for a second (Debezium has captured what was written)."""
    deadline, last, since = time.monotonic() + timeout_s, None, time.monotonic()
    while time.monotonic() < deadline:
        now = await offsets.sample()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= 1.0:
            return now
        await asyncio.sleep(0.2)
    raise SystemExit("the source offsets did not settle")


async def caught_up(offsets: Offsets, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while (await offsets.sample())[1] > 0:
        if time.monotonic() > deadline:
            raise SystemExit("the workers did not catch up with the source topics")
        await asyncio.sleep(0.5)
