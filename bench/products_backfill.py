"""Backfill half of the products bench: COPY products into Postgres, time the read model, and the raw bulk ceiling."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from products_stack import pipeline_worker_pid, rss_mb, topic_partitions

ON_HAND = 4242  # every bench product's stock: a document counts as complete once it shows this
CATEGORIES = [
    "bench-audio",
    "bench-books",
    "bench-garden",
    "bench-kitchen",
    "bench-office",
    "bench-outdoor",
    "bench-sport",
    "bench-tools",
    "bench-toys",
    "bench-travel",
    "bench-video",
    "bench-wear",
]
WORDS = (
    "steel oak linen compact quiet rapid solar classic modular pocket travel studio wireless ceramic "
    "carbon vintage smart dual silver amber granite coastal nordic urban alpine velvet cotton bamboo "
    "portable heavy light mini pro ultra eco prime field harbor summit meadow river canyon"
).split()


def sku_pattern(run: str) -> str:
    return f"BPP-{run}-%"


def product_rows(run: str, start: int, count: int, rng: random.Random):
    for i in range(start, start + count):
        words = rng.sample(WORDS, 3)
        description = " ".join(rng.choices(WORDS, k=rng.randint(25, 45))).capitalize() + "."
        yield (
            f"BPP-{run}-{i}",
            f"{words[0].title()} {words[1]} {words[2]} {i}",
            description,
            rng.choice(CATEGORIES),
            f"{rng.randint(1, 99_999) / 100:.2f}",
        )


@dataclass
class Inserted:
    count: int
    began: float
    first_commit: float
    last_commit: float
    ids: list[int]


def make_rows(run: str, count: int) -> list[tuple]:
    """Generated before the clock starts, so the insert's time is Postgres's, not Python's."""
    return list(product_rows(run, 0, count, random.Random(run)))


def insert_products(dsn: str, run: str, rows: list[tuple], chunk: int) -> Inserted:
    """COPY the products and their inventory rows, `chunk` products per transaction."""
    count = len(rows)
    commits: list[float] = []
    began = time.time()
    with psycopg.connect(dsn) as conn:
        for start in range(0, count, chunk):
            size = min(chunk, count - start)
            with conn.transaction(), conn.cursor() as cur:
                before = cur.execute("SELECT coalesce(max(id), 0) FROM products").fetchone()[0]
                with cur.copy("COPY products (sku, name, description, category, price) FROM STDIN") as copy:
                    for row in rows[start : start + size]:
                        copy.write_row(row)
                cur.execute(
                    "INSERT INTO inventory (product_id, on_hand) SELECT id, %s FROM products "
                    "WHERE id > %s AND sku LIKE %s",
                    (ON_HAND, before, sku_pattern(run)),
                )
            commits.append(time.time())
        ids = [r[0] for r in conn.execute("SELECT id FROM products WHERE sku LIKE %s ORDER BY id", (sku_pattern(run),))]
    return Inserted(len(ids), began, commits[0], commits[-1], ids)


