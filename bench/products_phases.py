"""One timed phase of the products bench: writer processes, readers, a Kafka timestamp tap, CPU and metrics."""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from products_load import SPAWN, Change, Readers, WritePlan, writer_main
from products_stack import CpuMeter, Histograms, pipeline_worker_pid, scrape_histograms, topic_partitions

WRITER_RATE_PER_PROCESS = 2500  # changes/s one writer process drives (threads on sync psycopg)
RATE_PER_CONNECTION = 250  # one connection: one commit at a time (~0.5 ms idle, more under load)
SETTLED_LAG = 100  # messages the worker may be behind and still count as idle


@dataclass(frozen=True)
class Context:
    run: str
    dsn: str
    es_url: str
    alias: str
    api_url: str
    bootstrap: str
    metrics_url: str
    run_dir: Path
    source_topic: str  # readside.public.products
    routed_topic: str  # the worker's internal, re-keyed topic
    inventory_topic: str
    group: str  # the worker's consumer group
    settle_timeout_s: float = 240.0


@dataclass(frozen=True)
class Phase:
    name: str
    kind: str  # "price" or "name"
    rate: float
    seconds: float
    search: bool = False
    via_api: bool = False  # poll the query API instead of Elasticsearch
    tap: bool = False  # record Kafka timestamps of each change on the source and routed topics
    drain_s: float = 30.0


@dataclass
class PhaseResult:
    phase: Phase
    changes: list[Change]
    started: float
    ended: float
    cpu: dict[str, float]
    histograms: Histograms
    polls: int
    poll_seconds: float
    written: int
    last_commit: float
    settled: tuple[float, int] = (0.0, 0)  # before the phase: (seconds waited, messages still behind)
    worker_pids: tuple[int | None, int | None] = (None, None)  # before and after: a change means a restart
    tap: dict[str, dict[int, list[int]]] = field(default_factory=dict)  # kind -> product -> [ts_ms]

    @property
    def achieved_rate(self) -> float:
        return self.written / max(self.last_commit - self.started, 1e-6)


