"""The worker's local table store: RocksDB options sized for many small DBs, and local state discarded at start.

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
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def rocksdb_options(write_buffer_bytes: int, write_buffers: int, block_cache_bytes: int) -> dict[str, Any]:
    """The `options` of every table, which Faust's rocksdb store turns into RocksDBOptions.

    Faust's defaults (64 MiB write buffers x 3 and a 2 GiB block cache) are per DB, and there is one DB
    per table per partition: tens of DBs, each holding a few MB, in one worker."""
    return {"write_buffer_size": write_buffer_bytes, "max_write_buffer_number": write_buffers,
            "block_cache_size": block_cache_bytes}


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
