"""Changelog writes sent as record batches reach Kafka whole, in the order made per partition."""

from __future__ import annotations

import asyncio
import json
import uuid

import faust
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from pipelines.core.topics import ensure_topics
from pipelines.runtime.tables import ChangelogWrites, in_batches, json_table

pytestmark = pytest.mark.integration


def test_writes_go_out_in_batches_in_order_per_partition_and_durable_waits_for_all(stack):
    app = faust.App(
        f"test-batches-{uuid.uuid4().hex[:8]}", broker=f"kafka://{stack.kafka_bootstrap}", store="memory://"
    )  # never started: only its table's store and changelog naming are used
    table = json_table(app, "state", 2, "a test table")
    topic = table.changelog_topic.get_topic_name()
    made: dict[int, list[tuple[str, dict]]] = {0: [], 1: []}

    async def write() -> None:
        await ensure_topics(stack.kafka_bootstrap, {topic: (2, {})}, 1)
        producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, acks="all")
        await producer.start()
        try:
            writes = ChangelogWrites(in_batches(lambda: producer))
            for i in range(3000):  # ~100 bytes each: many 16 KB record batches per partition
                partition, value = i % 7 % 2, {"n": i, "pad": "x" * 80}
                writes(table, f"key/{i}", json.dumps(value).encode(), partition)
                made[partition].append((f"key/{i}", value))
            await writes.durable()
        finally:
            await producer.stop()

    async def read_back() -> dict[int, list[tuple[str, dict]]]:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=stack.kafka_bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
        )
        await consumer.start()
        try:
            parts = [TopicPartition(topic, p) for p in made]
            consumer.assign(parts)
            ends = await consumer.end_offsets(parts)  # every write is in once durable() has returned
            assert {tp.partition: end for tp, end in ends.items()} == {p: len(w) for p, w in made.items()}
            got: dict[int, list[tuple[str, dict]]] = {p: [] for p in made}
            for _ in range(100):  # bounded: 100 fetches of up to 1 s
                if sum(map(len, got.values())) >= 3000:
                    break
                for tp, records in (await consumer.getmany(timeout_ms=1000)).items():
                    got[tp.partition].extend((json.loads(r.key), json.loads(r.value)) for r in records)
            return got
        finally:
            await consumer.stop()

    asyncio.run(write())
    assert asyncio.run(read_back()) == made
