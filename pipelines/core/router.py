"""Stage 1 of a projection: decode source events and route their changes to the partitions that own them.

What a projection routes where is a pure function (`Route`) of its own; this class does the rest:
decoding, dead letters, counting, and the marks that tell downstream partitions how far each source
partition has been routed (pipelines/core/progress.py).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any, Awaitable, Callable, Sequence

from pipelines.core.deadletters import DeadLetter, DeadLetters
from pipelines.core.envelope import DecodeError, Envelope, decode_envelope
from pipelines.core.metrics import BATCH_EVENTS, BATCH_SECONDS, EVENTS_PROCESSED
from pipelines.core.progress import SourceMark, SourceMarks, marks_for
from pipelines.core.records import Origin, RoutedChange
from pipelines.core.rows import ENVELOPES

log = logging.getLogger(__name__)

TRANSFORM_ERROR = "transform_error"
Send = Callable[..., Awaitable[Any]]
# (table, envelope, origin, partitions) -> the (partition, change) pairs to send; [] for none.
Route = Callable[[str, Envelope, Origin, int], list[tuple[int, RoutedChange]]]
Key = Callable[[RoutedChange], bytes]  # the message key of a routed change (its owner's id)
MARKS_KEY = b"marks"


class ChangeRouter:
    """Sends each change to its partition of `changes_topic`, then a mark of the batch to every partition."""

    def __init__(self, *, projection: str, table_of_topic: dict[str, str], changes_topic: str, partitions: int,
                 route: Route, key: Key, send: Send, dead_letters: DeadLetters, marks_interval_s: float = 0.0) -> None:
        self.projection = projection
        self.marks_interval_s = marks_interval_s
        self._marks: list[SourceMark] = []  # routed, not yet announced
        self._marks_sent_at = 0.0
        self._marks_task: asyncio.Future | None = None
        self._route = route
        self._key = key
        self.table_of_topic = table_of_topic
        self.changes_topic = changes_topic
        self.partitions = partitions
        self._send = send
        self._dead_letters = dead_letters

    async def route(self, events: Sequence[Any]) -> None:
        started = time.perf_counter()
        BATCH_EVENTS.labels(self.projection, "route").observe(len(events))
        handled: list[tuple[str, int, int, int | None, int | None]] = []
        per_topic: Counter[str] = Counter()
        for event in events:
            message = event.message
            per_topic[message.topic] += 1
            lsn = ts_ms = None
            try:
                table = self.table_of_topic.get(message.topic)
                if table is None:
                    raise DecodeError("unknown_table", f"no table is read from topic {message.topic!r}")
                envelope = decode_envelope(message.value, ENVELOPES[table], table)
                if envelope is not None:  # None: a tombstone, which only serves log compaction
                    lsn, ts_ms = envelope.source.lsn, envelope.source.ts_ms
                    origin = Origin(topic=message.topic, partition=message.partition, offset=message.offset)
                    for partition, change in self._route(table, envelope, origin, self.partitions):
                        await self._send(self.changes_topic, self._key(change), change.model_dump_json().encode(),
                                         partition, None, None)
            except DecodeError as exc:
                await self._dead_letter(message, exc.reason, str(exc))
            except Exception as exc:  # a bug or a case no one foresaw: park the event, keep the stream going
                log.exception("routing %s/%s/%s failed", message.topic, message.partition, message.offset)
                await self._dead_letter(message, TRANSFORM_ERROR, f"{type(exc).__name__}: {exc}")
            handled.append((message.topic, message.partition, message.offset, lsn, ts_ms))
        for topic, count in per_topic.items():
            EVENTS_PROCESSED.labels(self.projection, topic).inc(count)
        self._marks = marks_for([(m.topic, m.partition, m.offset, m.lsn, m.ts_ms) for m in self._marks] + handled)
        wait = self._marks_sent_at + self.marks_interval_s - time.monotonic()
        if wait <= 0:
            await self._announce()
        elif self._marks_task is None or self._marks_task.done():
            # Tiny batches under load would otherwise send more marks than changes; at most one set per
            # interval goes out, and a quiet stream still gets its last marks after one interval.
            self._marks_task = asyncio.ensure_future(self._announce_after(wait))
        BATCH_SECONDS.labels(self.projection, "route").observe(time.perf_counter() - started)

    async def _announce_after(self, wait: float) -> None:
        await asyncio.sleep(wait)
        await self._announce()

    async def _announce(self) -> None:
        """Behind the changes routed so far, in every partition: "everything up to these offsets is routed"."""
        if not self._marks:
            return
        marks, self._marks = self._marks, []
        self._marks_sent_at = time.monotonic()
        value = SourceMarks(marks=tuple(marks)).model_dump_json().encode()
        for partition in range(self.partitions):
            await self._send(self.changes_topic, MARKS_KEY, value, partition, None, None)

    async def _dead_letter(self, message: Any, reason: str, error: str) -> None:
        timestamp = getattr(message, "timestamp", None)
        await self._dead_letters.publish(DeadLetter(
            projection=self.projection, reason=reason, error=error, topic=message.topic,
            partition=message.partition, offset=message.offset, key=message.key, value=message.value,
            timestamp_ms=int(timestamp * 1000) if timestamp else None))

