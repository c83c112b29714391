"""Wait, bounded, until a projection has applied everything up to a consistency token's LSN.

Two phases (ARCHITECTURE.md, "How the read side decides it has caught up with a token"):
1. the projection's checkpoints show some input partition applied at an LSN ≥ the token's: Debezium
   emits in commit order, so every change up to the write was produced by then (the heartbeat topic
   advances every 250 ms, so an idle database still gets there);
2. every input partition has applied the end offset it had when read once after that moment, or an
   event at or past the token's LSN (which follows everything the write put in that partition).
   Offsets, not LSNs, cover partitions that received nothing since the write.

The waits of a process share one watch: a single loop reads the checkpoints of every projection some
read waits on (one realtime multi-get a round), reads the Kafka end offsets once for all the waits that
passed phase 1 in that round, and wakes the waits it satisfied. So a thousand waiting reads cost what
one does, and none of them polls anything itself. Each wait ends on its own deadline, whatever the
loop is doing (a slow Elasticsearch or Kafka answer delays the watch, never the 504).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol, TypeVar

from ..domain.errors import InvalidQuery, ReadModelBehind
from .progress import Checkpoint, Partition, describe_lag, lagging, newest_applied_lsn, offsets_to_reach
from .token import lsn_text

log = logging.getLogger(__name__)
T = TypeVar("T")
METADATA_MAX_AGE_S = 5.0


class CheckpointSource(Protocol):
    async def read_many(self, wanted: Mapping[str, Sequence[Partition]]) -> dict[str, dict[Partition, Checkpoint]]: ...


class OffsetSource(Protocol):
    async def partitions(self, topics: Sequence[str]) -> list[Partition]: ...

    async def end_offsets(self, partitions: Sequence[Partition]) -> dict[Partition, int]: ...


@dataclass(frozen=True)
class Projection:
    """A read model as the waiter sees it: its checkpoint name and its input topics."""

    name: str
    topics: tuple[str, ...]


@dataclass(eq=False)
class _Wait:
    projection: Projection
    lsn: int
    deadline: float
    done: asyncio.Future
    targets: dict[Partition, int] | None = None  # phase 2: the offsets to reach
    why: Callable[[], str] = lambda: "nothing read yet"  # what it still waits for, spelt out on demand


class _Unanswered(Exception):
    """A read of the watch's did not answer within its bound."""


