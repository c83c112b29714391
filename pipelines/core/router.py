"""Stage 1 of every projection: decode source events once, and route their changes to the partitions that own them.

What a projection routes where is a pure function (`Route`) of its own, declared as an `Outlet`. One
router serves every outlet: each source event is read and decoded once, then offered to each projection
that reads its table. (Two routers on the same topics, as before, cost every event a second Faust
delivery and a second decode.) The router does the rest: dead letters, counting, and per projection the
marks that tell its downstream partitions how far each source partition has been routed
(pipelines/core/progress.py).

The changes of a batch bound for one partition travel together, as one message of newline-separated
JSON changes (`pack_changes`; JSON never holds a raw newline). Faust's cost per delivered message is
far above a change's own (a profile under backlog: about half of the worker's event loop), and a new
product is one change for the products projection and one for each orders partition; one message per
change made the delivery machinery the pipeline's bottleneck.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipelines.core.deadletters import DeadLetter, DeadLetters, event_fault
from pipelines.core.envelope import DecodeError, Envelope, decode_envelope
from pipelines.core.progress import SourceMark, SourceMarks, marks_for
from pipelines.core.records import Origin, RoutedChange
from pipelines.core.rows import envelope_of
from pipelines.metrics import BATCH_EVENTS, BATCH_SECONDS, EVENTS_PROCESSED

log = logging.getLogger(__name__)

TRANSFORM_ERROR = "transform_error"
Send = Callable[..., Awaitable[Any]]
# (table, envelope, origin, partitions) -> the (partition, change) pairs to send; [] for none.
Route = Callable[[str, Envelope, Origin, int], Sequence[tuple[int, RoutedChange]]]
Handled = tuple[str, int, int, int | None, int | None]  # topic, partition, offset, lsn, ts_ms
MARKS_KEY = b"marks"
CHANGES_KEY = b"changes"
MAX_MESSAGE_BYTES = 256 * 1024  # well under Kafka's 1 MB default message limit


def pack_changes(changes: Sequence[bytes], max_bytes: int = MAX_MESSAGE_BYTES) -> list[bytes]:
    """Changes (each one JSON value) as few messages of newline-separated JSON, each at most `max_bytes`
    unless a single change is larger."""
    messages: list[bytes] = []
    run: list[bytes] = []
    size = 0
    for change in changes:
        if run and size + 1 + len(change) > max_bytes:
            messages.append(b"\n".join(run))
            run, size = [], 0
        run.append(change)
        size += len(change) + 1
    if run:
        messages.append(b"\n".join(run))
    return messages


def unpack_changes(value: bytes) -> list[bytes]:
    """The JSON values of a changes message (a marks message is one)."""
    return value.split(b"\n")


ROUTER = "all"  # the projection label of the router's own metrics
STREAMED = (None, "false")  # source.snapshot of an event read from the WAL stream


def marked_lsn(envelope: Envelope) -> int | None:
    """The LSN an event lets a mark claim. A snapshot's events all carry the snapshot's LSN but come in
    table order, not commit order: one of them says nothing about the others, so they claim none (a
    token waits on offsets, or for the stream, during a snapshot)."""
    return envelope.source.lsn if envelope.source.snapshot in STREAMED else None


@dataclass
class Outlet:
    """One projection's use of the router: the tables it reads, where its changes go, and how."""

    projection: str
    tables: frozenset[str]
    changes_topic: str
    route: Route
    _marks: list[SourceMark] = field(default_factory=list)  # routed, not yet announced
    _marks_sent_at: float = 0.0
    _marks_task: asyncio.Future | None = None


