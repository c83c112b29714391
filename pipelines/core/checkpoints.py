"""Checkpoints: how far a projection has applied each source partition, as documents readers can trust.

Written only after the sink batch they describe succeeded, so a checkpoint never claims more than the
index holds. Each downstream partition first records its own position (`<checkpoint_parts>`, id
`<projection>:<via partition>:<topic>:<partition>`), then the projection's position is the minimum
over all of them (see pipelines/core/progress.py), stored as `readside_checkpoints` document
`<projection>:<topic>:<partition>` with fields projection, topic, partition, offset (the last applied
Kafka offset), lsn (the newest source LSN applied up to it), source_ts_ms, updated_at.

Several workers may combine at once, each from what it just read; every one of those minima is true
when computed, and `external_gte` versions (offset + 1) keep the largest, so the document only moves
forward. Readers should GET/mget checkpoints by id: that is realtime, so they see a checkpoint as soon
as it is written. A search sees it after the index's next refresh (1 s), or at once with
READSIDE_CHECKPOINT_REFRESH=true, which refreshes on every write (~30 ms per batch on this machine).
"""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from typing import Mapping

from elasticsearch import AsyncElasticsearch

from pipelines.core.failstop import complete_or_die
from pipelines.core.progress import Progress, combine
from pipelines.core.sink import BulkSink, IndexAction

PartKey = tuple[int, str, int]  # (via partition, source topic, source partition)


def checkpoint_id(projection: str, topic: str, partition: int) -> str:
    return f"{projection}:{topic}:{partition}"


def checkpoint_document(projection: str, topic: str, partition: int, progress: Progress,
                        updated_at: datetime) -> dict:
    return {"projection": projection, "topic": topic, "partition": partition, "offset": progress.offset,
            "lsn": progress.lsn, "source_ts_ms": progress.ts_ms, "updated_at": updated_at.isoformat()}


class Checkpoints:
    def __init__(self, client: AsyncElasticsearch, sink: BulkSink, projection: str, index: str,
                 parts_index: str, partitions: int, refresh: bool = False, min_interval_s: float = 0.0) -> None:
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

    def submit(self, parts: Mapping[PartKey, Progress]) -> None:
        """Hand over positions whose documents are indexed; a background task writes them, coalesced.

        The projector need not wait for the checkpoint round trips (a bulk, an mget, a bulk) before its
        next batch. While one write is in flight, newer positions wait and go out together in the next.
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
            # Three round trips per write: spacing them lets ES breathe and more parts share one write.
            await asyncio.sleep(max(0.0, self.min_interval_s - (time.monotonic() - started)))

    def _part_id(self, via: int, topic: str, partition: int) -> str:
        return f"{self.projection}:{via}:{topic}:{partition}"

    async def record(self, parts: Mapping[PartKey, Progress]) -> None:
        """Store these partitions' positions, then the combined positions of the sources they cover."""
        now = datetime.now(timezone.utc)
        await self._write([
            IndexAction(self.parts_index, self._part_id(via, topic, partition), p.offset + 1,
                        {**checkpoint_document(self.projection, topic, partition, p, now), "via_partition": via})
            for (via, topic, partition), p in parts.items()])
        sources = sorted({(topic, partition) for _, topic, partition in parts})
        ids = [self._part_id(via, t, p) for t, p in sources for via in range(self.partitions)]
        found = await self.client.mget(index=self.parts_index, ids=ids, realtime=True)
        by_id = {d["_id"]: d["_source"] for d in found["docs"] if d.get("found")}
        combined: list[IndexAction] = []
        for topic, partition in sources:
            progress = combine([_progress(by_id.get(self._part_id(via, topic, partition)))
                                for via in range(self.partitions)])
            if progress is not None:
                combined.append(IndexAction(
                    self.index, checkpoint_id(self.projection, topic, partition), progress.offset + 1,
                    checkpoint_document(self.projection, topic, partition, progress, now)))
        if combined:
            await self._write(combined, refresh=self.refresh)

    async def _write(self, actions: list[IndexAction], refresh: bool = False) -> None:
        rejected = await self.sink.write(actions, refresh=refresh)
        if rejected:  # our own documents against our own mapping: a bug, not bad data
            raise RuntimeError(f"checkpoint write refused: {rejected[0].status} {rejected[0].error}")


def _progress(source: dict | None) -> Progress | None:
    if source is None:
        return None
    return Progress(offset=source["offset"], lsn=source.get("lsn"), ts_ms=source.get("source_ts_ms"))
