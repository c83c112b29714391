"""Checkpoints: how far a projection has applied each source partition, as documents readers can trust.

Written only after the sink batch they describe succeeded, so a checkpoint never claims more than the
index holds. Each downstream partition first records its own position (`<checkpoint_parts>`, id
`<projection>:<via partition>:<topic>:<partition>`), then the projection's position is the minimum
over all of them (see pipelines/core/progress.py; the partitions' own positions are written at most
once a second, since only other workers and restarts read them and an older one merely under-states,
and a minimum that did not move is not written again), stored as `readside_checkpoints` document
`<projection>:<topic>:<partition>` with fields projection, topic, partition, offset (the last applied
Kafka offset), lsn (the newest source LSN applied up to it), source_ts_ms, updated_at.

Several workers may combine at once, each from what it just read; every one of those minima is true
when computed, and `external_gte` versions (offset + 1) keep the largest, so the document only moves
forward.

With a progress topic (`publish`), every move of the combined positions is reported on it at once (a
`ProgressReport`, see pipelines/core/progress.py), and the documents are written at most every
`parts_refresh_s`, with a report of the whole set: the query API follows the topic, so a read with a
token learns of a move in milliseconds without a request of its own, and Elasticsearch takes one
checkpoint bulk a second instead of one per batch. Without one, the combined documents are written at
every move, and readers GET/mget them by id (realtime).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from pipelines.core.progress import AppliedPosition, Progress, ProgressReport, combine
from pipelines.core.sink import BulkSink, IndexAction, SharedBulk
from pipelines.runtime.failstop import complete_or_die
from search_client import AsyncElasticsearch

PartKey = tuple[int, str, int]  # (via partition, source topic, source partition)
Publish = Callable[[bytes, bytes], Awaitable[Any]]  # (key, value) -> enqueued on the progress topic


def checkpoint_id(projection: str, topic: str, partition: int) -> str:
    return f"{projection}:{topic}:{partition}"


def checkpoint_document(projection: str, topic: str, partition: int, progress: Progress, updated_at: datetime) -> dict:
    return {
        "projection": projection,
        "topic": topic,
        "partition": partition,
        "offset": progress.offset,
        "lsn": progress.lsn,
        "source_ts_ms": progress.ts_ms,
        "updated_at": updated_at.isoformat(),
    }


class Checkpoints:
    def __init__(
        self,
        client: AsyncElasticsearch,
        sink: BulkSink | SharedBulk,
        projection: str,
        index: str,
        parts_index: str,
        partitions: int,
        refresh: bool = False,
        min_interval_s: float = 0.0,
        parts_refresh_s: float = 1.0,
        publish: Publish | None = None,
    ) -> None:
        self.client = client
        self.sink = sink
        self.projection = projection
        self.index = index
        self.parts_index = parts_index
        self.partitions = partitions
        self.refresh = refresh
        self.min_interval_s = min_interval_s
        self._pending: dict[PartKey, Progress] = {}
        self._writer: asyncio.Task | None = None
        self.parts_refresh_s = parts_refresh_s
        self._parts: dict[str, Progress] = {}  # part id -> newest position known (see record)
        self._parts_asked: set[str] = set()  # part ids read at least once (a missing one stays missing)
        self._parts_read_at = float("-inf")
        self._unwritten: dict[str, IndexAction] = {}  # part id -> its newest position, not yet written
        self._parts_written_at = float("-inf")
        self._combined: dict[str, Progress] = {}  # checkpoint id -> the position last written
        self._known_sources: set[tuple[str, int]] = set()  # every (topic, partition) a part was submitted for
        # With a progress topic, the query side learns every move from it at once, and the checkpoint documents
        # (status, restarts, other readers) are written at the parts' pace; each second the whole set is
        # published again, so a report lost or a reader that just started waits a second at most.
        self.publish = publish
        self._unstored: dict[str, IndexAction] = {}  # checkpoint id -> newest combined position not yet written

    def submit(self, parts: Mapping[PartKey, Progress]) -> None:
        """Hand over positions whose documents are indexed; a background task writes them, coalesced.

        The projector need not wait for the checkpoint round trip before its next batch. While one write is in
        flight, newer positions wait and go out together in the next.
        A position only ever under-states what is indexed, and a crash merely loses the newest ones.
        """
        for key, progress in parts.items():
            held = self._pending.get(key)
            if held is None or progress.offset >= held.offset:
                self._pending[key] = progress
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(complete_or_die(self._drain(), f"{self.projection} checkpoints"))

    async def _drain(self) -> None:
        while self._pending:
            parts, self._pending = self._pending, {}
            started = time.monotonic()
            await self.record(parts)
            # Spacing writes lets ES breathe and more parts share one write.
            await asyncio.sleep(max(0.0, self.min_interval_s - (time.monotonic() - started)))

    def _part_id(self, via: int, topic: str, partition: int) -> str:
        return f"{self.projection}:{via}:{topic}:{partition}"

    async def record(self, parts: Mapping[PartKey, Progress]) -> None:
        """Store the combined positions of the sources these partitions cover, and (at most every
        `parts_refresh_s`) the partitions' own positions: one bulk.

        The combination reads every via-partition's position from a cache that this writer's own writes
        keep current and an mget refreshes at most every `parts_refresh_s` (positions other workers
        wrote). A cached position is never above the stored one (they only grow), so a minimum taken
        over the cache never claims more than the index holds; it may lag by up to `parts_refresh_s`
        for partitions another worker owns.
        """
        now = datetime.now(UTC)
        for (via, topic, partition), p in parts.items():
            self._unwritten[self._part_id(via, topic, partition)] = IndexAction(
                self.parts_index,
                self._part_id(via, topic, partition),
                p.offset + 1,
                {**checkpoint_document(self.projection, topic, partition, p, now), "via_partition": via},
            )
        actions: list[IndexAction] = []
        store = time.monotonic() >= self._parts_written_at + self.parts_refresh_s
        if store:
            # Parts serve other workers' minimum (read at most every parts_refresh_s) and a restart, and an
            # older part only under-states: written at that pace, not with every combined write (they were
            # three quarters of the checkpoint writes, and more than the documents themselves).
            actions, self._unwritten = list(self._unwritten.values()), {}
            self._parts_written_at = time.monotonic()
        self._known_sources.update((topic, partition) for _, topic, partition in parts)
        sources = sorted({(topic, partition) for _, topic, partition in parts})
        due = time.monotonic() >= self._parts_read_at + self.parts_refresh_s
        if due:
            # Other workers' parts move without this worker submitting them: every source it knows is read and
            # combined again, or a source partition gone quiet would keep the minimum taken when one of its
            # parts was last submitted here, with another worker's part as it was then.
            sources = sorted(self._known_sources)
        ids = [self._part_id(via, t, p) for t, p in sources for via in range(self.partitions)]
        if due or any(i not in self._parts_asked for i in ids):
            await self._read_parts(ids)
        for (via, topic, partition), part in parts.items():
            self._remember(self._part_id(via, topic, partition), part)
        moved: dict[str, tuple[str, int, Progress]] = {}
        for topic, partition in sources:
            progress = combine(
                [self._parts.get(self._part_id(via, topic, partition)) for via in range(self.partitions)]
            )
            key = checkpoint_id(self.projection, topic, partition)
            if progress is not None and progress != self._combined.get(key):  # an unchanged minimum: no write
                self._combined[key] = progress
                moved[key] = (topic, partition, progress)
                self._unstored[key] = IndexAction(
                    self.index,
                    key,
                    progress.offset + 1,
                    checkpoint_document(self.projection, topic, partition, progress, now),
                )
        if self.publish is None or store:
            actions += self._unstored.values()
            self._unstored = {}
        if self.publish is not None and (moved or store):
            await self._report(self._sources() if store else list(moved.values()))
        if actions:
            await self._write(actions, refresh=self.refresh)

    def _sources(self) -> list[tuple[str, int, Progress]]:
        """Every combined position this writer knows, as (topic, partition, progress)."""
        prefix = len(self.projection) + 1
        return [(*_topic_partition(key[prefix:]), progress) for key, progress in self._combined.items()]

    async def _report(self, positions: list[tuple[str, int, Progress]]) -> None:
        """Handed to the producer; its delivery is not awaited: a report lost is repaired by the next full
        one, a second later."""
        if not positions:
            return
        report = ProgressReport(
            projection=self.projection,
            positions=tuple(
                AppliedPosition(topic=topic, partition=partition, offset=p.offset, lsn=p.lsn)
                for topic, partition, p in positions
            ),
        )
        assert self.publish is not None
        await self.publish(self.projection.encode(), report.model_dump_json().encode())

    async def _read_parts(self, ids: list[str]) -> None:
        self._parts_read_at = time.monotonic()
        self._parts_asked.update(ids)
        found = await self.sink.retried(lambda: self.client.mget(index=self.parts_index, ids=ids, realtime=True))
        for doc in found["docs"]:
            if doc.get("found"):
                self._remember(doc["_id"], _progress(doc["_source"]))

    def _remember(self, part_id: str, progress: Progress | None) -> None:
        held = self._parts.get(part_id)
        if progress is not None and (held is None or progress.offset > held.offset):
            self._parts[part_id] = progress

    async def _write(self, actions: list[IndexAction], refresh: bool = False) -> None:
        rejected = await self.sink.write(actions, refresh=refresh)
        if rejected:  # our own documents against our own mapping: a bug, not bad data
            raise RuntimeError(f"checkpoint write refused: {rejected[0].status} {rejected[0].error}")


def _topic_partition(text: str) -> tuple[str, int]:
    topic, partition = text.rsplit(":", 1)
    return topic, int(partition)


def _progress(source: dict | None) -> Progress | None:
    if source is None:
        return None
    return Progress(offset=source["offset"], lsn=source.get("lsn"), ts_ms=source.get("source_ts_ms"))
