"""The worker's Kafka transport: faust's aiokafka driver, with a fetch long-poll short enough for CDC.

faust-streaming 0.15.3 builds its consumer with `fetch_max_wait_ms=1500`, hard-coded
(faust/transport/drivers/aiokafka.py). aiokafka keeps one fetch request in flight per broker and
leaves out of it every partition whose fetched records are not consumed yet; once they are, such a
partition waits for the request in flight to come back, and the broker holds that request up to
`fetch_max_wait_ms` when the partitions in it are quiet. With one worker reading ~40 partitions, of
which only a few are busy at a time, changes waited up to 1.5 s at that step: seconds of latency at
200 changes/s, and throughput in bursts. A short long-poll costs a few idle fetch round trips per
second on a loopback broker.
(docs/adr/0010-short-fetch-long-poll.md)

The consumer also applies pipelines/runtime/delivery.py: nothing fetched from a partition's old position
is handed on after a seek, an internal topic's records reach the streams without holes, only the acks of
handled events count, and a commit never passes over a missing head of an internal topic.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from faust.transport.drivers import aiokafka as driver
from mode.utils.queues import FlowControlEvent

from pipelines.metrics import CONSUMER_REWINDS, UNHANDLED_ACKS
from pipelines.runtime.delivery import DeliveryGuard, HandledAcks, head_is_missing, in_holes

log = logging.getLogger(__name__)


class QueueKeepingFlowControl(FlowControlEvent):
    """Faust's flow control of the stream queues, except that resuming a flow that runs clears nothing.

    mode's `resume()` clears every stream queue, always. Faust's recovery calls it several times, the last
    time *after* it has sought the stream partitions to their committed offsets (tables/recovery.py
    `on_recovery_completed`): the first records read from there were in the queues by then, and were
    wiped, never acked. The next ones were handled and acked, and Faust's commit, whose head check lets one
    missing offset through, passed over them. Seen here after rebalances: the message at a partition's
    committed offset lost each time, once with 8 changes in it (units sold off by 3 on two products).
    Clearing when a suspended flow resumes is kept; a rebalance also clears the queues when it suspends.
    (docs/adr/0008-no-event-skipped-after-recovery.md)"""

    def resume(self) -> None:
        if self.is_active():
            return
        super().resume()


def transport_with_fetch_wait(fetch_max_wait_ms: int) -> type:
    """A faust Transport class whose consumer's broker long-poll is `fetch_max_wait_ms`."""

    class ConsumerThread(driver.AIOKafkaConsumerThread):
        def _create_worker_consumer(self, transport: Any) -> Any:
            consumer = super()._create_worker_consumer(transport)
            consumer._fetch_max_wait_ms = fetch_max_wait_ms  # read by start(), which builds the Fetcher
            return consumer

    class Consumer(GuardedConsumer):
        def _new_consumer_thread(self) -> Any:
            return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    class Transport(driver.Transport):
        pass

    Transport.Consumer = Consumer
    return Transport


