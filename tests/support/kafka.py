"""Tests' Kafka helpers: produce one record; read a topic from the beginning until enough messages arrived,
with a deadline."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    partition: int
    key: dict | None
    value: dict | None  # None is a tombstone


def produce(bootstrap: str, topic: str, key: bytes | None, value: bytes | None) -> None:
    """Send one record and wait for the broker's acknowledgement."""
    asyncio.run(_produce(bootstrap, topic, key, value))


async def _produce(bootstrap: str, topic: str, key: bytes | None, value: bytes | None) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


def read_topic(bootstrap: str, topic: str, count: int, timeout_s: float = 30.0) -> list[Message]:
    """Collect at least `count` messages of `topic` (all partitions) or fail at the deadline."""
    return asyncio.run(_read(bootstrap, topic, count, timeout_s))


async def _read(bootstrap: str, topic: str, count: int, timeout_s: float) -> list[Message]:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        metadata_max_age_ms=500,
    )  # the topic may appear only after the first change
    await consumer.start()
    messages: list[Message] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(messages) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                messages += [Message(r.partition, _json(r.key), _json(r.value)) for r in records]
    finally:
        await consumer.stop()
    if len(messages) < count:
        raise AssertionError(f"{topic}: {len(messages)} of {count} messages within {timeout_s}s: {messages}")
    return messages


def _json(raw: bytes | None) -> dict | None:
    return json.loads(raw) if raw is not None else None
