"""Helpers of the pipeline integration tests: a worker subprocess, SQL writes, what Postgres says a document is."""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from catalog.derive import versioned
from catalog.registry import read_models
from infra.polling import poll_until
from infra.settings import PROJECT_ROOT

# The pipeline's own indices a worker writes (settings name prefixes); its read models' go under a prefix of
# its own. A test worker gets its own copy of each.
OWN_INDICES = ("checkpoints", "checkpoint_parts")
FIELDS = ("id", "sku", "name", "description", "category", "price", "active", "on_hand", "in_stock", "units_sold")


def _die_with_the_test_run() -> None:
    """In the worker, before it runs: SIGTERM when the test run that started it dies. In a session of its own,
    a worker of a killed run lived on, reconnected to the next run's stack on the same ports, and created a
    topic there with another partition count than that stack's worker wanted."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass
class Worker:
    """One pipeline worker process with its own consumer group, indices and dead-letter topic."""

    es_url: str
    kafka: str
    data: Path
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    metrics_port: int = 0
    web_port: int = 0  # 0: no web server (its pause endpoint); else the port it serves on
    # Where its group starts reading each source topic partition ((topic, partition) -> offset); None: the
    # beginning. A test session on a stack with a history (e.g. after `make demo`) starts at its own first
    # change instead of replaying everything before it (tests only look at rows they wrote).
    start_at: dict[tuple[str, int], int] | None = None
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def env(self) -> dict[str, str]:
        t = self.tag
        indices = {
            f"READSIDE_{model.upper()}_{kind}": f"test_{model}{suffix}_{t}"
            for model in OWN_INDICES
            for kind, suffix in (("INDEX", ""), ("ALIAS", "_alias"))
        }
        indices["READSIDE_READ_MODEL_PREFIX"] = f"test_{t}_"  # every read model's index and alias
        return {
            **os.environ,
            **indices,
            "READSIDE_PIPELINE_APP_ID": self.group,
            "READSIDE_DEAD_LETTER_TOPIC": f"test.dlq.{t}",
            "READSIDE_PIPELINE_WEB_ENABLED": "true" if self.web_port else "false",
            "READSIDE_PIPELINE_WEB_PORT": str(self.web_port or 6066),
            "READSIDE_CONTROL_TOKEN": f"control-{t}",
            "READSIDE_PIPELINE_METRICS_PORT": str(self.metrics_port),
            "READSIDE_PIPELINE_DATA_DIR": str(self.data / t),
            "READSIDE_PIPELINE_SESSION_TIMEOUT_S": "6",
        }

    @property
    def index(self) -> str:
        return f"test_{self.tag}_products"

    @property
    def checkpoints(self) -> str:
        return f"test_checkpoints_{self.tag}"

    @property
    def dlq(self) -> str:
        return f"test.dlq.{self.tag}"

    @property
    def group(self) -> str:
        return f"test-pipeline-{self.tag}"

    def start(self) -> None:
        if self.process is None and self.start_at:  # first start: its group has no offsets of its own yet
            asyncio.run(_commit_offsets(self.kafka, self.group, self.start_at))
        self.log_path = self.data / f"worker-{self.tag}.log"
        self.data.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.main"],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_the_test_run,
        )
        log.close()

    def wait_ready(self, timeout_s: float = 180) -> None:
        """Ready once it has checkpointed the heartbeat: consuming, applying and recording.

        A new consumer group replays the source topics from `start_at` (or the start) first: a generous deadline."""
        poll_until(
            lambda: (
                self._alive()
                and self.search(self.checkpoints, {"term": {"topic": "readside.public.debezium_heartbeat"}})
            ),
            timeout_s,
            f"worker {self.tag} to checkpoint a heartbeat",
        )

    def _alive(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"worker exited with {self.process.returncode}:\n{self.tail()}")
        return True

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)  # its own session: the worker and nothing else
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 60) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def get(self, product_id: int) -> dict | None:
        response = httpx.get(f"{self.es_url}/{self.index}/_doc/{product_id}")
        return response.json()["_source"] if response.status_code == 200 else None

    def search(self, index: str, query: dict) -> list[dict]:
        response = httpx.post(f"{self.es_url}/{index}/_search", json={"query": query, "size": 1000})
        if response.status_code != 200:  # not created yet, or its shard not started yet
            return []
        return [hit["_source"] for hit in response.json()["hits"]["hits"]]

    def cleanup(self) -> None:
        for model in OWN_INDICES:
            httpx.delete(f"{self.es_url}/test_{model}_{self.tag}")
        for model in read_models().values():  # wildcards are refused (action.destructive_requires_name)
            httpx.delete(f"{self.es_url}/test_{self.tag}_{versioned(model)}")
        asyncio.run(_delete_topics(self.kafka, self.group, self.dlq))


async def end_offsets(bootstrap: str, select: Callable[[str], bool]) -> dict[tuple[str, int], int]:
    """(topic, partition) -> end offset, for every partition of the topics `select` accepts."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if select(t)]
        described = await admin.describe_topics(topics) if topics else []
    finally:
        await admin.close()
    tps = [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]
    if not tps:
        raise RuntimeError("none of the topics asked for is in Kafka")
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        return {(tp.topic, tp.partition): end for tp, end in (await consumer.end_offsets(tps)).items()}
    finally:
        await consumer.stop()


