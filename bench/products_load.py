"""Freshness half of the products bench: open-loop paced SQL writers, and readers that watch each change land.

Writers run in their own processes (one row per transaction, autocommit, commit time taken when the
statement returns) so the readers' polling never delays a commit. Every change writes a value that
only grows per product (price in cents = a global sequence number, or a name token carrying it), so a
reader knows a change is visible once the document holds that value or a later one.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import aiohttp

PRICE_SQL = "UPDATE products SET price = %s::numeric / 100, updated_at = now() WHERE id = %s"
NAME_SQL = "UPDATE products SET name = %s, updated_at = now() WHERE id = %s"
SPAWN = mp.get_context("spawn")  # a forked child would inherit the parent's running event loop
POLL_MIN_S = 0.010  # a realtime GET poll at most every 10 ms: each costs Elasticsearch CPU on 2 cores
SEARCH_POLL_MIN_S = 0.025  # a search only changes at a refresh (every 250 ms): 25 ms resolution is plenty
MAX_IDS_PER_POLL = 1000  # with a backlog, the oldest pending changes (due first) are polled
TRACKED_PER_S = 250  # above this rate a uniform random sample of changes is watched, so polling costs the
#                      same at any rate (a percentile of a random sample estimates the population's)


def name_for(run: str, seq: int) -> str:
    return f"Bench item {run}x{seq}"


def seq_in_name(run: str, name: str | None) -> int | None:
    word = (name or "").rsplit(" ", 1)[-1]
    return int(word[len(run) + 1 :]) if word.startswith(f"{run}x") else None


@dataclass(frozen=True)
class WritePlan:
    kind: str  # "price" or "name"
    rate: float  # changes/s of this writer process
    seconds: float
    ids: tuple[int, ...]  # the products this writer owns (disjoint between writers)
    seq_base: int
    stride: int  # number of writer processes: seq = seq_base + k * stride + lane, unique and increasing
    lane: int
    connections: int
    run: str


def writer_main(dsn: str, plan: WritePlan, pipe) -> None:
    """Process entry: connect, say ready, receive the shared start time, then write on schedule.

    One thread per connection, plain (sync) psycopg: half the CPU per commit of the async driver, and
    the threads mostly wait on Postgres, so they share the GIL without slowing each other down.
    """
    import psycopg

    try:
        conns = [psycopg.connect(dsn, autocommit=True) for _ in range(plan.connections)]
        pipe.send("ready")
        start_at = pipe.recv()
        _write(conns, plan, start_at, pipe)
    finally:
        pipe.send(None)
        pipe.close()


def _write(conns: list, plan: WritePlan, start_at: float, pipe) -> None:
    usable = len(plan.ids) - len(plan.ids) % plan.connections  # product k % usable always uses lane k % C
    total = int(plan.rate * plan.seconds)
    sql = PRICE_SQL if plan.kind == "price" else NAME_SQL
    buffer: list[tuple[int, int, float, float]] = []
    lock = threading.Lock()
    failures: list[BaseException] = []

    def lane(c: int) -> None:
        try:
            for k in range(c, total, plan.connections):
                due = start_at + k / plan.rate
                delay = due - time.time()
                if delay > 0:
                    time.sleep(delay)
                seq = plan.seq_base + k * plan.stride + plan.lane
                conns[c].execute(sql, (seq if plan.kind == "price" else name_for(plan.run, seq), plan.ids[k % usable]))
                committed = time.time()
                with lock:
                    buffer.append((seq, plan.ids[k % usable], committed, due))
        except BaseException as exc:  # reported by the process, not lost in a thread
            failures.append(exc)

    threads = [threading.Thread(target=lane, args=(c,), daemon=True) for c in range(plan.connections)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        time.sleep(0.005)  # forward commits to the reader in small batches
        with lock:
            batch, buffer[:] = buffer[:], []
        if batch:
            pipe.send(batch)
    with lock:
        if buffer:
            pipe.send(buffer[:])
    for conn in conns:
        conn.close()
    if failures:
        raise failures[0]


class Change:
    __slots__ = ("seq", "product", "committed", "due", "readable", "searchable", "source_ts_ms", "indexed_ms")

    def __init__(self, seq: int, product: int, committed: float, due: float) -> None:
        self.seq, self.product, self.committed, self.due = seq, product, committed, due
        self.readable = self.searchable = None
        self.source_ts_ms = self.indexed_ms = None


def _ms(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() * 1000 if iso else None


class Readers:
    """Polls for every change until it is readable (and, with `search`, searchable)."""

    def __init__(
        self,
        kind: str,
        run: str,
        search: bool,
        es: aiohttp.ClientSession,
        alias: str,
        api: aiohttp.ClientSession | None,
        rate: float,
    ) -> None:
        self.kind, self.run, self.search = kind, run, search
        self.es, self.alias, self.api = es, alias, api
        self.sample = 1.0 if search or api else min(1.0, TRACKED_PER_S / rate)
        self._random = random.Random(rate)
        self.written = 0
        self.last_commit = 0.0
        self.changes: list[Change] = []  # the tracked ones
        self.pending: dict[int, list[Change]] = {}  # product -> changes not yet readable (oldest first)
        self.unsearched: dict[int, Change] = {}  # seq -> change not yet found by search
        self.polls = 0
        self.poll_seconds = 0.0

    def add(self, batch: list[tuple[int, int, float, float]]) -> None:
        self.written += len(batch)
        for seq, product, committed, due in batch:
            self.last_commit = max(self.last_commit, committed)
            if self.sample < 1.0 and self._random.random() >= self.sample:
                continue
            change = Change(seq, product, committed, due)
            self.changes.append(change)
            self.pending.setdefault(product, []).append(change)
            if self.search:
                self.unsearched[seq] = change

    def _value(self, doc: dict) -> int | None:
        if self.kind == "price":
            return doc.get("price_cents")
        return seq_in_name(self.run, doc.get("name"))

    def _seen(self, product: int, doc: dict, at: float) -> None:
        value = self._value(doc)
        waiting = self.pending.get(product)
        if value is None or not waiting:
            return
        while waiting and waiting[0].seq <= value:
            change = waiting.pop(0)
            change.readable = at
            if change.seq == value:  # this very change built the document: keep its pipeline timestamps
                change.source_ts_ms = doc.get("source_ts_ms")
                change.indexed_ms = _ms(doc.get("indexed_at"))
        if not waiting:
            del self.pending[product]

    async def poll_reads(self) -> None:
        while True:
            ids = list(self.pending)[:MAX_IDS_PER_POLL]
            if not ids:
                await asyncio.sleep(POLL_MIN_S)
                continue
            began = time.time()
            if self.api is None:
                body = await _post(
                    self.es,
                    f"/{self.alias}/_mget",
                    {"ids": ids},
                    {"realtime": "true", "_source_includes": "price_cents,name,source_ts_ms,indexed_at"},
                )
                at = time.time()
                for doc in body["docs"]:
                    if doc.get("found"):
                        self._seen(int(doc["_id"]), doc["_source"], at)
            else:
                await asyncio.gather(*(self._api_get(product) for product in ids[:50]))
            self.polls += 1
            self.poll_seconds += time.time() - began
            await asyncio.sleep(max(0.0, POLL_MIN_S - (time.time() - began)))

    async def _api_get(self, product: int) -> None:
        async with self.api.get(f"/products/{product}") as response:
            if response.status != 200:
                return
            body = await response.json()
        self._seen(product, {"name": body["name"], "price_cents": round(float(body["price"]) * 100)}, time.time())

    async def poll_searches(self) -> None:
        while True:
            began = time.time()
            waiting = list(self.unsearched.values())[:1000]
            if waiting and self.api is None:
                tokens = [f"{self.run}x{c.seq}" for c in waiting]
                body = await _post(
                    self.es,
                    f"/{self.alias}/_search",
                    {"size": len(tokens), "_source": ["name"], "query": {"terms": {"name": tokens}}},
                )
                at = time.time()
                for hit in body["hits"]["hits"]:
                    self._found(seq_in_name(self.run, hit["_source"].get("name")), at)
            elif waiting:
                await asyncio.gather(*(self._api_search(c.seq) for c in waiting[:50]))
            await asyncio.sleep(max(0.0, SEARCH_POLL_MIN_S - (time.time() - began)))

    async def _api_search(self, seq: int) -> None:
        # Fuzzy matching finds neighbouring tokens (…x124 for …x123): only the exact one counts.
        async with self.api.get("/products/search", params={"q": f"{self.run}x{seq}", "size": "5"}) as response:
            if response.status != 200:
                return
            body = await response.json()
        if any(seq_in_name(self.run, hit["name"]) == seq for hit in body["hits"]):
            self._found(seq, time.time())

    def _found(self, seq: int | None, at: float) -> None:
        change = self.unsearched.pop(seq, None) if seq is not None else None
        if change is not None:
            change.searchable = at

    async def observe(self, pipes: list, deadline_s: float, drain_s: float) -> float:
        """Take the writers' commits as they come, poll until all are seen; returns when writing ended."""
        loop = asyncio.get_running_loop()
        open_pipes = set(pipes)
        writers_done = asyncio.Event()

        def receive(pipe) -> None:
            try:
                batch = pipe.recv()
            except EOFError:
                batch = None
            if batch is None:
                loop.remove_reader(pipe.fileno())
                open_pipes.discard(pipe)
                if not open_pipes:
                    writers_done.set()
            else:
                self.add(batch)

        for pipe in pipes:
            loop.add_reader(pipe.fileno(), receive, pipe)
        pollers = [asyncio.create_task(self.poll_reads())]
        if self.search:
            pollers.append(asyncio.create_task(self.poll_searches()))
        waiting = asyncio.create_task(writers_done.wait())
        try:
            await asyncio.wait([waiting, *pollers], timeout=deadline_s, return_when=asyncio.FIRST_COMPLETED)
            ended = time.time()
            until = time.monotonic() + drain_s
            while (self.pending or self.unsearched) and time.monotonic() < until:
                if any(task.done() for task in pollers):
                    break
                await asyncio.sleep(0.02)
            if not writers_done.is_set():
                raise RuntimeError("writers did not finish in time (or a reader failed)")
            return ended
        finally:
            for pipe in open_pipes:
                loop.remove_reader(pipe.fileno())
            for task in [waiting, *pollers]:
                task.cancel()
            outcomes = await asyncio.gather(*pollers, return_exceptions=True)
            failed = [o for o in outcomes if isinstance(o, Exception)]
            if failed:  # a reader that died would make every later change look late: say so
                raise RuntimeError(f"a reader failed: {failed[0]!r}") from failed[0]


async def _post(session: aiohttp.ClientSession, path: str, body: dict, params: dict | None = None) -> dict:
    async with session.post(
        path, data=json.dumps(body), params=params, headers={"content-type": "application/json"}
    ) as response:
        response.raise_for_status()
        return await response.json()
