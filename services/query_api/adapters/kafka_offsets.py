"""Kafka, only as far as the consistency check needs it: which input partitions exist and where each one ends.

Connected lazily, so reads without a token never depend on Kafka.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import NoReturn

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from ..consistency.progress import Partition, sorted_partitions
from ..domain.errors import ReadModelUnavailable

log = logging.getLogger(__name__)


class KafkaOffsets:
    """Topic metadata through an admin client, end offsets through a group-less consumer."""

    def __init__(self, bootstrap: str, request_timeout_ms: int = 5000) -> None:
        self._bootstrap = bootstrap
        self._timeout_ms = request_timeout_ms
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()

    async def partitions(self, topics: Sequence[str]) -> list[Partition]:
        """The partitions of those topics that exist now (a topic appears with its first event)."""
        admin, _ = await self._connected()
        wanted = set(topics)
        try:
            # Ask for all topics: naming missing ones in a metadata request would make a broker
            # with auto.create.topics.enable create them, with the wrong settings.
            described = await admin.describe_topics(None)
        except KafkaError as exc:
            await self._fail("describe topics", exc)
        return sorted_partitions(
            Partition(t["topic"], int(p["partition"]))
            for t in described
            if t["topic"] in wanted and t["error_code"] == 0
            for p in t["partitions"]
        )

    async def end_offsets(self, partitions: Sequence[Partition]) -> dict[Partition, int]:
        """Per partition, the offset the next message will get (0 for an empty partition)."""
        if not partitions:
            return {}
        _, consumer = await self._connected()
        try:
            ends = await consumer.end_offsets([TopicPartition(p.topic, p.partition) for p in partitions])
        except KafkaError as exc:
            await self._fail("read end offsets", exc)
        return {Partition(tp.topic, tp.partition): int(end) for tp, end in ends.items()}

    async def close(self) -> None:
        async with self._lock:
            await self._close_clients()

    async def _connected(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        async with self._lock:
            if self._admin is None or self._consumer is None:
                admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, request_timeout_ms=self._timeout_ms)
                consumer = AIOKafkaConsumer(
                    bootstrap_servers=self._bootstrap,
                    group_id=None,
                    enable_auto_commit=False,
                    request_timeout_ms=self._timeout_ms,
                )
                try:
                    await admin.start()
                    await consumer.start()
                except BaseException as exc:  # a cancelled start must not leave half a client
                    await _stop(admin, consumer)
                    if isinstance(exc, KafkaError):
                        raise self._unavailable("connect", exc) from exc
                    raise
                self._admin, self._consumer = admin, consumer
            return self._admin, self._consumer

    async def _fail(self, what: str, exc: KafkaError) -> NoReturn:
        """Drop the clients (the next read reconnects) and report Kafka as unavailable."""
        async with self._lock:
            await self._close_clients()
        raise self._unavailable(what, exc) from exc

    def _unavailable(self, what: str, exc: KafkaError) -> ReadModelUnavailable:
        log.warning("Kafka at %s: %s failed: %r", self._bootstrap, what, exc)
        return ReadModelUnavailable(
            f"Kafka is unreachable ({type(exc).__name__}), so the consistency token cannot be checked; retry shortly"
        )

    async def _close_clients(self) -> None:
        admin, consumer = self._admin, self._consumer
        self._admin = self._consumer = None
        await _stop(admin, consumer)


async def _stop(admin: AIOKafkaAdminClient | None, consumer: AIOKafkaConsumer | None) -> None:
    try:
        if consumer is not None:
            await consumer.stop()
        if admin is not None:
            await admin.close()
    except (KafkaError, OSError) as exc:
        log.info("closing the Kafka clients failed: %r", exc)