async def _commit_offsets(bootstrap: str, group: str, offsets: dict[tuple[str, int], int]) -> None:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = {TopicPartition(topic, partition): offset for (topic, partition), offset in offsets.items()}
        consumer.assign(list(tps))
        await consumer.commit(tps)
    finally:
        await consumer.stop()


async def _delete_topics(bootstrap: str, prefix: str, dlq: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(prefix) or t == dlq]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()


def expected_documents(dsn: str, product_ids: list[int]) -> dict[int, dict]:
    """The products documents as plain SQL over the write model computes them (docs/API.md, 'Meaning of the
    numbers')."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            """
            SELECT p.id, p.sku, p.name, p.description, p.category, p.price::text, p.active,
                   COALESCE(i.on_hand, 0),
                   COALESCE((SELECT sum(oi.quantity) FROM order_items oi JOIN orders o ON o.id = oi.order_id
                             WHERE oi.product_id = p.id AND o.status <> 'cancelled'), 0)
            FROM products p LEFT JOIN inventory i ON i.product_id = p.id WHERE p.id = ANY(%s)""",
            (product_ids,),
        ).fetchall()
    return {
        r[0]: dict(zip(FIELDS, (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[7] > 0, int(r[8])), strict=False))
        for r in rows
    }


def visible(document: dict | None) -> dict | None:
    return None if document is None else {k: document[k] for k in FIELDS}


class Shop:
    """Writes the way the write API does (same statements, one transaction per command), through SQL."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.customer = self.conn.execute(
            "INSERT INTO customers (email, name, country) VALUES (%s, 'Pipeline Test', 'NL') RETURNING id",
            (f"pipeline-{uuid.uuid4().hex[:10]}@example.com",),
        ).fetchone()[0]

    def add_product(self, name: str, price: str, stock: int, category: str = "lamps") -> int:
        with self.conn.transaction():
            pid = self.conn.execute(
                "INSERT INTO products (sku, name, description, category, price) VALUES (%s, %s, %s, %s, %s)"
                " RETURNING id",
                (f"T-{uuid.uuid4().hex[:12]}", name, f"{name} for tests", category, price),
            ).fetchone()[0]
            self.conn.execute("INSERT INTO inventory (product_id, on_hand) VALUES (%s, %s)", (pid, stock))
        return pid

    def update(self, pid: int, **fields: object) -> None:
        sets = ", ".join(f"{k} = %s" for k in fields)
        self.conn.execute(f"UPDATE products SET {sets}, updated_at = now() WHERE id = %s", (*fields.values(), pid))

    def adjust_stock(self, pid: int, delta: int) -> None:
        self.conn.execute(
            "UPDATE inventory SET on_hand = on_hand + %s, updated_at = now() WHERE product_id = %s", (delta, pid)
        )

    def place_order(self, items: list[tuple[int, int]]) -> int:
        with self.conn.transaction():
            oid = self.conn.execute(
                "INSERT INTO orders (customer_id) VALUES (%s) RETURNING id", (self.customer,)
            ).fetchone()[0]
            for line_no, (pid, quantity) in enumerate(items, start=1):
                self.conn.execute(
                    "INSERT INTO order_items SELECT %s, %s, id, %s, price FROM products WHERE id = %s",
                    (oid, line_no, quantity, pid),
                )
                self.conn.execute("UPDATE inventory SET on_hand = on_hand - %s WHERE product_id = %s", (quantity, pid))
        return oid

    def cancel_order(self, oid: int) -> None:
        with self.conn.transaction():
            self.conn.execute("UPDATE orders SET status = 'cancelled', updated_at = now() WHERE id = %s", (oid,))
            self.conn.execute(
                "UPDATE inventory i SET on_hand = on_hand + oi.quantity FROM order_items oi"
                " WHERE oi.order_id = %s AND i.product_id = oi.product_id",
                (oid,),
            )

    def pay_order(self, oid: int) -> None:
        self.conn.execute("UPDATE orders SET status = 'paid', updated_at = now() WHERE id = %s", (oid,))

    def delete_product(self, pid: int) -> None:
        self.conn.execute("DELETE FROM products WHERE id = %s", (pid,))

    def wal_position(self) -> int:
        """What a consistency token encodes: the WAL position right after a commit, as an integer."""
        lsn = self.conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
        high, low = lsn.split("/")
        return (int(high, 16) << 32) + int(low, 16)

    def close(self) -> None:
        self.conn.close()
