"""The worker's local table store: one memory budget for all its RocksDBs, and local state kept only after a
clean stop.

Why the local table data is deleted after a crash (crash safety). The projections are crash-safe
because, after a SIGKILL, the restored state of a table is a *prefix* of the writes made to it: it is
rebuilt from the table's changelog, and a changelog partition keeps its writes in order (see
pipelines/products/tables.py and pipelines/orders/customer_state.py). A local RocksDB kept across a
crash breaks that. A write reaches the local DB before its changelog send is acknowledged, so the DB
can hold writes the changelog never got; Faust's recovery then replays the changelog from the offset
persisted in the DB *over* that, and the worker carries on from a state the changelog cannot
reproduce. The lost writes are never sent again (a redelivered change finds them locally and writes
nothing), so whoever rebuilds from the changelog later (this worker after losing its disk, another one
after a rebalance) gets a mix that is no prefix. For example, customer totals that counted an order's
contribution survive while the contribution's own entry is lost: the orders stage re-sends that
contribution on a replay, and it is counted twice.
So after a crash every table is rebuilt from its changelog, as with the memory store, and RocksDB only
keeps the state out of the Python heap. After a clean stop the local data is kept, and each table's
recovery reads its changelogs only from the offsets persisted with it: a stop is clean when the worker
sealed its local state (pipelines/core/tables.py `LocalWrites`) with every local write acknowledged by
Kafka, and marked the table directory so, after the stores were closed. A start removes the mark before
any table opens, so a later crash cannot pass for clean. The mark also holds the changelog offsets the data
was persisted at, and a start adds the offset every partition DB on disk records (partitions only recovered,
or lost in a rebalance, included): if a changelog no longer reaches them (its topic was deleted and created
again, or Kafka's data was), the local data describes another history and is deleted. (Rebuilding everything
took 1-5 minutes at every restart here: the changelogs hold every key's writes since their last compaction.)
(docs/adr/0004-local-rocksdb-kept-only-after-clean-stop.md)
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import faust
from faust.stores.rocksdb import RocksDBOptions, Store as RocksDBStore

log = logging.getLogger(__name__)


@dataclass
class RocksDBBudget:
    """One block cache and one memtable budget that every RocksDB of the worker shares.

    There is one DB per table per partition (7 tables x the topic partitions), and Faust's options are per
    DB (64 MiB write buffers x 3 and a 2 GiB block cache each): memory would grow with the number of
    DBs. Shared, RocksDB bounds the sum instead (its WriteBufferManager flushes the DB being written
    once all memtables together pass the budget)."""

    block_cache_bytes: int
    memtable_bytes: int
    _shared: tuple[Any, Any] | None = field(default=None, repr=False)

    def shared(self) -> tuple[Any, Any]:
        """(rocksdict.Cache, rocksdict.WriteBufferManager), made on first use: memory:// never imports rocksdict."""
        if self._shared is None:
            import rocksdict

            self._shared = (
                rocksdict.Cache(self.block_cache_bytes),
                rocksdict.WriteBufferManager(self.memtable_bytes, False),
            )  # flush, never stall writers
        return self._shared


class BudgetedRocksDBOptions(RocksDBOptions):
    """Faust's RocksDB options (rocksdict), with the block cache and memtable budget of a RocksDBBudget."""

    def __init__(self, budget: RocksDBBudget, **options: Any) -> None:
        super().__init__(**options)
        self.budget = budget

    def as_options(self) -> Any:
        import rocksdict

        options = super().as_options()  # its table factory has a cache of its own: replaced here
        cache, memtables = self.budget.shared()
        table_factory = rocksdict.BlockBasedOptions()
        table_factory.set_bloom_filter(self.bloom_filter_size, True)
        table_factory.set_block_cache(cache)
        table_factory.set_index_type(rocksdict.BlockBasedIndexType.binary_search())
        options.set_block_based_table_factory(table_factory)
        options.set_write_buffer_manager(memtables)
        return options


class BudgetedTable(faust.Table):
    """A Faust table whose rocksdb store uses its app's RocksDBBudget (`app.rocksdb_budget`)."""

    def _new_store_by_url(self, url: Any) -> Any:
        store = super()._new_store_by_url(url)
        budget = getattr(self.app, "rocksdb_budget", None)
        if budget is not None and getattr(store, "use_rocksdict", False):  # a rocksdb store over rocksdict
            rocks = cast(RocksDBStore, store)
            assert rocks.options is not None  # the rocksdb store holds `options or {}`
            # The store opens its DBs later (on assignment), with whatever options it holds then.
            rocks.rocksdb_options = BudgetedRocksDBOptions(budget, **rocks.options, use_rocksdict=rocks.use_rocksdict)
        return store


