"""The backfill's side of the handover (pipelines/core/handover.py): its messages, and waiting for the stream.

Sync on the outside (the backfill reads Postgres and bulks with threads), one private event loop inside.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from pydantic import BaseModel

from pipelines.core.router import CHANGES_KEY
from search_client import async_client
from services.query_api.adapters.checkpoints import CheckpointsIndex
from services.query_api.adapters.kafka_offsets import KafkaOffsets
from services.query_api.consistency.token import lsn_text
from services.query_api.consistency.waiter import ConsistencyWaiter, Projection
from services.query_api.domain.errors import QueryError


class HandoverError(Exception):
    """Kafka or the pipeline is not there, or the stream did not catch up in time."""


class HandoverChannel:
    """Messages to every partition of one projection's internal topic, and the wait for its checkpoints."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self._loop = asyncio.new_event_loop()
        self._producer: AIOKafkaProducer | None = None
        self.partitions: list[int] = []

    def __enter__(self) -> HandoverChannel:
        self._loop.run_until_complete(self._open())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._producer is not None:
            self._loop.run_until_complete(self._producer.stop())
        self._loop.close()

    async def _open(self) -> None:
        offsets = KafkaOffsets(self.bootstrap)
        try:
            found = await offsets.partitions([self.topic])
        except QueryError as exc:
            raise HandoverError(f"Kafka at {self.bootstrap}: {exc}") from exc
        finally:
            await offsets.close()
        if not found:  # sending would make the broker create it, with its default partition count
            raise HandoverError(
                f"topic {self.topic} does not exist: start the pipeline worker first (`readside up` starts it)"
            )
        self.partitions = sorted(p.partition for p in found)
        self._producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        await self._producer.start()

    def send(self, record: BaseModel) -> dict[int, int]:
        """`record` to every partition, each acknowledged by the broker before this returns; its offset in each."""
        return self._loop.run_until_complete(self._send(record.model_dump_json().encode()))

    async def _send(self, value: bytes) -> dict[int, int]:
        assert self._producer is not None
        acks = [await self._producer.send(self.topic, value, key=CHANGES_KEY, partition=p) for p in self.partitions]
        return {sent.partition: sent.offset for sent in await asyncio.gather(*acks)}

    def wait_read(self, group: str, offsets: dict[int, int], timeout_s: float, on_wait: Callable[[str], Any]) -> None:
        """Block until consumer group `group` has committed past `offsets` (partition -> a message's offset) on
        every partition: the message was handled, whoever owns the partition now."""
        self._loop.run_until_complete(self._wait_read(group, offsets, timeout_s, on_wait))

    async def _wait_read(
        self, group: str, offsets: dict[int, int], timeout_s: float, on_wait: Callable[[str], Any]
    ) -> None:
        from aiokafka import TopicPartition
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=10_000)
        await admin.start()
        deadline = time.monotonic() + timeout_s
        told = 0.0
        try:
            while True:
                committed = await admin.list_consumer_group_offsets(group)
                behind = sorted(
                    p
                    for p, offset in offsets.items()
                    if (meta := committed.get(TopicPartition(self.topic, p))) is None or meta.offset <= offset
                )
                if not behind:
                    return
                if time.monotonic() >= deadline:
                    raise HandoverError(
                        f"the pipeline worker has not read {self.topic} partitions {behind} past the "
                        f"rebuild's message within {timeout_s:g} s: is it running?"
                    )
                if time.monotonic() - told >= 5.0:
                    told = time.monotonic()
                    on_wait(f"waiting for the worker to read {self.topic} partitions {behind}")
                await asyncio.sleep(0.2)
        finally:
            await admin.close()

    def wait_applied(
        self,
        engine: str,
        es_url: str,
        checkpoints_alias: str,
        projection: str,
        topics: Sequence[str],
        lsn: int,
        timeout_s: float,
        on_wait: Callable[[str], Any],
    ) -> float:
        """Block until the projection's checkpoints show every source change up to `lsn` applied (as a
        consistency token waits); returns the seconds waited. `on_wait` gets what it is still behind on."""
        return self._loop.run_until_complete(
            self._wait(
                engine, es_url, checkpoints_alias, Projection(projection, tuple(topics)), lsn, timeout_s, on_wait
            )
        )

    async def _wait(
        self,
        engine: str,
        es_url: str,
        checkpoints_alias: str,
        projection: Projection,
        lsn: int,
        timeout_s: float,
        on_wait: Callable[[str], Any],
    ) -> float:
        started = time.monotonic()
        told = [started]

        def every_few_seconds(reason: str) -> None:
            if time.monotonic() - told[0] >= 5.0:
                told[0] = time.monotonic()
                on_wait(f"the stream is catching up with the snapshot: {reason}")

        es = async_client(engine, es_url, request_timeout=30)
        offsets = KafkaOffsets(self.bootstrap)
        # The offsets to reach are taken once, when Debezium has passed L: a write load that goes on
        # meanwhile does not move them.
        waiter = ConsistencyWaiter(
            CheckpointsIndex(es, checkpoints_alias),
            offsets,
            timeout_s=timeout_s,
            poll_interval_s=0.1,
            on_wait=every_few_seconds,
        )
        try:
            await waiter.wait_for(projection, lsn, lsn_text(lsn))
            return time.monotonic() - started
        except QueryError as exc:
            raise HandoverError(f"the {projection.name} stream did not catch up with the backfill: {exc}") from exc
        finally:
            await offsets.close()
            await es.close()
