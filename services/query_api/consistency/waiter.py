"""Wait, bounded, until a projection has applied everything up to a consistency token's LSN.

Two phases (ARCHITECTURE.md, "How the read side will decide it has caught up with a token"):
1. poll the projection's checkpoints until some input partition shows an applied LSN ≥ the
   token's: Debezium emits in commit order, so every change up to the write was produced by then
   (the heartbeat topic advances every second, so an idle database still gets there);
2. read the end offset of every input partition once, at that moment, and poll until each
   partition's applied offset reaches end − 1. Offsets, not LSNs, cover partitions that received
   nothing since the write.
Checkpoints are read with a realtime multi-get, so polling sees them without an index refresh.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ..domain.errors import ReadModelBehind
from .progress import (Checkpoint, Partition, describe_lag, has_passed, lagging,
                       newest_applied_lsn, offsets_to_reach)
from .token import lsn_text

T = TypeVar("T")


class CheckpointSource(Protocol):
    async def read(self, projection: str,
                   partitions: Sequence[Partition]) -> dict[Partition, Checkpoint]: ...


class OffsetSource(Protocol):
    async def partitions(self, topics: Sequence[str]) -> list[Partition]: ...

    async def end_offsets(self, partitions: Sequence[Partition]) -> dict[Partition, int]: ...


@dataclass(frozen=True)
class Projection:
    """A read model as the waiter sees it: its checkpoint name and its input topics."""
    name: str
    topics: tuple[str, ...]


class ConsistencyWaiter:
    """Blocks a read until its projection has caught up with a token, or raises ReadModelBehind."""

    def __init__(self, checkpoints: CheckpointSource, offsets: OffsetSource, timeout_s: float,
                 poll_interval_s: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 on_wait: Callable[[str], object] = lambda reason: None) -> None:
        self._checkpoints = checkpoints
        self._on_wait = on_wait  # told why, before each pause (a long wait can show its progress)
        self._offsets = offsets
        self._timeout_s = timeout_s
        self._poll_s = poll_interval_s
        self._clock = clock
        self._sleep = sleep

    async def wait_for(self, projection: Projection, lsn: int, token: str) -> None:
        started = self._clock()
        deadline = started + self._timeout_s

        async def bounded(call: Awaitable[T]) -> T:
            try:
                return await asyncio.wait_for(call, max(deadline - self._clock(), 0.001))
            except asyncio.TimeoutError:
                raise ReadModelBehind(token, self._clock() - started,
                                      "Kafka did not answer in time") from None

        async def pause_or_give_up(reason: str) -> None:
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise ReadModelBehind(token, self._clock() - started, reason)
            self._on_wait(reason)
            await self._sleep(min(self._poll_s, remaining))

        # Phase 1: has Debezium read past the write? (Proved by an applied LSN ≥ the token's.)
        partitions: list[Partition] = []
        while True:
            if not partitions:  # the topics may not exist yet; look again on every poll
                partitions = await bounded(self._offsets.partitions(projection.topics))
            seen = await self._checkpoints.read(projection.name, partitions)
            if has_passed(seen, lsn):
                break
            newest = newest_applied_lsn(seen)
            await pause_or_give_up(
                f"projection '{projection.name}' has applied source LSN "
                f"{'nothing' if newest is None else lsn_text(newest)}, "
                f"the token needs {lsn_text(lsn)}")

        # Phase 2: everything in Kafka at this moment holds every change up to the write.
        partitions = await bounded(self._offsets.partitions(projection.topics))
        targets = offsets_to_reach(await bounded(self._offsets.end_offsets(partitions)))
        while targets:
            behind = lagging(await self._checkpoints.read(projection.name, list(targets)),
                             targets)
            if not behind:
                return
            await pause_or_give_up(f"projection '{projection.name}' is behind Kafka: "
                                   f"{describe_lag(behind)}")
