"""Faust table internals: writes whose durability a batch can await, sent to the changelog partition the
caller names, and reads of a rocksdb store's partition DB directly (faust/stores/rocksdb.py privates)."""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import faust
from faust.streams import _current_event  # the context variable Faust's stores read
from faust.types import TP as TopicPartition

# Why not `table[key] = value` and `app.producer.flush()`:
# 1. Faust sends a table write to the changelog partition of the *current event*, and a batch leaves
#    its last event current: writes of a batch that mixes partitions would land in one partition's
#    changelog, and a restart or rebalance would then recover those keys into the wrong partition.
# 2. Faust queues changelog writes in its ProducerBuffer, which one task drains a message at a time;
#    while more than 100 wait, its conductor stops handing *any* message to *any* stream
#    (faust/transport/producer.py wait_until_ebb, logged as "producer buffer full"). A batch of a few
#    hundred writes thus stalled every stage of the worker, the routers included. And that buffer's
#    flush() gives up after 0.1 s without a send, so it proves nothing.
# So a write goes to the local store at once, and to the changelog through the producer itself when the
# batch awaits `durable()`, in the order made, each send's acknowledgement awaited: the same bytes
# (the table's own serializers) as Faust's path, without its buffer.
# And why every read and write names its partition: a rocksdb store keeps one DB per partition and
# picks it by the current event's partition (faust/stores/rocksdb.py `_get`, `_set`). A read "as"
# another partition's event finds nothing there, where the memory store (one dict) would have found it.
# With rocksdb, values go to and come from the partition's DB directly, as the JSON bytes pydantic makes
# and parses: Faust's path (Mapping.get -> __contains__ + __getitem__, two DB lookups, its codec
# registry, json.loads, then model_validate) was a sixth of the worker's time under a backlog.
# (docs/adr/0011-table-writes-outside-faust-table-path.md)


def rocksdb_store(table: Any) -> Any | None:
    """The table's faust rocksdb store, or None (the memory store, or a plain dict in unit tests)."""
    store = getattr(table, "data", None)
    return store if hasattr(store, "_db_for_partition") else None


def encode_key(key: str) -> bytes:
    """A table key's bytes: what faust's "json" key serializer makes of a str (tested against it)."""
    return json.dumps(key).encode()


def stored(store: Any, key: str, partition: int) -> bytes | None:
    """The JSON bytes of `key` in the DB of `partition` of a rocksdb store."""
    return store._db_for_partition(partition).get(encode_key(key))


# (topic, partition, [(key, value), ...]) -> the acknowledgements to await, records sent in that order
SendRecords = Callable[[str, int, list[tuple[bytes, bytes]]], Awaitable[list[Awaitable[Any]]]]


def one_by_one(send: Callable[..., Any]) -> SendRecords:
    """Records sent one `send(topic, key, value, partition, timestamp, headers)` each (Faust's producer.send)."""

    async def send_records(topic: str, partition: int, records: list[tuple[bytes, bytes]]) -> list[Awaitable[Any]]:
        return [await send(topic, key, value, partition, None, None) for key, value in records]

    return send_records


def in_batches(producer: Callable[[], Any]) -> SendRecords:
    """Records sent as aiokafka record batches of `producer()` (one future per batch, not per record).

    Per-record sends were a tenth of the worker's time under a backlog: each is a future, a callback and
    an accumulator lookup. A batch keeps its records' order, and batches of one partition go in order."""

    async def send_records(topic: str, partition: int, records: list[tuple[bytes, bytes]]) -> list[Awaitable[Any]]:
        kafka = producer()
        acks: list[Awaitable[Any]] = []
        batch = kafka.create_batch()
        for key, value in records:
            if batch.append(key=key, value=value, timestamp=None) is None:  # full: send it, start the next
                acks.append(await kafka.send_batch(batch, topic, partition=partition))
                batch = kafka.create_batch()
                if batch.append(key=key, value=value, timestamp=None) is None:
                    raise ValueError(f"a record of {len(value)} bytes does not fit an empty batch of {topic}")
        if batch.record_count():
            acks.append(await kafka.send_batch(batch, topic, partition=partition))
        return acks

    return send_records


class LocalStateSealed(RuntimeError):
    """A table write after the worker's local state was sealed for a clean stop."""


class LocalWrites:
    """The worker's local table writes that Kafka has not acknowledged yet; sealed at a clean stop.

    The local RocksDB may be kept across a stop only if it holds nothing its changelogs lack
    (pipelines/runtime/stores.py). `seal()` says whether every write so far is acknowledged, and from then on
    a write raises instead of reaching the local store, so nothing can change what was judged."""

    def __init__(self) -> None:
        self.unacknowledged = 0
        self.sealed = False
        self.offsets: dict[str, int] = {}  # "<changelog topic>/<partition>" -> the offset persisted with it

    def persisted(self, topic: str, partition: int, offset: int) -> None:
        self.offsets[f"{topic}/{partition}"] = offset

    def wrote(self, count: int = 1) -> None:
        if self.sealed:
            raise LocalStateSealed("the worker is stopping: its local table state is sealed")
        self.unacknowledged += count

    def acknowledged(self, count: int) -> None:
        self.unacknowledged -= count

    def seal(self) -> bool:
        self.sealed = True
        return self.unacknowledged == 0


