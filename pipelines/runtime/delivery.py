"""What the worker's consumer may hand on: no record fetched before a seek, no hole in a gap-free topic.

faust-streaming (0.15.3) can lose events around a rebalance or recovery (its issue #596). Read in its
source (transport/consumer.py), the path is:
1. a batch of records is fetched in the consumer thread from the partition's old position;
2. meanwhile recovery seeks the partition back to its committed offset (`perform_seek`) and sets the
   fetcher's read offset there;
3. the old batch then reaches the drain loop, which delivers it (its offsets are past the read offset)
   and moves the read offset to its end, recording the jump from the committed offset as a "gap";
4. the records re-fetched from the committed offset are below the read offset and are dropped, and the
   commit, which treats a gap as acked (it is meant for compacted topics), passes over them.
Seen here: 15 events of `products-changes` committed and never applied (units sold 199, Postgres 200),
and, when the jump was not recorded as a gap, a commit stuck for good behind 382 undelivered events.

`DeliveryGuard` is the bookkeeping that closes it, kept pure; pipelines/runtime/kafka.py applies it:
- a seek is a fence: while one runs, nothing is handed on. After it, a record of the partition from a
  fetch that began before the seek ended is handed on only if it is the one the seek points at.
  Otherwise it is dropped and the partition is sought there again: a fetch from the old position is
  then read anew from the new one, and a fetch from the new one (whose records were past a hole, e.g. a
  compacted range) is simply fetched again, now without doubt;
- on a topic with no offset gaps (the internal `*-changes` topics: no compaction, no transactions), a
  record past the next expected offset means records went missing on the way: the partition is sought
  back to the expected offset. If the records really are absent (retention deleted them), the jump
  repeats from the same place and is then let through. On the other (compacted) topics such a jump is a
  hole the broker has: it is kept (`gone`) so that a commit may pass it, and no other.

Two more paths lose events after the consumer, where this module only keeps the books:
- Faust's recovery resumes the flow after seeking the streams, and resuming cleared the stream queues: the
  record at the committed offset was wiped, unacked, and the commit passed over it (Faust's head check lets
  one missing offset through). Seen here after a rebalance: 8 changes of one message lost, the commit went
  125 -> 163. pipelines/runtime/kafka.py `QueueKeepingFlowControl` closes it. `head_is_missing` is the
  backstop for this and any other such path: acks that start past the committed offset never commit,
  unless the broker has no record there (the commit watchdog restarts the worker if nothing fills the
  hole). It covered the internal topics only at first; with two workers killed and restarted under
  writes, one order (one source event) was then lost from every read model;
- the stream (faust streams.py `_py_aiter`) skips an event fetched in an earlier consumer generation, or
  taken while the flow is suspended, and *acks* it. `HandledAcks`: on the topics our batches read, only the
  ack of a message a batch handled counts, so the skipped offset holds the commit back until the copy read
  again after the seek is handled.
(docs/adr/0007-seek-fence-and-gap-free-internal-topics.md, docs/adr/0008-no-event-skipped-after-recovery.md)
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """Hand the record on, or drop it and, if `rewind_to` is set, seek its partition there."""

    deliver: bool
    rewind_to: int | None = None
    reason: str = ""


DELIVER = Verdict(True)


class DeliveryGuard:
    """Per partition: its seek epoch and the offset its next record must have (`None` = not known).

    `gap_free_topics` is read live (a set that agents add their topics to as they are declared)."""

    def __init__(self, gap_free_topics: set[str] | frozenset[str] = frozenset()) -> None:
        self.gap_free_topics = gap_free_topics
        self.seeking = 0  # seeks in progress; records wait while any is
        self._epochs: dict[Hashable, int] = {}
        self._next: dict[Hashable, int] = {}
        self._rewound: dict[Hashable, int] = {}  # partition -> offset last sought back to over a hole
        self.gone: dict[Hashable, list[range]] = {}  # partition -> holes the broker itself has, past the commit

    def snapshot(self) -> dict[Hashable, int]:
        """Taken as a fetch starts: partitions sought after it are judged by `admit`."""
        return dict(self._epochs)

    def admit(
        self, tp: Hashable, topic: str, offset: int, taken: Mapping[Hashable, int], committed: int | None = None
    ) -> Verdict:
        """`committed`: the group's committed offset of `tp`, if any (where a partition of unknown position
        is read from again)."""
        expected = self._next.get(tp)
        if self._epochs.get(tp, 0) != taken.get(tp, 0) and offset != expected:
            # fetched while the partition was being sought or reassigned: maybe from its old position
            if expected is not None:
                return Verdict(False, expected, "stale")
            # Its position is not known here: reassigned with nothing committed, it starts at the log's
            # beginning. Dropping the record without a seek lost it (the first order of a partition, after a
            # rebalance; Faust then committed past it), so it is read again from there.
            return Verdict(False, committed if committed is not None else 0, "unknown")
        if expected is not None and offset > expected:
            if topic in self.gap_free_topics and self._rewound.get(tp) != expected:  # first time here: read again
                self._rewound[tp] = expected
                return Verdict(False, expected, "gap")
            # the broker has no records there: compacted away (a source topic), or deleted by retention (a
            # gap-free topic sought back here once already, and the broker still starts after the hole)
            self.gone.setdefault(tp, []).append(range(expected, offset))
        self._rewound.pop(tp, None)
        if expected is None or offset >= expected:
            self._next[tp] = offset + 1
        return DELIVER

    def sought(self, positions: Mapping[Hashable, int | None]) -> None:
        """Partitions were sought to these offsets (`None`: moved, to a position not known here)."""
        for tp, offset in positions.items():
            self._epochs[tp] = self._epochs.get(tp, 0) + 1
            if offset is None:
                self._next.pop(tp, None)
            else:
                self._next[tp] = offset

    def committed(self, tp: Hashable, offset: int) -> None:
        """The commit of `tp` is at `offset`: the holes below it are passed and need not be kept."""
        if tp in self.gone:
            self.gone[tp] = [hole for hole in self.gone[tp] if hole.stop > offset]

    def forget(self, partitions: set[Hashable]) -> None:
        """Partitions were revoked: whatever is known of them no longer holds when they come back."""
        for tp in partitions:
            self._next.pop(tp, None)
            self._rewound.pop(tp, None)
            self._epochs[tp] = self._epochs.get(tp, 0) + 1


class HandledAcks:
    """Which acks count: on `batched_topics` (read live), only those of messages that a batch handled."""

    def __init__(self, batched_topics: Collection[str] = frozenset()) -> None:
        self.batched_topics = batched_topics
        self._handled: weakref.WeakSet[Any] = weakref.WeakSet()  # messages are dropped once acked

    def handled(self, message: Any) -> None:
        self._handled.add(message)

    def counts(self, message: Any) -> bool:
        return message.topic not in self.batched_topics or message in self._handled


def in_holes(offset: int, holes: Collection[range]) -> bool:
    return any(offset in hole for hole in holes)


def head_is_missing(acked: Collection[int] | None, committed: int | None, covered: bool = False) -> bool:
    """The acked offsets start past the committed one (the next due), and no hole the broker itself has
    covers it (`covered`): committing them would pass over an event never handled. On any topic: Faust
    lets one missing offset through (its head check is `min(acked) - committed > 1`, as the offset due may
    be compacted away), and so lost exactly one source event when the record at the committed offset was
    fetched and then never handled. A hole at the head of a compacted source topic is seen as the consumer
    hands on the first record past it (`DeliveryGuard.gone`)."""
    return acked is not None and len(acked) > 0 and committed is not None and min(acked) > committed and not covered
