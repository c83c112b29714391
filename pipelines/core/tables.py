"""Table writes whose durability a batch can await, sent to the changelog partition the caller names."""
from __future__ import annotations

import asyncio
import weakref
from contextlib import contextmanager
from typing import Any, Callable, Iterator, MutableMapping, TypeVar

import faust
from faust.streams import _current_event  # the context variable Faust's stores read
from pydantic import BaseModel

# Why not `table[key] = value` and `app.producer.flush()`:
# 1. Faust sends a table write to the changelog partition of the *current event*, and
#    batching (pipelines/core/batching.py) leaves the batch's last event current: writes of a batch that mixes
#    partitions would land in one partition's changelog, and a restart or rebalance would then
#    recover those keys into the wrong partition.
# 2. Changelog writes wait in Faust's ProducerBuffer, whose flush() gives up after 0.1 s without a
#    send (faust/transport/producer.py flush_atmost) and so does not prove they were sent. Faust
#    calls that flush before committing offsets. Awaiting each write's own future does prove it.


class ChangelogWrites:
    """Writes values into Faust tables and remembers each changelog send until `durable()` is awaited."""

    def __init__(self) -> None:
        self._pending: list[Any] = []

    def __call__(self, table: Any, key: str, value: Any, partition: int) -> None:
        table.data[key] = value  # what Table.__setitem__ does, minus its implicit changelog send
        self._pending.append(table.send_changelog(partition, key, value))

    async def durable(self) -> None:
        """Return once every write so far is acknowledged by Kafka (raises if one failed)."""
        pending, self._pending = self._pending, []
        if pending:
            await asyncio.gather(*pending)


@contextmanager
def acting_for(event: Any) -> Iterator[None]:
    """Make `event` the current one while its table reads run (a rocksdb store picks its partition so)."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


Table = MutableMapping[str, Any]
Write = Callable[[Table, str, Any, int], None]  # (table, key, JSON-able value, changelog partition)


def write_in_memory(table: Table, key: str, value: Any, partition: int) -> None:
    """The write for plain dicts (unit tests); the agents pass a ChangelogWrites."""
    table[key] = value


def json_table(app: Any, name: str, partitions: int, help_: str) -> Table:
    """Declare a changelog-backed Faust table of JSON keys and values, `partitions` partitions."""
    # JSON both ways (the app's default is raw bytes); no value_type: recovery would call dict.from_data.
    return app.Table(name, partitions=partitions, help=help_,
                     schema=faust.Schema(key_serializer="json", value_serializer="json"))


M = TypeVar("M", bound=BaseModel)


class StateTable:
    """Typed reads and writes of one table: values are pydantic models (or lists) stored as JSON."""

    def __init__(self, table: Table, write: Write = write_in_memory) -> None:
        self.table = table
        self._write = write

    def get(self, key: str, model: type[M]) -> M | None:
        raw = self.table.get(key)
        return None if raw is None else model.model_validate(raw)

    def scan(self, prefix: str, model: type[M]) -> list[tuple[str, M]]:
        """Every (key, value) whose key starts with `prefix`: a walk over the whole table, for rare cases."""
        return [(key, model.model_validate(raw)) for key, raw in list(self.table.items()) if key.startswith(prefix)]

    def get_list(self, key: str) -> list:
        return list(self.table.get(key) or ())

    def put(self, key: str, value: BaseModel | list, partition: int) -> None:
        data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        self._write(self.table, key, data, partition)