class ChangelogWrites:
    """Writes values into Faust tables; `durable()` sends them to their changelogs and awaits the acks.

    Once acknowledged, a rocksdb store's persisted offset for the changelog partition moves to the written
    offset, as Faust's own table path does: a recovery of that partition on this worker reads on from there."""

    def __init__(self, send_records: SendRecords, ledger: LocalWrites | None = None) -> None:
        self._send_records = send_records
        self._ledger = ledger if ledger is not None else LocalWrites()
        self._pending: list[tuple[str, Any, Any, int]] = []
        self._stores: dict[str, Any] = {}  # changelog topic -> its table's rocksdb store

    def __call__(self, table: Any, key: str, value: Any, partition: int) -> None:
        """`value`: JSON bytes, or a JSON-able value. The local store's partition is the changelog's."""
        self._ledger.wrote()
        topic = table.changelog_topic
        store = rocksdb_store(table)
        if store is not None and isinstance(value, bytes):
            raw_key = encode_key(key)
            store._db_for_partition(partition).put(raw_key, value)  # what the store's _set does
            store._key_index[raw_key] = partition
            raw_value = value
        else:
            if isinstance(value, bytes):
                value = json.loads(value)
            with in_partition(partition):
                table.data[key] = value  # what Table.__setitem__ does, minus its implicit changelog send
            raw_key, _ = topic.prepare_key(key, table.key_serializer)
            raw_value, _ = topic.prepare_value(value, table.value_serializer)
        name = topic.get_topic_name()
        self._stores[name] = store
        self._pending.append((name, raw_key, raw_value, partition))

    async def durable(self) -> None:
        """Return once every write so far is acknowledged by Kafka (raises if one failed).

        Each changelog partition gets its writes in the order they were made (crash safety rests on it);
        the order across partitions, which nothing relies on, is not kept."""
        pending, self._pending = self._pending, []
        by_partition: dict[tuple[str, int], list[tuple[bytes, bytes]]] = {}
        for topic, key, value, partition in pending:
            by_partition.setdefault((topic, partition), []).append((key, value))
        acks = []
        for (topic, partition), records in by_partition.items():
            acks.extend(await self._send_records(topic, partition, records))
        written = await asyncio.gather(*acks) if acks else []
        self._ledger.acknowledged(len(pending))
        self._persist_offsets(written)

    def _persist_offsets(self, written: list[Any]) -> None:
        newest: dict[tuple[str, int], int] = {}
        for metadata in written:  # RecordMetadata; of a record batch, it bears the batch's first offset
            offset = getattr(metadata, "offset", None)
            if offset is not None:
                where = (metadata.topic, metadata.partition)
                newest[where] = max(offset, newest.get(where, offset))
        for (topic, partition), offset in newest.items():
            store = self._stores.get(topic)
            if store is not None:  # an offset short of the last record only makes a recovery re-read it
                store.set_persisted_offset(TopicPartition(topic, partition), offset)
                self._ledger.persisted(topic, partition, offset)


@contextmanager
def acting_for(event: Any) -> Iterator[None]:
    """Make `event` the current one while its table reads run (a rocksdb store picks its partition so)."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


class _PartitionOnly:
    """A stand-in for the current event: a store reads nothing of it but `message.partition`."""

    __slots__ = ("message", "__weakref__")

    def __init__(self, partition: int) -> None:
        self.message = SimpleNamespace(partition=partition)


@contextmanager
def in_partition(partition: int) -> Iterator[None]:
    """Make table reads and writes inside use partition `partition` of the table."""
    with acting_for(_PartitionOnly(partition)):
        yield


def rocksdb_prefix(store: Any, prefix: str, partition: int) -> Iterator[tuple[str, Any]]:
    # A JSON string is '"', each character's escape, '"': the encoded prefix less its closing quote is a
    # byte prefix of every encoded key that starts with `prefix`, and RocksDB keeps keys in byte order.
    start = store._encode_key(prefix)[:-1]
    for key, raw in store._db_for_partition(partition).items(from_key=start):
        if not key.startswith(start):
            break
        yield store._decode_key(key), store._decode_value(raw)


def json_table(app: Any, name: str, partitions: int, help_: str) -> MutableMapping[str, Any]:
    """Declare a changelog-backed Faust table of JSON keys and values, `partitions` partitions."""
    # JSON both ways (the app's default is raw bytes); no value_type: recovery would call dict.from_data.
    # Each table gets its own copy of the store options: faust's rocksdb store pops keys off the dict.
    return app.Table(
        name,
        partitions=partitions,
        help=help_,
        options=dict(getattr(app, "table_options", {})),
        schema=faust.Schema(key_serializer="json", value_serializer="json"),
    )


def producer_batches(app: Any) -> SendRecords:
    """Records sent as record batches of the app's own aiokafka producer (`in_batches`)."""
    # once the app runs; `_ensure_producer` is faust's concrete Producer's, not on its ProducerT interface
    return in_batches(lambda: app.producer._ensure_producer())


def changelog_writes(app: Any, send: SendRecords | None = None) -> ChangelogWrites:
    """The table writes of a projection's batches, durable when the batch awaits them (ChangelogWrites);
    several projections may share one `send`."""
    return ChangelogWrites(send or producer_batches(app), app.local_writes)