def rocksdb_options(write_buffer_bytes: int, write_buffers: int) -> dict[str, Any]:
    """The `options` of every table, which Faust's rocksdb store turns into its RocksDBOptions: when a DB
    switches to a new memtable, and how many it may hold. The cache and memtable total are the budget's."""
    return {
        "write_buffer_size": write_buffer_bytes,
        "max_write_buffer_number": write_buffers,
        "block_cache_size": 64 * 1024,
    }  # the cache Faust makes per DB, unused: BudgetedRocksDBOptions


CLEAN_STOP = ".clean-stop"  # in the table directory: its data holds nothing the changelogs lack


def _checked(tabledir: Path) -> Path:
    # Only Faust's own table directory (`<datadir>/v<N>/tables`, app.conf.tabledir) is accepted, so a
    # misconfigured data directory cannot take anything else with it.
    if tabledir.name != "tables":
        raise ValueError(f"refusing to manage {tabledir}: not a Faust table directory")
    return tabledir


def clean_stop_offsets(tabledir: Path) -> dict[str, int] | None:
    """The changelog offsets the local table data was persisted at, if its last stop was clean; else None."""
    mark = _checked(tabledir) / CLEAN_STOP
    if not mark.exists():
        return None
    try:
        return {str(k): int(v) for k, v in json.loads(mark.read_text() or "{}").items()}
    except (ValueError, AttributeError):
        return None  # unreadable: not a mark this worker wrote


def prepare_local_tables(tabledir: Path, keep: bool, why: str = "no clean stop") -> str:
    """Keep the worker's local table data (after a clean stop whose changelogs still hold what it was
    persisted at), delete it otherwise (see the module's docstring): "kept", "deleted", or "none". Call it
    before any table opens its store."""
    tabledir = _checked(tabledir)
    if not tabledir.exists():
        return "none"
    (tabledir / CLEAN_STOP).unlink(missing_ok=True)  # from now on this data may hold unacknowledged writes
    if keep:
        log.info(
            "kept the local table data in %s (a clean stop): recovery reads the changelogs from the "
            "offsets persisted with it",
            tabledir,
        )
        return "kept"
    shutil.rmtree(tabledir)
    log.info("deleted the local table data in %s (%s): every table is rebuilt from its changelog", tabledir, why)
    return "deleted"


FAUST_OFFSET_KEY = b"__faust\0offset__"  # faust.stores.rocksdb.Store.offset_key


def persisted_offsets(tabledir: Path, changelog_of: Callable[[str], str]) -> dict[str, int]:
    """ "<changelog topic>/<partition>" -> the offset the data of each partition DB in `tabledir` was persisted
    at (Faust's own record, which a recovery reads on from; `changelog_of(table name)`). Every DB on disk
    counts: also those of partitions this worker only recovered, or lost in a rebalance and may get back."""
    found: dict[str, int] = {}
    dbs = sorted(_checked(tabledir).glob("*-*.db")) if tabledir.exists() else []
    if not dbs:
        return found
    from rocksdict import AccessType, Options, Rdict

    for path in dbs:
        table, partition = path.name[: -len(".db")].rsplit("-", 1)
        if not partition.isdigit():
            continue
        db = Rdict(str(path), options=Options(raw_mode=True), access_type=AccessType.read_only())
        try:
            offset = db.get(FAUST_OFFSET_KEY)
        finally:
            db.close()
        if offset is not None:
            found[f"{changelog_of(table)}/{partition}"] = int(offset)
    return found


def newest_offsets(*recorded: dict[str, int]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for offsets in recorded:
        for key, offset in offsets.items():
            merged[key] = max(offset, merged.get(key, offset))
    return merged


def mark_clean_stop(tabledir: Path, offsets: dict[str, int]) -> None:
    """Record that the local table data holds nothing its changelogs lack (once the stores are closed), and
    the changelog offsets it was persisted at: a start checks the changelogs still reach them."""
    tabledir = _checked(tabledir)
    if tabledir.exists():
        (tabledir / CLEAN_STOP).write_text(json.dumps(offsets, sort_keys=True))


async def changelogs_reach(bootstrap: str, offsets: dict[str, int], timeout_s: float = 30.0) -> bool:
    """Whether every "<topic>/<partition>" still has a record at `offset` or later (its end offset is past
    it). False when a topic or partition is gone, or Kafka cannot tell within `timeout_s`."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    if not offsets:
        return True

    def partition_of(key: str) -> TopicPartition:
        topic, partition = key.rsplit("/", 1)
        return TopicPartition(topic, int(partition))

    wanted = {partition_of(key): offset for key, offset in offsets.items()}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000))
    try:
        await asyncio.wait_for(consumer.start(), timeout_s)
        existing = await asyncio.wait_for(consumer.topics(), timeout_s)
        if any(tp.topic not in existing for tp in wanted):
            return False
        ends = await asyncio.wait_for(consumer.end_offsets(list(wanted)), timeout_s)
    except Exception as exc:  # no answer: keeping state Kafka cannot vouch for is the risk not to take
        log.warning("could not compare the local table data with its changelogs: %r", exc)
        return False
    finally:
        await consumer.stop()
    return all(ends.get(tp, -1) > offset for tp, offset in wanted.items())
