"""The worker's local table store: one memory budget for all its RocksDBs, and local state discarded at start.

Why the local table data is deleted at every start (crash safety). The projections are crash-safe
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
So every table is rebuilt from its changelog at start, as with the memory store, and RocksDB only
keeps the state out of the Python heap. Keeping the DB after a clean shutdown would need a proof that
every local write was acknowledged first (agents cancelled mid-batch, sends failing during shutdown),
which Faust's stop sequence does not give; the cost of not trying is a full replay at every start.
"""
from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faust
from faust.stores.rocksdb import RocksDBOptions

log = logging.getLogger(__name__)


@dataclass
class RocksDBBudget:
    """One block cache and one memtable budget that every RocksDB of the worker shares.

    There is one DB per table per partition (6 tables x 4 partitions here), and Faust's options are per
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

            self._shared = (rocksdict.Cache(self.block_cache_bytes),
                            rocksdict.WriteBufferManager(self.memtable_bytes, False))  # flush, never stall writers
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
            # The store opens its DBs later (on assignment), with whatever options it holds then.
            store.rocksdb_options = BudgetedRocksDBOptions(budget, **store.options,
                                                           use_rocksdict=store.use_rocksdict)
        return store


def rocksdb_options(write_buffer_bytes: int, write_buffers: int) -> dict[str, Any]:
    """The `options` of every table, which Faust's rocksdb store turns into its RocksDBOptions: when a DB
    switches to a new memtable, and how many it may hold. The cache and memtable total are the budget's."""
    return {"write_buffer_size": write_buffer_bytes, "max_write_buffer_number": write_buffers,
            "block_cache_size": 64 * 1024}  # the cache Faust makes per DB, unused: BudgetedRocksDBOptions


def discard_local_tables(tabledir: Path) -> bool:
    """Delete the worker's local table data (see the module's docstring); True if there was any.

    Call it before any table opens its store. Only Faust's own table directory (`<datadir>/v<N>/tables`,
    app.conf.tabledir) is accepted, so a misconfigured data directory cannot take anything else with it."""
    if tabledir.name != "tables":
        raise ValueError(f"refusing to delete {tabledir}: not a Faust table directory")
    if not tabledir.exists():
        return False
    shutil.rmtree(tabledir)
    log.info("deleted the local table data in %s: every table is rebuilt from its changelog", tabledir)
    return True
