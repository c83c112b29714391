"""Each real server of the stack answers as readside needs it to."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import psycopg
import pytest

from infra.registrar import Registrar

pytestmark = pytest.mark.integration


def test_postgres_reports_logical_wal_level(stack):
    with psycopg.connect(stack.postgres_dsn) as conn:
        assert conn.execute("SHOW wal_level").fetchone()[0] == "logical"


def test_kafka_accepts_a_produce_and_a_consume(stack):
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    topic, payload = f"readside-test-{uuid.uuid4().hex[:8]}", uuid.uuid4().bytes

    async def round_trip() -> list[bytes]:
        producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(topic, payload, key=b"k")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=stack.kafka_bootstrap, auto_offset_reset="earliest", group_id=None
        )
        await consumer.start()
        try:
            batch = await consumer.getmany(timeout_ms=10_000)
        finally:
            await consumer.stop()
        return [record.value for records in batch.values() for record in records]

    assert asyncio.run(round_trip()) == [payload]


def test_connect_runs_the_debezium_connector_and_its_task(stack):
    statuses = Registrar(stack.connect_url).list_status()
    source = statuses["postgres-source"]
    assert source["connector"]["state"] == "RUNNING"
    assert [task["state"] for task in source["tasks"]] == ["RUNNING"]
    plugins = httpx.get(f"{stack.connect_url}/connector-plugins").json()
    assert "io.debezium.connector.postgresql.PostgresConnector" in {p["class"] for p in plugins}


def test_elasticsearch_indexes_and_finds_a_document(stack):
    index = f"readside-test-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=stack.elasticsearch_url, timeout=10) as es:
        created = es.put(
            f"/{index}/_doc/1", params={"refresh": "wait_for"}, json={"name": "Blue kettle", "price": "19.90"}
        )
        assert created.status_code == 201, created.text
        found = es.post(f"/{index}/_search", json={"query": {"match": {"name": "kettle"}}}).json()
        es.delete(f"/{index}")
    assert [hit["_source"]["name"] for hit in found["hits"]["hits"]] == ["Blue kettle"]