def max_product_id(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM products").fetchone()[0]


def delete_products(dsn: str, run: str, batch: int = 5000) -> int:
    """DELETE the run's products in batches (inventory rows go with them, ON DELETE CASCADE)."""
    deleted = 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(10_000):  # bounded: 50M rows at most
            cur = conn.execute(
                "DELETE FROM products WHERE id IN (SELECT id FROM products WHERE sku LIKE %s LIMIT %s)",
                (sku_pattern(run), batch),
            )
            deleted += cur.rowcount
            if cur.rowcount < batch:
                break
    return deleted


@dataclass
class Timeline:
    """What the bench saw every quarter second while the read model caught up."""

    rows: list[dict] = field(default_factory=list)
    done_at: float | None = None
    in_kafka_at: float | None = None
    rss_at: dict[int, float] = field(default_factory=dict)  # document count threshold -> worker RSS (MB)

    def first(self, key: str, at_least: int) -> float | None:
        return next((r["t"] for r in self.rows if r[key] >= at_least), None)


def complete_query(ids: list[int]) -> dict:
    return {"bool": {"filter": [{"range": {"id": {"gte": ids[0], "lte": ids[-1]}}}, {"term": {"on_hand": ON_HAND}}]}}


async def watch_read_model(
    es_url: str,
    alias: str,
    bootstrap: str,
    group: str,
    topics: list[str],
    bounds: list[int],
    expected: int,
    run_dir: Path,
    rss_marks: list[int],
    timeout_s: float,
    ready: asyncio.Event,
    inserting: asyncio.Future,
    handed_over: asyncio.Future | None = None,
) -> Timeline:
    """Sample document count, Kafka progress and worker RSS until every product is indexed and (when
    `handed_over` is given) the stream has taken over, or timeout. RSS is noted when the stream has
    routed the change events (2 per product) of each of `rss_marks` products: its state then holds them.

    `bounds` is [lowest id, highest id] of the run's products; the caller narrows it once they are known.
    """
    line = Timeline()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await consumer.start()
    await admin.start()
    try:
        parts = await topic_partitions(bootstrap, topics)
        base_end = sum((await consumer.end_offsets(parts)).values())
        base_routed = await _committed(admin, group, parts)
        ready.set()
        async with httpx.AsyncClient(base_url=es_url, timeout=10) as es:
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                t = time.time()
                count = (await es.post(f"/{alias}/_count", json={"query": complete_query(bounds)})).json()["count"]
                in_kafka = sum((await consumer.end_offsets(parts)).values()) - base_end
                routed = await _committed(admin, group, parts) - base_routed
                rss = rss_mb(pipeline_worker_pid(run_dir))
                line.rows.append({"t": t, "count": count, "in_kafka": in_kafka, "routed": routed, "rss": rss})
                for mark in rss_marks:
                    if routed >= 2 * mark and mark not in line.rss_at and rss is not None:
                        line.rss_at[mark] = rss
                if line.in_kafka_at is None and inserting.done() and in_kafka >= 2 * expected:
                    line.in_kafka_at = t
                if count >= expected and line.done_at is None:
                    line.done_at = t
                if line.done_at is not None and (handed_over is None or handed_over.done()):
                    break
                await asyncio.sleep(0.25)
    finally:
        await admin.close()
        await consumer.stop()
    return line


async def wait_in_kafka(bootstrap: str, topics: list[str], base: int, events: int, timeout_s: float) -> float | None:
    """Until `events` more change events than `base` are in `topics` (Debezium has captured them);
    returns when (time.time()), None on timeout."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await consumer.start()
    try:
        parts = await topic_partitions(bootstrap, topics)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if sum((await consumer.end_offsets(parts)).values()) - base >= events:
                return time.time()
            await asyncio.sleep(0.25)
        return None
    finally:
        await consumer.stop()


async def events_in(bootstrap: str, topics: list[str]) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await consumer.start()
    try:
        return sum((await consumer.end_offsets(await topic_partitions(bootstrap, topics))).values())
    finally:
        await consumer.stop()


async def _committed(admin: AIOKafkaAdminClient, group: str, parts: list[TopicPartition]) -> int:
    offsets = await admin.list_consumer_group_offsets(group, partitions=parts)
    return sum(max(meta.offset, 0) for meta in offsets.values())


# --- the ceiling: the same documents, bulk-indexed straight into a scratch index ------------------


def fetch_documents(es_url: str, alias: str, ids: list[int]) -> list[dict]:
    docs: list[dict] = []
    after: list | None = None
    with httpx.Client(base_url=es_url, timeout=60) as es:
        for _ in range(len(ids) // 5000 + 2):
            body = {"size": 5000, "sort": [{"id": "asc"}], "query": complete_query(ids)}
            if after:
                body["search_after"] = after
            hits = es.post(f"/{alias}/_search", json=body).json()["hits"]["hits"]
            if not hits:
                break
            docs += [h["_source"] for h in hits]
            after = hits[-1]["sort"]
    return docs


@dataclass
class BulkRun:
    method: str
    docs: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.docs / self.seconds


def raw_bulk(es_url: str, mapping: Path, index: str, docs: list[dict]) -> list[BulkRun]:
    """Index `docs` into a fresh scratch index twice: streaming_bulk, then parallel_bulk on 2 threads."""
    from elasticsearch import Elasticsearch, helpers

    body = json.loads(mapping.read_text())
    runs = []
    with Elasticsearch(es_url, request_timeout=120) as es:
        for method in ("streaming_bulk (chunks of 2,000)", "parallel_bulk (2 threads, chunks of 2,000)"):
            es.indices.delete(index=index, ignore_unavailable=True)
            es.indices.create(index=index, settings=body["settings"], mappings=body["mappings"])
            actions = ({"_index": index, "_id": str(d["id"]), "_source": d} for d in docs)
            started = time.perf_counter()
            if method.startswith("streaming"):
                failed = sum(
                    not ok for ok, _ in helpers.streaming_bulk(es, actions, chunk_size=2000, raise_on_error=False)
                )
            else:
                failed = sum(
                    not ok
                    for ok, _ in helpers.parallel_bulk(
                        es, actions, thread_count=2, chunk_size=2000, raise_on_error=False
                    )
                )
            es.indices.refresh(index=index)  # the pipeline's clock stops at a count, i.e. searchable too
            seconds = time.perf_counter() - started
            indexed = es.count(index=index)["count"]
            if failed or indexed != len(docs):
                raise RuntimeError(f"raw bulk ({method}): {failed} failed, {indexed}/{len(docs)} indexed")
            runs.append(BulkRun(method, len(docs), seconds))
        es.indices.delete(index=index, ignore_unavailable=True)
    return runs