def percentile(values: list[float], q: float) -> float:
    """Nearest rank; `inf` stands for a change never seen, so a p99 with >1 % unseen is infinite."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def tap_main(bootstrap: str, topics: dict[str, str], pipe) -> None:
    asyncio.run(_tap(bootstrap, topics, pipe))


async def _tap(bootstrap: str, topics: dict[str, str], pipe) -> None:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    try:
        parts = await topic_partitions(bootstrap, list(topics))
        consumer.assign(parts)
        await consumer.seek_to_end(*parts)
        for part in parts:
            await consumer.position(part)
        pipe.send("ready")
        records: list[tuple[str, int, int]] = []
        while not pipe.poll():
            for part, messages in (await consumer.getmany(timeout_ms=100, max_records=20000)).items():
                kind = topics[part.topic]
                for message in messages:
                    for product in _products_of(kind, message.key, message.value):
                        records.append((kind, product, message.timestamp))
        pipe.recv()
        pipe.send(records)
    finally:
        await consumer.stop()


def _products_of(kind: str, key: bytes | None, value: bytes | None) -> list[int]:
    if kind == "source":
        product = json.loads(key).get("id") if key else None
        return [] if product is None else [product]
    if key != b"changes" or not value:  # the router's progress marks use the key b"marks"
        return []
    # a batch of routed changes, one JSON per line (pipelines/core/router.py pack_changes)
    return [change["product_id"] for change in map(json.loads, value.split(b"\n")) if "product_id" in change]


async def settle(bootstrap: str, group: str, topics: list[str], timeout_s: float) -> tuple[float, int]:
    """Wait until the worker has committed (nearly) all of `topics`, so a phase never starts on a backlog.

    Returns (seconds waited, messages still behind). Heartbeat marks keep a few dozen messages in
    flight at any time (offsets are committed every second), hence the tolerance.
    """
    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient

    parts = await topic_partitions(bootstrap, topics)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await consumer.start()
    await admin.start()
    began, calm, lag = time.monotonic(), 0, -1
    try:
        while time.monotonic() - began < timeout_s:
            ends = await consumer.end_offsets(parts)
            committed = await admin.list_consumer_group_offsets(group, partitions=parts)
            lag = sum(max(ends[tp] - max(committed[tp].offset if tp in committed else 0, 0), 0) for tp in parts)
            calm = calm + 1 if lag <= SETTLED_LAG else 0
            if calm >= 2:
                break
            await asyncio.sleep(0.5)
    finally:
        await admin.close()
        await consumer.stop()
    return time.monotonic() - began, lag


def _writer_plans(ctx: Context, phase: Phase, ids: list[int], seq_base: int) -> list[WritePlan]:
    processes = max(1, math.ceil(phase.rate / WRITER_RATE_PER_PROCESS))
    rate = phase.rate / processes
    connections = max(1, min(16, math.ceil(rate / RATE_PER_CONNECTION)))
    return [
        WritePlan(
            kind=phase.kind,
            rate=rate,
            seconds=phase.seconds,
            ids=tuple(ids[lane::processes]),
            seq_base=seq_base,
            stride=processes,
            lane=lane,
            connections=connections,
            run=ctx.run,
        )
        for lane in range(processes)
    ]


async def run_phase(ctx: Context, phase: Phase, ids: list[int], seq_base: int) -> PhaseResult:
    """Drive `phase` against `ids`; every value written is above `seq_base` (callers keep it growing)."""
    settled = await settle(
        ctx.bootstrap, ctx.group, [ctx.source_topic, ctx.inventory_topic, ctx.routed_topic], ctx.settle_timeout_s
    )
    worker_before = pipeline_worker_pid(ctx.run_dir)
    tap_pipe = tap = None
    if phase.tap:
        tap_pipe, child_end = SPAWN.Pipe()
        tap = SPAWN.Process(
            target=tap_main, args=(ctx.bootstrap, {ctx.source_topic: "source", ctx.routed_topic: "routed"}, child_end)
        )
        tap.start()
        _expect(tap_pipe, tap, "ready", 60, "Kafka tap")
    plans = _writer_plans(ctx, phase, ids, seq_base)
    pipes, writers = [], []
    for plan in plans:
        parent_end, child_end = SPAWN.Pipe()
        writer = SPAWN.Process(target=writer_main, args=(ctx.dsn, plan, child_end))
        writer.start()
        pipes.append(parent_end)
        writers.append(writer)
    try:
        for pipe, writer in zip(pipes, writers, strict=False):
            _expect(pipe, writer, "ready", 60, "writer")
        before = scrape_histograms(ctx.metrics_url)
        cpu = CpuMeter(ctx.run_dir)
        cpu.start()
        timeout = aiohttp.ClientTimeout(total=30)
        async with (
            aiohttp.ClientSession(ctx.es_url, timeout=timeout) as es,
            aiohttp.ClientSession(ctx.api_url, timeout=timeout) as api,
        ):
            readers = Readers(
                phase.kind, ctx.run, phase.search, es, ctx.alias, api if phase.via_api else None, phase.rate
            )
            started = time.time() + 0.3
            for pipe in pipes:
                pipe.send(started)
            ended = await readers.observe(pipes, deadline_s=phase.seconds * 3 + 60, drain_s=phase.drain_s)
        shares = cpu.stop()
        histograms = scrape_histograms(ctx.metrics_url).minus(before)
        result = PhaseResult(
            phase,
            readers.changes,
            started,
            ended,
            shares,
            histograms,
            readers.polls,
            readers.poll_seconds,
            readers.written,
            readers.last_commit,
            settled,
            (worker_before, pipeline_worker_pid(ctx.run_dir)),
        )
        if tap is not None:
            tap_pipe.send("stop")
            if not tap_pipe.poll(30):
                raise RuntimeError("the Kafka tap did not answer")
            for kind, product, ts_ms in tap_pipe.recv():
                result.tap.setdefault(kind, {}).setdefault(product, []).append(ts_ms)
        return result
    finally:
        for process in [*writers, *([tap] if tap else [])]:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)


def _expect(pipe, process, message: str, timeout_s: float, who: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not pipe.poll(0.1):
        if not process.is_alive():
            raise RuntimeError(f"{who} exited with {process.exitcode} before saying {message!r}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{who} not {message} after {timeout_s:.0f} s")
    got = pipe.recv()
    if got != message:
        raise RuntimeError(f"{who} said {got!r} instead of {message!r}")
