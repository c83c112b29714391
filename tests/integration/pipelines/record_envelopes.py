"""Record real Debezium envelopes from the running stack into schemas/envelopes/ (run by hand: python -m ...)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import replace

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition

from infra.registrar import Registrar, load_connector_file
from infra.secrets import postgres_password
from infra.settings import CONNECTORS_DIR, PROJECT_ROOT, StackSettings
from tests.support.postgres import drop_replication_slot

OUT = PROJECT_ROOT / "schemas" / "envelopes"
TABLES = ("products", "inventory", "orders", "order_items")


async def _end_offsets(bootstrap: str, topics: list[str]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()  # noqa: SLF001 - a one-off tool
        tps = [TopicPartition(t, p) for t in topics for p in (consumer._client.cluster.partitions_for_topic(t) or ())]  # noqa: SLF001
        return await consumer.end_offsets(tps) if tps else {}
    finally:
        await consumer.stop()


async def _read_from(
    bootstrap: str, starts: dict[TopicPartition, int], topics: list[str], want: int, timeout_s: float = 30
) -> list[dict]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest", metadata_max_age_ms=500
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout_s
        while True:  # the connector creates its topics with the first event
            await consumer._client.force_metadata_update()  # noqa: SLF001
            known = {t: consumer._client.cluster.partitions_for_topic(t) for t in topics}  # noqa: SLF001
            if all(known.values()) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        tps = [TopicPartition(t, p) for t in topics for p in (known[t] or ())]
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, starts.get(tp, 0))
        found: list[dict] = []
        while len(found) < want and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                found += [
                    {
                        "topic": r.topic,
                        "partition": r.partition,
                        "offset": r.offset,
                        "key": json.loads(r.key) if r.key else None,
                        "value": json.loads(r.value) if r.value is not None else None,
                    }
                    for r in records
                ]
        return found
    finally:
        await consumer.stop()


def _write(name: str, message: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(message, indent=2, sort_keys=True) + "\n")
    print("recorded", name)


def record_streaming(settings: StackSettings, dsn: str) -> None:
    topics = [f"readside.public.{t}" for t in TABLES]
    starts = asyncio.run(_end_offsets(settings.kafka_bootstrap, topics))
    sku = f"REC-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        customer = conn.execute(
            "INSERT INTO customers (email, name, country) VALUES (%s, 'Rec Order', 'DE') RETURNING id",
            (f"{sku}@example.com",),
        ).fetchone()[0]
        with conn.transaction():
            pid = conn.execute(
                "INSERT INTO products (sku, name, description, category, price) VALUES"
                " (%s, 'Recorded Lamp', 'A lamp', 'lighting', 19.90) RETURNING id",
                (sku,),
            ).fetchone()[0]
            conn.execute("INSERT INTO inventory (product_id, on_hand) VALUES (%s, 10)", (pid,))
        conn.execute("UPDATE products SET price = 24.50, name = 'Recorded Lamp II' WHERE id = %s", (pid,))
        with conn.transaction():
            oid = conn.execute("INSERT INTO orders (customer_id) VALUES (%s) RETURNING id", (customer,)).fetchone()[0]
            conn.execute(
                "INSERT INTO order_items VALUES (%s, 1, %s, 2, 24.50), (%s, 2, %s, 1, 24.50)", (oid, pid, oid, pid)
            )
            conn.execute("UPDATE inventory SET on_hand = on_hand - 3, updated_at = now() WHERE product_id = %s", (pid,))
        conn.execute("UPDATE order_items SET quantity = 3 WHERE order_id = %s AND line_no = 2", (oid,))
        conn.execute("UPDATE orders SET status = 'cancelled', updated_at = now() WHERE id = %s", (oid,))
        conn.execute("DELETE FROM order_items WHERE order_id = %s", (oid,))
        conn.execute("DELETE FROM orders WHERE id = %s", (oid,))
        gone = conn.execute(
            "INSERT INTO products (sku, name, category, price) VALUES (%s, 'Gone', 'misc', 1.00) RETURNING id",
            (sku + "-gone",),
        ).fetchone()[0]
        conn.execute("INSERT INTO inventory (product_id, on_hand) VALUES (%s, 1)", (gone,))
        conn.execute("DELETE FROM products WHERE id = %s", (gone,))
    # products: c, u, c(gone), d, tombstone; inventory: c, u, c(gone), d, tombstone;
    # orders: c, u, d, tombstone; order_items: c, c, u, d, tomb, d, tomb
    messages = asyncio.run(_read_from(settings.kafka_bootstrap, starts, topics, 5 + 5 + 4 + 7))
    by_topic: dict[str, list[dict]] = {}
    for m in sorted(messages, key=lambda m: (m["topic"], m["partition"], m["offset"])):
        by_topic.setdefault(m["topic"].rsplit(".", 1)[1], []).append(m)

    def pick(table: str, op: str | None, nth: int = 0) -> dict:
        rows = (
            [m for m in by_topic[table] if (m["value"] or {}).get("op") == op]
            if op
            else [m for m in by_topic[table] if m["value"] is None]
        )
        return rows[nth]

    for table in TABLES:
        _write(f"{table}.create", pick(table, "c"))
        _write(f"{table}.update", pick(table, "u"))
        _write(f"{table}.delete", pick(table, "d"))
        _write(f"{table}.tombstone", pick(table, None))
    _write("order_items.create_line2", pick("order_items", "c", 1))
    hb = asyncio.run(_read_from(settings.kafka_bootstrap, {}, ["readside.public.debezium_heartbeat"], 1))
    _write("debezium_heartbeat.update", hb[-1])


def record_snapshot(settings: StackSettings, dsn: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    with psycopg.connect(dsn, autocommit=True) as conn, conn.transaction():  # rows for the snapshot to read
        customer = conn.execute(
            "INSERT INTO customers (email, name, country) VALUES (%s, 'Snap', 'FR') RETURNING id",
            (f"snap-{suffix}@example.com",),
        ).fetchone()[0]
        pid = conn.execute(
            "INSERT INTO products (sku, name, description, category, price) VALUES"
            " (%s, 'Snapshot Chair', 'Oak', 'furniture', 120.00) RETURNING id",
            (f"SNAP-{suffix}",),
        ).fetchone()[0]
        conn.execute("INSERT INTO inventory (product_id, on_hand) VALUES (%s, 4)", (pid,))
        oid = conn.execute(
            "INSERT INTO orders (customer_id, status) VALUES (%s, 'paid') RETURNING id", (customer,)
        ).fetchone()[0]
        conn.execute("INSERT INTO order_items VALUES (%s, 1, %s, 1, 120.00)", (oid, pid))
    base = load_connector_file(CONNECTORS_DIR / "postgres-source.json")
    config = {
        **base.config,
        "slot.name": f"readside_rec_{suffix}",
        "topic.prefix": f"rec{suffix}",
        "table.include.list": ",".join(f"public.{t}" for t in TABLES),
        "heartbeat.action.query": "SELECT 1",
        "snapshot.mode": "initial",
    }
    config.pop("table.exclude.list")
    connector = replace(base, name=f"record-{suffix}", config=config)
    Registrar(settings.connect_url, say=lambda _: None).apply(connector)
    try:
        for table in TABLES:
            got = asyncio.run(_read_from(settings.kafka_bootstrap, {}, [f"rec{suffix}.public.{table}"], 1))
            message = got[-1]
            message["topic"] = f"readside.public.{table}"  # as the production connector names it
            message["value"]["source"]["name"] = "readside"
            _write(f"{table}.snapshot", message)
    finally:
        httpx.delete(f"{settings.connect_url}/connectors/{connector.name}")
        drop_replication_slot(dsn, config["slot.name"])


def main() -> None:
    settings = StackSettings()
    dsn = settings.postgres_dsn(postgres_password(settings))
    if not (OUT / "products.create.json").exists():
        record_streaming(settings, dsn)
    record_snapshot(settings, dsn)


if __name__ == "__main__":
    main()
