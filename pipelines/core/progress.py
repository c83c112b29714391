"""How far each source partition has been applied: marks sent downstream, folded per partition, combined.

A projection that re-keys its input cannot say "source partition P is applied up to offset O" from one
downstream partition: P's events spread over every downstream partition. So the router, after each
batch, sends a mark (P, O) to every downstream partition, behind the batch's changes. A downstream
partition that has applied everything up to a mark has applied all of P up to O that was routed to it.
P is applied up to O when every downstream partition says so: the minimum over them (`combine`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict


class SourceMark(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    topic: str
    partition: int
    offset: int  # the last offset of the source partition that the router handled
    lsn: int | None = None  # the newest source LSN among those events (None: only tombstones / poison)
    ts_ms: int | None = None


class SourceMarks(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["marks"] = "marks"
    marks: tuple[SourceMark, ...]


class Progress(BaseModel):
    """One downstream partition's (or, combined, the projection's) position in one source partition."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    offset: int
    lsn: int | None = None
    ts_ms: int | None = None


def marks_for(events: Iterable[tuple[str, int, int, int | None, int | None]]) -> list[SourceMark]:
    """(topic, partition, offset, lsn, ts_ms) of a routed batch -> one mark per source partition."""
    best: dict[tuple[str, int], SourceMark] = {}
    for topic, partition, offset, lsn, ts_ms in events:
        seen = best.get((topic, partition))
        if seen is not None:
            offset = max(offset, seen.offset)
            lsn = _max(lsn, seen.lsn)
            ts_ms = _max(ts_ms, seen.ts_ms)
        best[(topic, partition)] = SourceMark(topic=topic, partition=partition, offset=offset, lsn=lsn, ts_ms=ts_ms)
    return list(best.values())


def advance(current: Progress | None, mark: SourceMark) -> Progress:
    """Fold a mark in; never moves back, so a replayed (older) mark changes nothing."""
    if current is None:
        return Progress(offset=mark.offset, lsn=mark.lsn, ts_ms=mark.ts_ms)
    return Progress(
        offset=max(current.offset, mark.offset), lsn=_max(current.lsn, mark.lsn), ts_ms=_max(current.ts_ms, mark.ts_ms)
    )


def combine(parts: Sequence[Progress | None]) -> Progress | None:
    """The position every part has reached; None while any part has reported nothing.

    Each part's lsn only grows with its offset, so the minimum lsn belongs to the least advanced part:
    every event up to the combined offset is applied, and the combined lsn never overstates it.
    """
    if not parts or any(p is None for p in parts):
        return None
    known = [p for p in parts if p is not None]
    return Progress(
        offset=min(p.offset for p in known),
        lsn=_min_of_all([p.lsn for p in known]),
        ts_ms=_min_of_all([p.ts_ms for p in known]),
    )


def _min_of_all(values: list[int | None]) -> int | None:
    """The minimum, or None when any value is None."""
    present = [v for v in values if v is not None]
    return min(present) if len(present) == len(values) else None


def _max(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


class Positions:
    """How far each downstream partition has applied each source partition, from the marks it has seen.

    Soft state, kept in memory on purpose: marks carry absolute offsets and keep coming (the heartbeat
    topic alone makes a batch every 250 ms), so after a restart or a rebalance the next mark restores
    what was lost, and a checkpoint only ever under-states the truth meanwhile. Persisting every mark
    in a changelog cost more writes than the changes themselves and made recovery slow.
    """

    def __init__(self) -> None:
        self._held: dict[tuple, Progress] = {}

    def advance(self, key: tuple, mark: SourceMark) -> Progress:
        progress = advance(self._held.get(key), mark)
        self._held[key] = progress
        return progress

    def get(self, key: tuple) -> Progress | None:
        return self._held.get(key)

    def fold(self, partition: int, marks: Iterable[SourceMark]) -> dict[tuple[int, str, int], Progress]:
        """Fold one partition's marks in; the checkpoint parts (partition, topic, source partition) they move."""
        return {(partition, m.topic, m.partition): self.advance((partition, m.topic, m.partition), m) for m in marks}

    def fold_forwarded(
        self, partition: int, by_via: Mapping[int, Sequence[SourceMark]], upstream_partitions: int
    ) -> dict[tuple[int, str, int], Progress]:
        """Fold marks an upstream stage passed on (upstream partition -> marks). A source partition counts
        as applied here up to the offset every upstream partition has passed on (the minimum over them)."""
        for via, marks in by_via.items():
            for mark in marks:
                self.advance((partition, mark.topic, mark.partition, via), mark)
        parts = {}
        for marks in by_via.values():
            for mark in marks:
                source = (partition, mark.topic, mark.partition)
                combined = combine([self.get((*source, via)) for via in range(upstream_partitions)])
                if combined is not None:
                    parts[source] = combined
        return parts


class AppliedPosition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    topic: str
    partition: int
    offset: int  # the last offset of the source partition whose changes are indexed
    lsn: int | None = None


class ProgressReport(BaseModel):
    """What a projection tells the query side, on the progress topic, as soon as its positions move: the same
    figures its checkpoint documents hold (pipelines/core/checkpoints.py). Key: the projection's name; value:
    this model as JSON. A reader keeps the highest offset (and LSN) per source partition: every report is true
    when sent, a later one from another worker may be lower, and each is a lower bound of what is indexed."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    projection: str
    positions: tuple[AppliedPosition, ...]
