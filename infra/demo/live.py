"""The live workload: concurrent workers sending the command mix while probes measure how fresh the read side is."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from infra.demo.clients import Answer, DemoError, QueryApi, WriteApi
from infra.demo.sales import fetch_sales_summary
from infra.demo.workload import Command, ShopState
from infra.pipeline_status import pipeline_progress
from infra.settings import StackSettings

HEARTBEAT_TOPIC = "readside.public.debezium_heartbeat"  # liveness, not data: its lag says nothing


@dataclass
class LiveStats:
    duration_s: float
    started: float = field(default_factory=time.monotonic)
    ok: Counter = field(default_factory=Counter)  # command kind → accepted
    refused: Counter = field(default_factory=Counter)  # command kind → 404/409
    recent: deque = field(default_factory=lambda: deque(maxlen=4096))  # completion times, for the rate
    last_token: str | None = None
    last_token_at: float = 0.0
    freshness_s: list[float] = field(default_factory=list)  # write answered → readable with its token
    behind: int = 0  # probes the query API answered 504: not caught up within its bounded wait
    last_probe_s: float | None = None  # the newest probe's freshness; None if it timed out
    kafka_lag: int | None = None
    sales: list[dict] | None = None  # what the sales hook returned, if anything

    @property
    def commands(self) -> int:
        return sum(self.ok.values()) + sum(self.refused.values())

    @property
    def elapsed_s(self) -> float:
        return min(time.monotonic() - self.started, self.duration_s)

    def count(self, command: Command, answer: Answer) -> None:
        (self.ok if answer.ok else self.refused)[command.kind] += 1
        now = time.monotonic()
        self.recent.append(now)
        if answer.token:
            self.last_token, self.last_token_at = answer.token, now

    def record_probe(self, seconds: float | None) -> None:
        self.last_probe_s = seconds
        if seconds is None:
            self.behind += 1
        else:
            self.freshness_s.append(seconds)

    def rate(self, window_s: float = 3.0) -> float:
        """Commands per second over the last few seconds."""
        now = time.monotonic()
        span = min(window_s, max(now - self.started, 1e-3))
        return sum(1 for t in self.recent if t >= now - span) / span

    def freshness_summary(self) -> tuple[float, float, float] | None:
        """(median, p95, max) seconds from a write's answer to reading it with its token."""
        if not self.freshness_s:
            return None
        ordered = sorted(self.freshness_s)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        return statistics.median(ordered), p95, ordered[-1]


async def run_live(
    write: WriteApi,
    query: QueryApi,
    state: ShopState,
    settings: StackSettings,
    duration_s: float,
    seed: int,
    show: Callable[[LiveStats], None],
    workers: int = 8,
) -> LiveStats:
    """Drive the mix for `duration_s`; call `show(stats)` a few times a second."""
    stats = LiveStats(duration_s)
    deadline = stats.started + duration_s
    probe_product = next(iter(state.products))

    async def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        while time.monotonic() < deadline:
            command = state.next_command(rng)
            answer = await write.send(command)
            state.record(command, answer.status, answer.new_id)
            stats.count(command, answer)

    async def probe_freshness() -> None:
        while True:
            await asyncio.sleep(1.0)
            if stats.last_token:
                token, written_at = stats.last_token, stats.last_token_at
                answer = await query.get(f"/products/{probe_product}", token=token)
                stats.record_probe(time.monotonic() - written_at if answer.ok else None)

    async def probe_pipeline() -> None:
        while True:
            stats.kafka_lag = _data_lag(await asyncio.to_thread(pipeline_progress, settings))
            stats.sales = await fetch_sales_summary(query)
            await asyncio.sleep(2.0)

    async def refresh() -> None:
        while True:
            show(stats)
            await asyncio.sleep(0.25)

    try:
        async with asyncio.TaskGroup() as group:
            # Workers stop at the deadline; probes and the display run until then, then are cancelled.
            probes = [group.create_task(task) for task in (probe_freshness(), probe_pipeline(), refresh())]
            await asyncio.gather(*(group.create_task(worker(i)) for i in range(workers)))
            for probe in probes:
                probe.cancel()
    except* DemoError as failed:
        raise failed.exceptions[0] from None
    show(stats)
    return stats


def _data_lag(progress: dict) -> int | None:
    lag = progress.get("lag")
    return None if lag is None else sum(n for topic, n in lag.items() if topic != HEARTBEAT_TOPIC)
