"""Tables over Faust's real rocksdb store (rocksdict, no servers): partitions kept apart, prefix scans,
small options, and local data gone when the app starts."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pipelines.core.factory import create_app
from pipelines.core.settings import PipelineSettings
from pipelines.core.stores import BudgetedRocksDBOptions, discard_local_tables
from pipelines.core.tables import StateTable, in_partition, json_table
from pipelines.orders.records import ContributionState

ENTRY = ContributionState(lsn=1, ts_ms=1, revision=1, present=True, counted=True, total_cents=5, placed_at=None)


def write_locally(table, key, value, partition):
    """What ChangelogWrites does to the store, without the changelog send (no Kafka here)."""
    with in_partition(partition):
        table.data[key] = value


@pytest.fixture
def app(tmp_path):
    settings = PipelineSettings(pipeline_data_dir=tmp_path, pipeline_table_store="rocksdb://",
                                pipeline_rocksdb_write_buffer_bytes=8 << 20,
                                pipeline_rocksdb_memtable_budget_bytes=3 << 20,
                                pipeline_rocksdb_block_cache_bytes=1 << 20)
    return create_app(settings)


def test_every_db_takes_the_settings_options_and_all_share_one_budget(app):
    tables = [StateTable(json_table(app, name, 4, "test"), write_locally) for name in ("t", "u")]
    options = tables[0].table.data.rocksdb_options
    assert isinstance(options, BudgetedRocksDBOptions) and options.budget is app.rocksdb_budget
    assert (options.use_rocksdict, options.write_buffer_size, options.max_write_buffer_number) == (True, 8 << 20, 2)
    cache, memtables = app.rocksdb_budget.shared()
    assert (memtables.get_buffer_size(), memtables.get_usage()) == (3 << 20, 0)
    for state in tables:
        for partition in range(4):
            state.put(f"totals/{partition}", ENTRY, partition)
    assert memtables.get_usage() > 0  # what the 8 DBs' memtables hold counts against the one budget
    for partition in range(4):  # 16 MB into 8 MB memtables per DB: they would hold it all without the budget
        for i in range(4000):
            tables[0].put(f"big/{i}", ["x" * 1000], partition)
    assert memtables.get_usage() < 10 << 20  # a soft limit: each DB keeps a memtable (7 MB here; 16 MB unshared)


def test_each_partition_is_its_own_db_and_a_scan_seeks_its_prefix_in_one(app):
    state = StateTable(json_table(app, "t", 4, "test"), write_locally)
    for key, partition in [("contribution/5/1", 1), ("contribution/5/2", 1), ("contribution/55/3", 1),
                           ("contribution/5", 1), ("totals/5", 1), ('contribution/"5"/4', 1),
                           ("contribution/5/9", 2)]:
        state.put(key, ENTRY, partition)
    assert [key for key, _ in state.scan("contribution/5/", ContributionState, 1)] == [
        "contribution/5/1", "contribution/5/2"]
    assert [key for key, _ in state.scan('contribution/"5"/', ContributionState, 1)] == ['contribution/"5"/4']
    assert state.get("contribution/5/9", ContributionState, 2) == ENTRY
    assert state.get("contribution/5/9", ContributionState, 1) is None
    assert sorted(p.name for p in Path(app.conf.tabledir).glob("*.db")) == ["t-1.db", "t-2.db"]


def test_starting_the_app_deletes_the_local_table_data_before_any_table_opens(app):
    state = StateTable(json_table(app, "t", 4, "test"), write_locally)
    state.put("totals/5", ENTRY, 0)
    assert any(Path(app.conf.tabledir).glob("*.db"))
    asyncio.run(app.on_first_start())  # what the worker runs first; its tables open their stores after it
    assert not any(Path(app.conf.tabledir).glob("*.db"))


def test_only_a_faust_table_directory_is_ever_deleted(tmp_path):
    assert discard_local_tables(tmp_path / "v1" / "tables") is False
    with pytest.raises(ValueError):
        discard_local_tables(tmp_path)
    assert tmp_path.exists()
