"""Stand-ins for the pipeline: throwaway Kafka topics, and a projection's checkpoints and progress reports."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


class Topics:
    """Throwaway Kafka topics standing in for a projection's inputs."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.created: list[str] = []

    def create(self, *names: str, partitions: int = 4) -> None:
        asyncio.run(self._create(names, partitions))
        self.created += names

    def send(self, topic: str, key: bytes, value: bytes) -> None:
        async def send() -> None:
            from aiokafka import AIOKafkaProducer

            producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap)
            await producer.start()
            try:
                await producer.send_and_wait(topic, value, key=key)
            finally:
                await producer.stop()

        asyncio.run(send())

    def produce(self, topic: str, partition: int, count: int = 1) -> int:
        """Append `count` messages; the offset of the last one."""
        return asyncio.run(self._produce(topic, partition, count))

    async def _create(self, names: tuple[str, ...], partitions: int) -> None:
        from aiokafka.admin import AIOKafkaAdminClient, NewTopic

        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(n, partitions, 1) for n in names])
        finally:
            await admin.close()

    async def _produce(self, topic: str, partition: int, count: int) -> int:
        from aiokafka import AIOKafkaProducer

        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap)
        await producer.start()
        try:
            offset = -1
            for n in range(count):
                sent = await producer.send_and_wait(topic, json.dumps({"n": n}).encode(), partition=partition)
                offset = sent.offset
            return offset
        finally:
            await producer.stop()

    def delete_all(self) -> None:
        async def delete() -> None:
            from aiokafka.admin import AIOKafkaAdminClient

            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
            await admin.start()
            try:
                await admin.delete_topics(self.created)
            finally:
                await admin.close()

        if self.created:
            asyncio.run(delete())


@dataclass
class Pipeline:
    """Stands in for the projections: an input topic of changes, the heartbeat topic, and what a
    projection records after applying: its checkpoint document and its report on the progress topic."""

    es: Any
    checkpoints_index: str
    changes_topic: str
    heartbeat_topic: str
    topics: Any = None
    progress_topic: str | None = None

    def applied(self, topic: str, partition: int, offset: int, lsn: int, projection: str = "products") -> None:
        if self.progress_topic is not None:
            self.topics.send(
                self.progress_topic,
                projection.encode(),
                json.dumps(
                    {
                        "projection": projection,
                        "positions": [{"topic": topic, "partition": partition, "offset": offset, "lsn": lsn}],
                    }
                ).encode(),
            )
        self.es.index(
            index=self.checkpoints_index,
            id=f"{projection}:{topic}:{partition}",
            document={
                "projection": projection,
                "topic": topic,
                "partition": partition,
                "offset": offset,
                "lsn": lsn,
                "source_ts_ms": 0,
                "updated_at": datetime.now(UTC).isoformat(),
            },
        )
