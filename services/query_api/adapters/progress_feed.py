"""The projections' applied positions as they move, followed on the progress topic by one consumer per process.

The pipeline reports every move of a projection's positions at once on the progress topic (key: the
projection; value: `{"projection": p, "positions": [{"topic", "partition", "offset", "lsn"}, ...]}`) and
the whole set again every second; its checkpoint documents in Elasticsearch hold the same figures, written
at that slower pace. This feed keeps the highest position per source partition in memory, so a read with a
token costs no request at all to learn how far a projection is, and the watch wakes when a report arrives
instead of polling. Every position, from the topic or the documents, is a lower bound of what is indexed,
so whatever the feed has missed can only make a read wait longer, never read stale.

At start it takes the checkpoint documents (a second old at most while the pipeline runs, and all there is
while it is stopped) and reads the topic from a few seconds back, which holds a whole report.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import BaseModel, ConfigDict, ValidationError

from ..consistency.progress import Checkpoint, Partition

log = logging.getLogger(__name__)


class _Position(BaseModel):
    model_config = ConfigDict(extra="ignore")
    topic: str
    partition: int
    offset: int
    lsn: int | None = None


class _Report(BaseModel):
    model_config = ConfigDict(extra="ignore")
    projection: str
    positions: list[_Position]


class CheckpointSeed(Protocol):
    """Where the feed's first figures come from (the checkpoint documents)."""

    async def read_all(self) -> dict[str, dict[Partition, Checkpoint]]: ...


ListPartitions = Callable[[Sequence[str]], Awaitable[list[Partition]]]


class ProgressFeed:
    """A CheckpointSource answered from memory, kept current by a consumer of the progress topic."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        partitions: ListPartitions,
        seed: CheckpointSeed | None = None,
        on_progress: Callable[[], None] = lambda: None,
        lookback_s: float = 5.0,
        retry_s: float = 1.0,
    ) -> None:
        self._bootstrap = bootstrap
        self._topic = topic
        self._seed = seed
        self._list_partitions = partitions
        self.on_progress = on_progress  # called after each batch of reports (the watch wakes)
        self._lookback_s = lookback_s
        self._retry_s = retry_s
        self._held: dict[str, dict[Partition, Checkpoint]] = {}
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._follow())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def read_many(self, wanted: Mapping[str, Sequence[Partition]]) -> dict[str, dict[Partition, Checkpoint]]:
        self.start()  # the first read with a token starts it, if the app did not
        found: dict[str, dict[Partition, Checkpoint]] = {}
        for projection, partitions in wanted.items():
            held = self._held.get(projection, {})
            found[projection] = {p: held[p] for p in partitions if p in held}
        return found

    def fold(self, projection: str, partition: Partition, checkpoint: Checkpoint) -> bool:
        """Keep the highest position; True if it moved."""
        held = self._held.setdefault(projection, {})
        known = held.get(partition)
        if known is not None and (
            checkpoint.offset is None or (known.offset is not None and checkpoint.offset <= known.offset)
        ):
            return False
        lsns = [x for x in (known.lsn if known else None, checkpoint.lsn) if x is not None]
        held[partition] = Checkpoint(checkpoint.offset, max(lsns) if lsns else None)
        return True

    def fold_report(self, value: bytes) -> bool:
        try:
            report = _Report.model_validate_json(value)
        except ValidationError as exc:
            log.warning("ignoring a malformed progress report: %s", exc.errors()[:1])
            return False
        moved = False
        for p in report.positions:
            moved |= self.fold(report.projection, Partition(p.topic, p.partition), Checkpoint(p.offset, p.lsn))
        return moved

    async def _follow(self) -> None:
        seeded = self._seed is None
        while True:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap, group_id=None, enable_auto_commit=False, fetch_max_wait_ms=500
            )
            try:
                if not seeded:
                    assert self._seed is not None
                    for projection, checkpoints in (await self._seed.read_all()).items():
                        for partition, checkpoint in checkpoints.items():
                            self.fold(projection, partition, checkpoint)
                    seeded = True
                    self.on_progress()
                await consumer.start()
                await self._position(consumer)
                while True:
                    batches = await consumer.getmany(timeout_ms=1000)
                    moved = False
                    for records in batches.values():
                        for record in records:
                            moved |= self.fold_report(record.value or b"")
                    if moved:
                        self.on_progress()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Kafka or Elasticsearch away, the topic not there yet: try again
                log.info("progress feed from %s: %r; retrying in %.0f s", self._topic, exc, self._retry_s)
            finally:
                await consumer.stop()
            await asyncio.sleep(self._retry_s)  # a retry schedule, not a wait for a condition

    async def _position(self, consumer: AIOKafkaConsumer) -> None:
        """Assign every partition of the topic, from `lookback_s` ago (a whole report is in there)."""
        found = await self._list_partitions([self._topic])
        if not found:
            raise LookupError(f"topic {self._topic} does not exist yet (the pipeline creates it)")
        partitions = [TopicPartition(p.topic, p.partition) for p in found]
        consumer.assign(partitions)
        since = int((time.time() - self._lookback_s) * 1000)
        starts = await consumer.offsets_for_times({tp: since for tp in partitions})
        for tp in partitions:
            if starts.get(tp) is not None:
                consumer.seek(tp, starts[tp].offset)
            else:  # nothing that recent: from the end
                await consumer.seek_to_end(tp)
