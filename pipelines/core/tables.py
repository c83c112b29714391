"""Typed reads and writes of a projection's state tables, each naming the partition it acts for (the Faust
side of it, changelog writes and rocksdb reads, is pipelines/runtime/tables.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any, TypeVar

from pydantic import BaseModel

from pipelines.runtime.tables import in_partition, rocksdb_prefix, rocksdb_store, stored

Table = MutableMapping[str, Any]
M = TypeVar("M", bound=BaseModel)
Write = Callable[[Table, str, Any, int], None]  # (table, key, JSON bytes or value, changelog partition)


def read(table: Table, key: str, partition: int) -> Any:
    """The value (decoded JSON) of `key` in partition `partition` of `table`, or None."""
    store = rocksdb_store(table)
    if store is not None:
        raw = stored(store, key, partition)
        return None if raw is None else json.loads(raw)
    with in_partition(partition):
        return table.get(key)


def read_model(table: Table, key: str, model: type[M], partition: int) -> M | None:
    """The value of `key` in partition `partition` of `table` as a `model`, or None."""
    store = rocksdb_store(table)
    if store is not None:
        raw = stored(store, key, partition)
        return None if raw is None else model.model_validate_json(raw)
    raw = read(table, key, partition)
    return None if raw is None else model.model_validate(raw)


def dump_json(value: BaseModel | list) -> bytes:
    """A table value's stored bytes: a model as pydantic writes it, a list as compact JSON."""
    if isinstance(value, BaseModel):
        return value.model_dump_json().encode()
    return json.dumps(value, separators=(",", ":")).encode()


def write_in_memory(table: Table, key: str, value: Any, partition: int) -> None:
    """The write for plain dicts (unit tests); the agents pass a ChangelogWrites."""
    with in_partition(partition):
        table[key] = json.loads(value) if isinstance(value, bytes) else value


def scan(table: Table, prefix: str, partition: int) -> Iterable[tuple[str, Any]]:
    """Every (key, raw value) whose key starts with `prefix`, for prefixes whose keys share one partition:
    with rocksdb a seek in that partition's DB, otherwise a walk over the whole table (the memory store
    is one dict of every partition)."""
    store = rocksdb_store(table)
    if store is not None:
        return list(rocksdb_prefix(store, prefix, partition))
    with in_partition(partition):
        return [(key, raw) for key, raw in list(table.items()) if key.startswith(prefix)]


class StateTable:
    """Typed reads and writes of one table: values are pydantic models (or lists) stored as JSON."""

    def __init__(self, table: Table, write: Write = write_in_memory) -> None:
        self.table = table
        self._write = write

    def get(self, key: str, model: type[M], partition: int) -> M | None:
        return read_model(self.table, key, model, partition)

    def scan(self, prefix: str, model: type[M], partition: int) -> list[tuple[str, M]]:
        """Every (key, value) whose key starts with `prefix`, all of whose keys live in `partition` (see `scan`)."""
        return [(key, model.model_validate(raw)) for key, raw in scan(self.table, prefix, partition)]

    def keys(self, prefix: str, partition: int) -> list[str]:
        """Every key that starts with `prefix` (all of them in `partition`), without decoding a model."""
        return [key for key, _ in scan(self.table, prefix, partition)]

    def has(self, key: str, partition: int) -> bool:
        return read(self.table, key, partition) is not None

    def get_list(self, key: str, partition: int) -> list:
        return list(read(self.table, key, partition) or ())

    def put(self, key: str, value: BaseModel | list, partition: int) -> None:
        self._write(self.table, key, dump_json(value), partition)