class ChangeRouter:
    """Sends each change to its partition of its projection's changes topic, then marks to every partition."""

    def __init__(
        self,
        *,
        outlets: Sequence[Outlet],
        table_of_topic: dict[str, str],
        partitions: int,
        send: Send,
        dead_letters: DeadLetters,
        marks_interval_s: float = 0.0,
    ) -> None:
        self.outlets = list(outlets)
        self.table_of_topic = table_of_topic
        self.partitions = partitions
        self.marks_interval_s = marks_interval_s
        self._send = send
        self._dead_letters = dead_letters
        self._readers = {table: [o for o in self.outlets if table in o.tables] for table in table_of_topic.values()}

    async def route(self, events: Sequence[Any]) -> None:
        started = time.perf_counter()
        BATCH_EVENTS.labels(ROUTER, "route").observe(len(events))
        handled: dict[str, list[Handled]] = {o.projection: [] for o in self.outlets}
        outgoing: dict[tuple[str, int], list[bytes]] = {}  # (changes topic, partition) -> changes, in order
        per_topic: Counter[str] = Counter()
        for event in events:
            message = event.message
            per_topic[message.topic] += 1
            table = self.table_of_topic.get(message.topic)
            readers = self._readers.get(table, self.outlets) if table else self.outlets
            lsn = ts_ms = None
            try:
                if table is None:
                    raise DecodeError("unknown_table", f"no table is read from topic {message.topic!r}")
                envelope = decode_envelope(message.value, envelope_of(table), table)
            except DecodeError as exc:
                for outlet in readers:
                    await self._dead_letter(outlet.projection, message, exc.reason, str(exc))
                envelope = None
            if envelope is not None:  # None: a tombstone (which only serves log compaction), or poison
                assert table is not None  # an unknown table raised above
                lsn, ts_ms = marked_lsn(envelope), envelope.source.ts_ms
                origin = Origin(topic=message.topic, partition=message.partition, offset=message.offset)
                for outlet in readers:
                    for partition, change in await self._route_one(outlet, table, envelope, origin, message):
                        outgoing.setdefault((outlet.changes_topic, partition), []).append(change)
            for outlet in readers:
                handled[outlet.projection].append((message.topic, message.partition, message.offset, lsn, ts_ms))
        for (topic, partition), changes in outgoing.items():  # before the marks that cover them
            for value in pack_changes(changes):
                await self._send(topic, CHANGES_KEY, value, partition, None, None)
        for outlet in self.outlets:
            for topic, count in per_topic.items():
                if self.table_of_topic.get(topic) in outlet.tables:
                    EVENTS_PROCESSED.labels(outlet.projection, topic).inc(count)
            await self._mark(outlet, handled[outlet.projection])
        BATCH_SECONDS.labels(ROUTER, "route").observe(time.perf_counter() - started)

    async def _route_one(
        self, outlet: Outlet, table: str, envelope: Envelope, origin: Origin, message: Any
    ) -> list[tuple[int, bytes]]:
        """The event's changes for `outlet`, serialized; all of them or, if routing fails, none."""
        try:
            return [
                (partition, change.model_dump_json().encode())
                for partition, change in outlet.route(table, envelope, origin, self.partitions)
            ]
        except Exception as exc:  # a bug or a case no one foresaw: park the event, keep the stream going
            if not event_fault(exc):
                raise  # transient: stop without acking, replay after the restart
            log.exception(
                "routing %s/%s/%s for %s failed", message.topic, message.partition, message.offset, outlet.projection
            )
            await self._dead_letter(outlet.projection, message, TRANSFORM_ERROR, f"{type(exc).__name__}: {exc}")
            return []

    async def _mark(self, outlet: Outlet, handled: list[Handled]) -> None:
        if not handled:
            return
        outlet._marks = marks_for([(m.topic, m.partition, m.offset, m.lsn, m.ts_ms) for m in outlet._marks] + handled)
        wait = outlet._marks_sent_at + self.marks_interval_s - time.monotonic()
        if wait <= 0:
            await self._announce(outlet)
        elif outlet._marks_task is None or outlet._marks_task.done():
            # Tiny batches under load would otherwise send more marks than changes; at most one set per
            # interval goes out, and a quiet stream still gets its last marks after one interval.
            outlet._marks_task = asyncio.ensure_future(self._announce_after(outlet, wait))

    async def announce_committed(self, committed: Mapping[Any, int]) -> None:
        """After a seek to the committed offsets (a start, a rebalance): mark every source partition routed up
        to its committed offset. Faust flushes the producer before it commits, so the changes of everything
        below that offset are in the changes topics, ahead of this mark. A partition with no event since a
        group began reading it mid-topic (a retention-trimmed log, offsets set to the end) otherwise has no
        checkpoint at all, and a read with a token waits on it until it times out."""
        for outlet in self.outlets:
            started: list[Handled] = [
                (tp.topic, tp.partition, offset - 1, None, None)
                for tp, offset in committed.items()
                if offset > 0 and self.table_of_topic.get(tp.topic) in outlet.tables
            ]
            if started:
                outlet._marks = marks_for(
                    [(m.topic, m.partition, m.offset, m.lsn, m.ts_ms) for m in outlet._marks] + started
                )
                await self._announce(outlet)

    async def _announce_after(self, outlet: Outlet, wait: float) -> None:
        await asyncio.sleep(wait)
        await self._announce(outlet)

    async def _announce(self, outlet: Outlet) -> None:
        """Behind the changes routed so far, in every partition: "everything up to these offsets is routed"."""
        if not outlet._marks:
            return
        marks, outlet._marks = outlet._marks, []
        outlet._marks_sent_at = time.monotonic()
        value = SourceMarks(marks=tuple(marks)).model_dump_json().encode()
        for partition in range(self.partitions):
            await self._send(outlet.changes_topic, MARKS_KEY, value, partition, None, None)

    async def _dead_letter(self, projection: str, message: Any, reason: str, error: str) -> None:
        timestamp = getattr(message, "timestamp", None)
        await self._dead_letters.publish(
            DeadLetter(
                projection=projection,
                reason=reason,
                error=error,
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                key=message.key,
                value=message.value,
                timestamp_ms=int(timestamp * 1000) if timestamp else None,
            )
        )