class ConsistencyWaiter:
    """Blocks a read until its projection has caught up with a token, or raises ReadModelBehind."""

    def __init__(
        self,
        checkpoints: CheckpointSource,
        offsets: OffsetSource,
        timeout_s: float,
        poll_interval_s: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        on_wait: Callable[[str], object] | None = None,
        read_timeout_s: float = 5.0,
        horizon_bytes: int | None = None,
    ) -> None:
        self._checkpoints = checkpoints
        self._offsets = offsets
        self._timeout_s = timeout_s
        self._poll_s = poll_interval_s
        self._clock = clock
        self._sleep = sleep or self._nap  # between rounds: the poll interval, or until poked
        self._poked: asyncio.Event | None = None
        self._on_wait = on_wait  # told why (spelt out), after each round that did not end a wait
        self._read_timeout_s = read_timeout_s  # bounds each read of the watch
        self._horizon = horizon_bytes  # a token further past the applied LSN was never issued (None: no check)
        self._waits: set[_Wait] = set()
        self._watch: asyncio.Task | None = None
        self._metadata: dict[tuple[str, ...], tuple[list[Partition], float]] = {}  # topics -> partitions, when
        self.rounds = 0  # how many rounds the watch ran (tests and metrics read it)

    async def wait_for(self, projection: Projection, lsn: int, token: str) -> None:
        started = self._clock()
        wait = _Wait(projection, lsn, started + self._timeout_s, asyncio.get_running_loop().create_future())
        self._waits.add(wait)
        if self._watch is None or self._watch.done():
            self._watch = asyncio.ensure_future(self._run())
        try:
            # The deadline holds on its own: the watch may be stuck in a slow read.
            await asyncio.wait({wait.done}, timeout=max(wait.deadline - self._clock(), 0.0))
        finally:
            self._waits.discard(wait)
        if wait.done.done() and wait.done.result():  # True: caught up; raises what the watch failed it with
            return
        raise ReadModelBehind(token, self._clock() - started, wait.why())

    def poke(self) -> None:
        """New progress is known (the progress feed calls this): run a round now, not at the next poll."""
        if self._poked is not None:
            self._poked.set()

    async def _nap(self, seconds: float) -> None:
        if self._poked is None:
            self._poked = asyncio.Event()
        try:
            await asyncio.wait_for(self._poked.wait(), seconds)
        except TimeoutError:
            pass
        self._poked.clear()

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)

    async def _run(self) -> None:
        try:
            while self._pending():
                self.rounds += 1
                try:
                    await self._round()
                except Exception as exc:  # the watch outlives any one failure; the waits get it
                    log.debug("consistency watch round failed: %r", exc)
                    self._fail_all(exc)
                self._expire()
                if self._pending():
                    await self._sleep(self._poll_s)
        finally:
            self._watch = None

    def _pending(self) -> list[_Wait]:
        return [w for w in self._waits if not w.done.done()]

    async def _round(self) -> None:
        """Judge every pending wait against one reading of the positions. The work per wait is a comparison
        or two: what can be shared (the newest LSN, the partitions behind their targets) is worked out once
        per projection or per set of targets, and a reason is only spelt out when someone asks for it."""
        waits = self._pending()
        projections = {w.projection for w in waits}
        inputs = {p.name: await self._input_partitions(sorted(p.topics)) for p in projections}
        seen = await self._bounded(self._checkpoints.read_many(inputs), "Elasticsearch did not answer in time")
        newest = {p.name: newest_applied_lsn(seen.get(p.name, {})) for p in projections}
        for wait in waits:
            applied = newest[wait.projection.name]
            if self._horizon is not None and wait.targets is None and applied and wait.lsn > applied + self._horizon:
                wait.done.set_exception(
                    InvalidQuery(
                        f"consistency token {lsn_text(wait.lsn)} is {(wait.lsn - applied) / 2**30:,.0f} GiB of WAL "
                        f"past what projection '{wait.projection.name}' has applied ({lsn_text(applied)}): this "
                        "database never issued it"
                    )
                )
        waits = [w for w in waits if not w.done.done()]
        passed = [w for w in waits if w.targets is None and _at_least(newest[w.projection.name], w.lsn)]
        if passed:
            await self._take_targets(passed)
        behind_targets: dict[int, dict[Partition, tuple[int | None, int]]] = {}  # by id of a shared targets dict
        for wait in waits:
            checkpoints = seen.get(wait.projection.name, {})
            if wait.targets is None:
                self._tell(wait, _not_passed(wait, newest[wait.projection.name]))
                continue
            shared = behind_targets.get(id(wait.targets))
            if shared is None:
                shared = behind_targets[id(wait.targets)] = lagging(checkpoints, wait.targets)
            behind = {
                p: lag
                for p, lag in shared.items()
                if not _at_least(checkpoints.get(p, Checkpoint(None, None)).lsn, wait.lsn)
            }
            if not behind:
                wait.done.set_result(True)
            else:
                self._tell(wait, _behind(wait, behind))

    async def _take_targets(self, passed: list[_Wait]) -> None:
        """Everything Kafka holds now holds every change up to these waits' writes: read it once for all."""
        topics = sorted({t for w in passed for t in w.projection.topics})
        unanswered = "Kafka did not answer in time"
        partitions = await self._input_partitions(topics)
        ends = offsets_to_reach(await self._bounded(self._offsets.end_offsets(partitions), unanswered))
        targets: dict[Projection, dict[Partition, int]] = {}  # one dict per projection, shared by its waits
        for projection in {w.projection for w in passed}:
            targets[projection] = {p: end for p, end in ends.items() if p.topic in projection.topics}
        for wait in passed:
            wait.targets = targets[wait.projection]

    async def _input_partitions(self, topics: list[str]) -> list[Partition]:
        """The partitions of `topics`, from Kafka's metadata: asked again while one of the topics does not
        exist yet (a table's topic appears with its first change, which a write may be) and at least every
        `METADATA_MAX_AGE_S` (partitions added to a topic), otherwise remembered (all topics' metadata is
        the dearest request of the watch)."""
        key = tuple(topics)
        known, at = self._metadata.get(key, ([], float("-inf")))
        if {p.topic for p in known} != set(topics) or self._clock() - at >= METADATA_MAX_AGE_S:
            known = await self._bounded(self._offsets.partitions(topics), "Kafka did not answer in time")
            self._metadata[key] = (known, self._clock())
        return known

    async def _bounded(self, call: Awaitable[T], reason: str) -> T:
        try:
            return await asyncio.wait_for(call, self._read_timeout_s)
        except TimeoutError:
            raise _Unanswered(reason) from None

    def _tell(self, wait: _Wait, reason: Callable[[], str]) -> None:
        wait.why = reason
        if self._on_wait is not None:
            self._on_wait(reason())

    def _fail_all(self, exc: Exception) -> None:
        for wait in self._pending():
            if isinstance(exc, _Unanswered):
                wait.why = partial(str, exc)  # the wait goes on until its deadline: the next round may answer
            else:  # Elasticsearch or Kafka unavailable (503), or a bug: the read gets it
                wait.done.set_exception(exc)

    def _expire(self) -> None:
        """Waits past their deadline by the watch's clock end (the caller's own timeout would too)."""
        now = self._clock()
        for wait in self._pending():
            if now >= wait.deadline:
                wait.done.set_result(False)


def _at_least(lsn: int | None, wanted: int) -> bool:
    return lsn is not None and lsn >= wanted


def _not_passed(wait: _Wait, newest: int | None) -> Callable[[], str]:
    return lambda: (
        f"projection '{wait.projection.name}' has applied source LSN "
        f"{'nothing' if newest is None else lsn_text(newest)}, the token needs {lsn_text(wait.lsn)}"
    )


def _behind(wait: _Wait, behind: dict[Partition, tuple[int | None, int]]) -> Callable[[], str]:
    return lambda: f"projection '{wait.projection.name}' is behind Kafka: {describe_lag(behind)}"
