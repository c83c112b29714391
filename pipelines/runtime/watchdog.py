"""Fail-stop on a stuck commit: a partition whose handled events can no longer be committed.

The last line of defence: pipelines/runtime/delivery.py closes the path described below at the consumer.
This still catches a loss after it (between the consumer and a stream), or any other cause.

faust-streaming can drop events between its fetcher and a stream around recovery (faust-streaming issue
#596, and its flow control wiping the stream queues; pipelines/runtime/kafka.py). Seen here after a worker
restart with a large changelog recovery while changes kept arriving: 382 product changes were never
handed to the projector. The events after the dropped ones are handled and acked, but Faust commits only a
contiguous run from the committed offset, so that partition's commit stops for good, and the dropped
events would be read again only by a new consumer (from the committed offset). Restarting the worker did
deliver them; the documents appeared.

This watchdog notices the symptom, acked events waiting behind a committed offset that has not moved
for `stall_s`, and exits the process as a failed batch does (pipelines/runtime/failstop.py), so whatever
runs the worker restarts it and the events are delivered again. Normal operation commits every
`broker_commit_interval` (1 s), so half a minute without progress is far outside it.
(docs/adr/0009-commit-watchdog.md)
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from pipelines.runtime.failstop import exit_now


class CommitStalls:
    """Pure: which partitions have had acked events behind an unchanged committed offset for `stall_s`."""

    def __init__(self, stall_s: float) -> None:
        self.stall_s = stall_s
        self._since: dict[Hashable, tuple[Any, float]] = {}  # partition -> (committed offset, since when)

    def check(self, now: float, waiting: Mapping[Hashable, Any]) -> list[Hashable]:
        """`waiting`: committed offset of each partition that has acked, uncommitted events."""
        stuck = []
        for tp, committed in waiting.items():
            seen = self._since.get(tp)
            if seen is None or seen[0] != committed:
                self._since[tp] = (committed, now)
            elif now - seen[1] >= self.stall_s:
                stuck.append(tp)
        for tp in set(self._since) - set(waiting):
            del self._since[tp]
        return stuck


def waiting_partitions(consumer: Any) -> dict[Hashable, Any]:
    """Partitions with acked, uncommitted events, and their committed offsets (Faust's own bookkeeping)."""
    acked, committed = consumer._acked, consumer._committed_offset
    return {tp: committed.get(tp) for tp, offsets in list(acked.items()) if offsets}


def watch_commits(app: Any, stall_s: float, interval_s: float) -> None:
    """Check the app's consumer every `interval_s`; exit the process if a partition's commit is stuck."""
    stalls = CommitStalls(stall_s)

    @app.timer(interval=interval_s)
    async def commit_watchdog() -> None:
        stuck = stalls.check(app.loop.time(), waiting_partitions(app.consumer))
        if stuck:
            exit_now(
                f"commits stuck for {stall_s:.0f} s on {sorted(map(str, stuck))} (events were dropped "
                "before the stream); exiting so that a restarted worker reads them again"
            )
