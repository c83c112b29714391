"""Natural batching for Faust streams: a batch is whatever has arrived, taken the moment the agent is free.

Faust's `Stream.take_events(max, within)` flushes its buffer when it is full or on a timer of `within`
seconds. On a quiet stream every event then waits for the timer (half of `within` on average, per
stage); on a busy one the timer cuts batches at whatever trickled through the stream in `within`,
which under a backlog was ~25 events at 5 ms and left the per-batch costs (changelog acks, a bulk
round trip) to cap throughput. `take_available` has no timer: it wakes on the first event and hands
the batch out as soon as nothing more is at hand, i.e. nothing is queued for the stream and every
partition in the batch is read up to its high watermark (as of the consumer's last fetch). While some
partition is behind, it keeps gathering, up to `max_` events or `gather_s` after the first one: a
caught-up stage never waits, and a stage with a backlog takes it in large batches. (Handing out
whatever was queued was tried first: under a backlog the queue is often momentarily empty, batches
were 1-2 events, and the per-batch costs brought throughput down tenfold.)

Acknowledgement is as in `take_events`: the events of a batch are acked only after the consumer of the
generator is done with it, and only if it asks for the next batch: a batch that raised or was cancelled
(a stop in the middle of it) is never acked (and a failed batch exits the process; see
pipelines/runtime/failstop.py). Each event is first reported handled to the consumer, whose acks count for
nothing else (pipelines/runtime/delivery.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from mode.utils.futures import notify

from pipelines.metrics import SKIPPED_OFFSETS

log = logging.getLogger(__name__)


class SkippedOffsets(Exception):
    """Events of a gap-free topic were never handed to the stream (see `check_contiguous`)."""


def check_contiguous(last: dict[Any, tuple[int, int]], tp: Any, offset: int, generation: int = 0) -> None:
    """Raise if `offset` skips offsets after the last one seen of `tp` in the same consumer generation.

    For topics whose offsets have no gaps: the internal topics (no compaction, no transactions). The
    consumer already reads any hole in them again (pipelines/runtime/delivery.py); this is the alarm for a
    loss between the consumer and the stream. Across a rebalance a jump is normal (another worker may
    have had the partition meanwhile), so each generation starts afresh. A rewind (a seek) is fine."""
    previous = last.get(tp)
    last[tp] = (generation, offset)
    if previous is not None and previous[0] == generation and offset > previous[1] + 1:
        raise SkippedOffsets(f"{tp}: offsets {previous[1] + 1}..{offset - 1} were never delivered")


def _handled_reporter(stream: Any) -> Any:
    """What tells the app's consumer that a batch handled a message (a no-op for consumers that do not ask)."""
    acks = getattr(stream.app.consumer, "acks", None)
    return acks.handled if acks is not None else (lambda message: None)


async def take_available(stream: Any, max_: int, gather_s: float, contiguous: bool = False) -> AsyncIterator[list[Any]]:
    """Yield lists of 1..max_ events of `stream`: each as soon as it can be, and as large as is at hand.

    `contiguous`: the stream's topics have no offset gaps; an event past a gap is logged and counted
    (`readside_skipped_offsets_total`)."""
    events: list[Any] = []
    delivered: dict[Any, tuple[int, int]] = {}  # partition -> (generation, newest offset handed to the stream)
    newest: dict[Any, int] = {}  # partition -> offset of the newest event of it in the buffer
    arrived = asyncio.Event()  # the buffer holds at least one event
    added = asyncio.Event()  # an event was added since the last wait
    consumed = asyncio.Event()  # a full buffer was handed out and may fill again
    handing_out: asyncio.Future | None = None
    loop = asyncio.get_running_loop()

    async def add_to_buffer(value: Any) -> Any:
        nonlocal handing_out
        if handing_out is not None:  # a batch is being handled: hold this event for the next one
            try:
                await handing_out
            finally:
                handing_out = None
        event = stream.current_event
        if event is None:
            raise RuntimeError("take_available found no current event")
        if contiguous:
            try:
                check_contiguous(delivered, event.message.tp, event.message.offset, event.message.generation_id)
            except SkippedOffsets as exc:  # the commit stops at them; watchdog.py restarts
                SKIPPED_OFFSETS.labels(event.message.topic).inc()
                log.critical("events were skipped before the stream: %s", exc)
        events.append(event)
        newest[event.message.tp] = event.message.offset
        arrived.set()
        added.set()
        if len(events) >= max_:  # strict: never more than max_ in a batch
            consumed.clear()
            await stream.wait(consumed)
        return value

    queue = stream.channel.queue
    highwater = stream.app.consumer.highwater

    def behind() -> bool:
        """Some partition of the batch has events past the buffered ones (known at the last fetch)."""
        for tp, offset in newest.items():
            end = highwater(tp)
            if end is not None and offset + 1 < end:
                return True
        return False

    handled = _handled_reporter(stream)
    acks_enabled = stream.enable_acks
    stream.enable_acks = False  # acked below, after the batch is handled
    stream.add_processor(add_to_buffer)
    stream._enable_passive(aiter(stream.channel))  # Faust's own take_events drains the stream this way
    try:
        while not stream.should_stop:
            await stream.wait_for_stopped(arrived)
            if not events:
                continue
            deadline = loop.time() + gather_s
            while len(events) < max_:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                if not queue.empty():  # the stream moves one queued event per loop iteration
                    await asyncio.sleep(0)
                    continue
                if not behind():
                    break
                added.clear()
                if await stream.wait_for_stopped(added, timeout=remaining):
                    break
            handing_out = loop.create_future()
            completed = False
            try:
                yield list(events)
                completed = True  # the consumer asked for the next batch: this one is done
            finally:
                # A batch given up (the agent cancelled at a stop, or failing) is not acked: nothing of it may
                # be committed, and it is read again from the committed offset.
                for event in events if completed else ():
                    handled(event.message)
                    await stream.ack(event)
                events.clear()
                newest.clear()
                arrived.clear()
                notify(handing_out)
                consumed.set()
    finally:
        stream.enable_acks = acks_enabled
        stream._processors.remove(add_to_buffer)
