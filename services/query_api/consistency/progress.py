"""Pure judgement of a projection's progress: has it passed an LSN, and which inputs lag."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Partition:
    """One Kafka partition of one input topic."""

    topic: str
    partition: int

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]"


@dataclass(frozen=True)
class Checkpoint:
    """What the projection recorded for one partition: last applied offset, max applied LSN."""

    offset: int | None
    lsn: int | None


def checkpoint_id(projection: str, partition: Partition) -> str:
    """The checkpoint document id the pipeline writes: `<projection>:<topic>:<partition>`."""
    return f"{projection}:{partition.topic}:{partition.partition}"


def newest_applied_lsn(checkpoints: Mapping[Partition, Checkpoint]) -> int | None:
    """The highest source LSN applied on any input partition (None if none recorded one)."""
    lsns = [c.lsn for c in checkpoints.values() if c.lsn is not None]
    return max(lsns) if lsns else None


def offsets_to_reach(end_offsets: Mapping[Partition, int]) -> dict[Partition, int]:
    """Per partition, the last offset that must be applied (end offset − 1); empty partitions
    hold nothing that could be the write, so they need nothing."""
    return {p: end - 1 for p, end in end_offsets.items() if end > 0}


def lagging(
    checkpoints: Mapping[Partition, Checkpoint], targets: Mapping[Partition, int], lsn: int | None = None
) -> dict[Partition, tuple[int | None, int]]:
    """Partitions still behind: {partition: (applied, target)}. A partition is done when its applied
    offset reached the target, or when it applied an event at or past `lsn` (the token's): a
    partition holds its events in commit order, and that event's transaction committed after the
    write, so whatever the write put in this partition came before it."""
    behind: dict[Partition, tuple[int | None, int]] = {}
    for partition, target in targets.items():
        seen = checkpoints.get(partition, Checkpoint(None, None))
        if lsn is not None and seen.lsn is not None and seen.lsn >= lsn:
            continue
        if seen.offset is None or seen.offset < target:
            behind[partition] = (seen.offset, target)
    return behind


def describe_lag(behind: Mapping[Partition, tuple[int | None, int]], limit: int = 3) -> str:
    """A short human-readable account of what is still missing."""
    parts = [
        f"{p} applied {'nothing' if applied is None else applied} of {target}"
        for p, (applied, target) in sorted(behind.items())[:limit]
    ]
    more = len(behind) - limit
    return "; ".join(parts) + (f"; and {more} more partition(s)" if more > 0 else "")


def sorted_partitions(partitions: Iterable[Partition]) -> list[Partition]:
    return sorted(set(partitions))
