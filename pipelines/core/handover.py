"""Handing a projection over from a direct backfill to the stream, without losing or regressing a change.

A backfill (infra/backfill) writes every document as Postgres had it at one WAL position L, with
version L. The stream meanwhile still has to fold every change up to L into the projection's tables
(later changes need that state), but must not index documents from state that lacks some of them: a
price change after L arriving before the product's stock row would index a document without its stock.
So the backfill talks to each partition of the projection's internal topic, in stream order:

1. `Floor(L)`, sent while the backfill holds a SHARE lock on the source tables, so it is ahead of every
   routed change newer than L. From here on the partition indexes nothing: changes up to L are in the
   backfill's documents, and the documents of newer ones wait until the partition's state is complete.
   It keeps folding every change into its tables. Its checkpoints claim no LSN past L meanwhile, so a
   consistency token newer than L waits (or answers 504), never reading a document not yet rebuilt.
   If a handover at L0 was still pending (its backfill died), they claim no LSN past L0 instead: the
   changes after L0 were folded but never indexed, and only this backfill's documents hold them, so
1b. `Indexed(L)`, sent once those documents are indexed, lets the checkpoints claim up to L.
2. `CaughtUp(L)`, sent once the projection's checkpoints show every source partition applied up to the
   offsets Kafka held when Debezium had passed L: the partition's state now holds every change up to L.
   It rebuilds every document whose state has a row newer than L, indexes them, and is live again.
   From then on only changes up to L (replays) index nothing.

The state per partition is one small record in a changelog-backed table. A backfill that dies between
the two steps leaves its partitions waiting; running it again starts a newer handover that replaces it,
while checkpoints stay capped at the first floor until the new run's documents are indexed (1b).
The gauge `readside_handover_pending_lsn` shows a waiting partition's L (0 once live), and `readside
status` names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel

from pipelines.core.progress import Progress
from pipelines.core.records import STATE
from pipelines.core.tables import StateTable
from pipelines.metrics import HANDOVER_PENDING

KEY = "handover"


class Floor(BaseModel):
    model_config = STATE
    kind: Literal["floor"] = "floor"
    lsn: int
    ts_ms: int


class CaughtUp(BaseModel):
    model_config = STATE
    kind: Literal["caught_up"] = "caught_up"
    lsn: int


class Indexed(BaseModel):
    """The backfill's documents at `lsn` are indexed: checkpoints may claim up to `lsn` (see 1b.)."""

    model_config = STATE
    kind: Literal["indexed"] = "indexed"
    lsn: int


class HandoverState(BaseModel):
    model_config = STATE
    lsn: int
    live: bool = False
    # What checkpoints may claim while pending: the floor of the first handover still pending. A newer floor
    # that replaces a pending one (the backfill died and runs again) does not raise it: the changes between
    # the two floors were folded but not indexed, and only the new backfill's documents will hold them.
    cap: int | None = None

    @property
    def cap_lsn(self) -> int:
        return self.lsn if self.cap is None else self.cap


# --- pure rules -------------------------------------------------------------------------------------
def after_floor(current: HandoverState | None, floor: Floor) -> HandoverState | None:
    """The state a floor leads to, or None when it is not newer than the handover held (a replay)."""
    if current is not None and floor.lsn <= current.lsn:
        return None
    if current is not None and not current.live:
        return HandoverState(lsn=floor.lsn, cap=current.cap_lsn)
    return HandoverState(lsn=floor.lsn)


def after_indexed(current: HandoverState | None, indexed: Indexed) -> HandoverState | None:
    """The state once the pending backfill's documents are indexed: its cap rises to its floor. None when it
    changes nothing (no pending handover for that floor, or the cap is there already)."""
    if current is None or current.live or indexed.lsn != current.lsn or current.cap_lsn >= current.lsn:
        return None
    return current.model_copy(update={"cap": None})


def goes_live(current: HandoverState | None, caught_up: CaughtUp) -> bool:
    """Whether `caught_up` ends the pending handover (not a replay, not one a newer backfill replaced)."""
    return current is not None and not current.live and caught_up.lsn == current.lsn


def indexes(current: HandoverState | None, lsn: int | None) -> bool:
    """Whether a change at `lsn` may index the documents it touches."""
    if current is None:
        return True
    return current.live and (lsn is None or lsn > current.lsn)


def capped(progress: Progress, current: HandoverState | None) -> Progress:
    """A checkpoint claims no LSN past a pending handover's floor (see 1. above; the first one still pending)."""
    if current is None or current.live or progress.lsn is None or progress.lsn <= current.cap_lsn:
        return progress
    return progress.model_copy(update={"lsn": current.cap_lsn})


# --- one projection's handover state, per partition of its internal topic ----------------------------
class Handover:
    """Applies the two messages and answers the rules above for a partition; reads are cached per batch."""

    def __init__(self, table: StateTable, projection: str) -> None:
        self._table = table
        self.projection = projection
        self._held: dict[int, HandoverState | None] = {}

    def begin_batch(self) -> None:
        self._held.clear()  # a rebalance may have moved a partition away and back since the last batch

    def state(self, partition: int) -> HandoverState | None:
        if partition not in self._held:
            self._remember(partition, self._table.get(KEY, HandoverState, partition))
        return self._held[partition]

    def receive(self, record: Any, partition: int) -> int | None:
        """Apply a Floor; for a CaughtUp that ends the handover, the floor LSN whose newer documents the
        caller must rebuild (then call `live`). None otherwise."""
        current = self.state(partition)
        if isinstance(record, Floor):
            new = after_floor(current, record)
            if new is not None:
                self._put(partition, new)
            return None
        if isinstance(record, Indexed):
            new = after_indexed(current, record)
            if new is not None:
                self._put(partition, new)
            return None
        if isinstance(record, CaughtUp) and goes_live(current, record):
            return record.lsn
        return None

    def live(self, partition: int) -> None:
        """Called once the rebuilt documents are indexed; the caller makes the write durable."""
        current = self.state(partition)
        if current is not None and not current.live:
            self._put(partition, current.model_copy(update={"live": True}))

    def indexes(self, partition: int, lsn: int | None) -> bool:
        return indexes(self.state(partition), lsn)

    def capped(self, progress: Mapping[Any, Progress]) -> dict[Any, Progress]:
        """Checkpoint parts keyed (via partition, topic, source partition), capped per via partition."""
        return {key: capped(value, self.state(key[0])) for key, value in progress.items()}

    def _put(self, partition: int, state: HandoverState) -> None:
        self._table.put(KEY, state, partition)
        self._remember(partition, state)

    def _remember(self, partition: int, state: HandoverState | None) -> None:
        self._held[partition] = state
        pending = state.lsn if state is not None and not state.live else 0
        HANDOVER_PENDING.labels(self.projection, str(partition)).set(pending)
