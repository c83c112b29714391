"""A table that behaves like Faust's rocksdb store where it matters: one map per partition, chosen by the
current event, so a read or write made "as" the wrong partition (or as none) shows up in a unit test."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from faust.streams import current_event


class PartitionedTable(MutableMapping):
    def __init__(self) -> None:
        self.partitions: dict[int, dict[str, Any]] = {}

    @staticmethod
    def _partition() -> int:
        event = current_event()
        if event is None:  # the rocksdb store would search every partition; no code of ours should rely on that
            raise AssertionError("table access with no current event: name the partition")
        return event.message.partition

    def __getitem__(self, key: str) -> Any:
        return self.partitions.get(self._partition(), {})[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.partitions.setdefault(self._partition(), {})[key] = value

    def __delitem__(self, key: str) -> None:
        del self.partitions.get(self._partition(), {})[key]

    def __iter__(self) -> Iterator[str]:  # like the store's iteration: every (active) partition
        for data in list(self.partitions.values()):
            yield from list(data)

    def __len__(self) -> int:
        return sum(len(data) for data in self.partitions.values())

    def items(self) -> Any:
        return [(key, value) for data in self.partitions.values() for key, value in data.items()]
