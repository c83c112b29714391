"""What a consumer group has committed past is deleted from an internal topic; the rest stays readable."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from pipelines.core.purge import INTERNAL_TOPIC_CONFIG, purge_consumed
from pipelines.core.topics import ensure_topics

pytestmark = pytest.mark.integration


def test_records_below_the_groups_commit_are_purged_and_the_rest_stays(stack):
    topic, group = f"readside-test-purge-{uuid.uuid4().hex[:8]}", f"readside-test-{uuid.uuid4().hex[:8]}"
    tp = TopicPartition(topic, 0)

    async def run() -> tuple[int, int]:
        await ensure_topics(stack.kafka_bootstrap, {topic: (1, INTERNAL_TOPIC_CONFIG)}, 1)
        producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
        await producer.start()
        try:
            for n in range(10):
                await producer.send_and_wait(topic, f"name {n}".encode(), partition=0)
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(bootstrap_servers=stack.kafka_bootstrap, group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            consumer.assign([tp])
            await consumer.commit({tp: OffsetAndMetadata(7, "")})
        finally:
            await consumer.stop()
        assert await purge_consumed(stack.kafka_bootstrap, group, {topic}) == {tp: 7}
        reader = AIOKafkaConsumer(
            bootstrap_servers=stack.kafka_bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
        )
        await reader.start()
        try:
            reader.assign([tp])
            start = (await reader.beginning_offsets([tp]))[tp]
            await reader.seek_to_beginning(tp)
            first = await asyncio.wait_for(reader.getone(), 10)
            return start, first.offset
        finally:
            await reader.stop()

    assert asyncio.run(run()) == (7, 7)