class GuardedConsumer(driver.Consumer):
    """faust's aiokafka consumer, handing on only what `DeliveryGuard` admits (see pipelines/runtime/delivery.py).

    The app's `gap_free_topics` (a set, filled as agents are declared) names the topics without offset gaps,
    and its `batched_topics` those read by batches (pipelines/runtime/batching.py), which report what they handled."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = DeliveryGuard(getattr(self.app, "gap_free_topics", frozenset()))
        self.acks = HandledAcks(getattr(self.app, "batched_topics", frozenset()))
        self._holes_seen: set[tuple[Any, int]] = set()
        self._refusals_logged: set[tuple[Any, int]] = set()
        self._taken: dict[Any, int] = {}
        self._no_seek = asyncio.Event()
        self._no_seek.set()

    @asynccontextmanager
    async def _seeking(self, positions: Mapping[Any, int | None] | None = None) -> AsyncIterator[dict[Any, Any]]:
        """Fence a seek: records wait until it is done, then are judged against the positions it set."""
        sought: dict[Any, int | None] = dict(positions or {})
        self.guard.seeking += 1
        self._no_seek.clear()
        try:
            yield sought
        finally:
            self.guard.sought(sought)
            self.guard.seeking -= 1
            if not self.guard.seeking:
                self._no_seek.set()

    async def perform_seek(self) -> None:
        async with self._seeking() as sought:
            await super().perform_seek()
            # aiokafka seeks a partition only to a committed offset above 0 (consumer.seek_to_committed)
            committed = {
                tp: self._committed_offset.get(tp) for tp in self.assignment() if self._committed_offset.get(tp)
            }
            sought.update(committed)
        for listener in getattr(self.app, "on_committed_sought", ()):  # outside the fence: they may send
            await listener(committed)

    async def seek(self, partition: Any, offset: int) -> None:
        async with self._seeking({partition: offset}):
            await super().seek(partition, offset)

    async def seek_wait(self, partitions: Mapping[Any, int]) -> None:
        async with self._seeking(partitions):
            await super().seek_wait(partitions)

    def resume_partitions(self, tps: Any) -> None:
        """Everything but the source partitions a backfill's pause holds (pipelines/core/pause.py), which Faust's
        recovery would otherwise resume with every other stream partition."""
        pause = getattr(self.app, "source_pause", None)
        super().resume_partitions({tp for tp in tps if pause is None or not pause.holds(tp)})

    async def on_partitions_revoked(self, revoked: Any) -> None:
        self.guard.forget(set(revoked))
        await super().on_partitions_revoked(revoked)

    async def _wait_next_records(self, timeout: float) -> Any:
        """Faust checks each fetched record against the set of active partitions it fetched with, and skips
        the records of a partition no longer in it. Pausing a partition removes it from that very set, so
        a pause in the middle of a batch skipped records the fetcher had already moved past: they were
        never routed and the commit passed over them (`make faults`: an order line written 0.2 s before a
        backfill's pause was in no read model). The fetch itself honours the pause (it reads that set while
        it waits), so every record it returned is handed on.
        (docs/adr/0003-pause-must-not-drop-fetched-records.md)"""
        records, _active = await super()._wait_next_records(timeout)
        return records, None

    async def _getmany(self, active_partitions: Any, timeout: float) -> Any:
        self._taken = self.guard.snapshot()  # what a record is judged against: seeks after the fetch began
        return await super()._getmany(active_partitions, timeout)

    async def getmany(self, timeout: float) -> AsyncIterator[Any]:
        rewound: set[Any] = set()  # partitions sought away from the rest of this fetch
        async for tp, message in super().getmany(timeout):
            if self.guard.seeking:
                await self._no_seek.wait()
            if tp in rewound:
                continue
            verdict = self.guard.admit(tp, tp.topic, message.offset, self._taken, self._committed_offset.get(tp))
            if verdict.deliver:
                yield tp, message
            elif verdict.rewind_to is not None and tp in self.assignment():  # a partition gone elsewhere: drop
                rewound.add(tp)
                CONSUMER_REWINDS.labels(tp.topic, verdict.reason).inc()
                level = logging.WARNING if verdict.reason == "gap" else logging.INFO
                log.log(
                    level,
                    "%s: got offset %d where %d was due (%s); reading from %d again",
                    tp,
                    message.offset,
                    verdict.rewind_to,
                    verdict.reason,
                    verdict.rewind_to,
                )
                await self.seek(tp, verdict.rewind_to)

    def ack(self, message: Any) -> bool:
        if not self.acks.counts(message):  # skipped by the stream, not handled (pipelines/runtime/delivery.py)
            UNHANDLED_ACKS.labels(message.topic).inc()
            self._unacked_messages.discard(message)  # nothing waits for it (a stop's wait_empty would, for ever)
            generation = self.app.consumer_generation_id
            if (message.tp, generation) not in self._refusals_logged:  # once per partition and generation
                self._refusals_logged.add((message.tp, generation))
                log.info(
                    "%s[%d]@%d: skipped by the stream without being handled (fetched in generation %s, now "
                    "%s); not acked, so it is committed only once read again and handled",
                    message.topic,
                    message.partition,
                    message.offset,
                    message.generation_id,
                    generation,
                )
            return False
        return super().ack(message)

    def _new_offset(self, tp: Any) -> int | None:
        committed = self._committed_offset.get(tp)
        if committed is not None:
            self.guard.committed(tp, committed)
        gaps = self._gap.get(tp)
        covered = committed is not None and (
            gaps is not None
            and bool(gaps)
            and gaps.overlaps(committed)
            or in_holes(committed, self.guard.gone.get(tp, ()))
        )
        if head_is_missing(self._acked.get(tp), committed, covered):
            assert committed is not None  # a missing head is past a committed offset
            if (tp, committed) not in self._holes_seen:  # once per hole: this runs at every commit
                self._holes_seen.add((tp, committed))
                log.warning(
                    "%s: offset %d was never handled, and later ones were: not committing past it", tp, committed
                )
            return None
        return super()._new_offset(tp)
