"""Row changes in Postgres reach Kafka as exact Debezium events: c/u/d + tombstone, and snapshot reads."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

import httpx
import psycopg
import pytest

from infra.registrar import Registrar, load_connector_file
from infra.settings import CONNECTORS_DIR
from tests.support.kafka import read_topic
from tests.support.postgres import drop_replication_slot

pytestmark = pytest.mark.integration

PRICE, AT = "12345678.90", "2026-01-02T03:04:05.123456Z"


def _make_table(dsn: str, rows: int = 0) -> str:
    table = f"cdc_probe_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {table} (id int PRIMARY KEY, price numeric(12,2) NOT NULL,"
            " at timestamptz NOT NULL, note text)"
        )
        for i in range(1, rows + 1):
            conn.execute(f"INSERT INTO {table} VALUES (%s, %s, %s, 'before connector')", (i, PRICE, AT))
    return table


def test_insert_update_delete_arrive_as_c_u_d_and_a_tombstone_with_exact_values(stack):
    table = _make_table(stack.postgres_dsn)
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        conn.execute(f"INSERT INTO {table} VALUES (1, %s, %s, 'new')", (PRICE, AT))
        conn.execute(f"UPDATE {table} SET price = 0.10, note = 'changed' WHERE id = 1")
        conn.execute(f"DELETE FROM {table} WHERE id = 1")

    messages = read_topic(stack.kafka_bootstrap, f"readside.public.{table}", 4)

    assert {m.partition for m in messages} == {messages[0].partition}, "one key, one partition"
    assert [m.key for m in messages] == [{"id": 1}] * 4
    assert [m.value and m.value["op"] for m in messages] == ["c", "u", "d", None]
    created, updated, deleted = (m.value for m in messages[:3])
    assert created["after"] == {"id": 1, "price": PRICE, "at": AT, "note": "new"}
    assert updated["after"]["price"] == "0.10" and updated["after"]["note"] == "changed"
    assert deleted["before"]["id"] == 1 and deleted["after"] is None
    assert created["source"]["lsn"] < updated["source"]["lsn"] < deleted["source"]["lsn"]


def test_change_topics_are_created_with_the_configured_partition_count(stack):
    table = _make_table(stack.postgres_dsn)
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        conn.execute(f"INSERT INTO {table} VALUES (7, 1, now(), 'x')")
    read_topic(stack.kafka_bootstrap, f"readside.public.{table}", 1)
    partitions = _partitions(stack.kafka_bootstrap, f"readside.public.{table}")
    assert partitions == stack.settings.topic_partitions


def _partitions(bootstrap: str, topic: str) -> int:
    from aiokafka import AIOKafkaConsumer

    async def count() -> int:
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap)
        await consumer.start()
        try:
            return len(consumer.partitions_for_topic(topic) or ())
        finally:
            await consumer.stop()

    return asyncio.run(count())


def test_rows_that_existed_before_the_connector_arrive_as_snapshot_reads(stack):
    table = _make_table(stack.postgres_dsn, rows=3)
    suffix = uuid.uuid4().hex[:8]
    base = load_connector_file(CONNECTORS_DIR / "postgres-source.json")
    config = {
        **base.config,
        "slot.name": f"readside_test_{suffix}",
        "topic.prefix": f"snaptest{suffix}",
        "table.include.list": f"public.{table}",
        "heartbeat.action.query": "SELECT 1",
    }
    config.pop("table.exclude.list")
    connector = replace(base, name=f"snapshot-test-{suffix}", config=config)
    registrar = Registrar(stack.connect_url, say=lambda _: None)
    registrar.apply(connector)
    try:
        messages = read_topic(stack.kafka_bootstrap, f"snaptest{suffix}.public.{table}", 3)
    finally:
        httpx.delete(f"{stack.connect_url}/connectors/{connector.name}")
        drop_replication_slot(stack.postgres_dsn, config["slot.name"])
    assert sorted(m.value["after"]["id"] for m in messages) == [1, 2, 3]
    assert {m.value["op"] for m in messages} == {"r"}
    assert {m.value["after"]["price"] for m in messages} == {PRICE}
