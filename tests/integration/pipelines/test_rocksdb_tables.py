"""Tables over Faust's real rocksdb store (rocksdict, no servers): partitions kept apart, prefix scans,
small options, and local data gone when the app starts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from faust.types import TP

from pipelines.core.tables import StateTable
from pipelines.orders.records import ContributionState
from pipelines.runtime.factory import create_app
from pipelines.runtime.stores import (
    CLEAN_STOP,
    BudgetedRocksDBOptions,
    changelogs_reach,
    clean_stop_offsets,
    mark_clean_stop,
    newest_offsets,
    persisted_offsets,
    prepare_local_tables,
)
from pipelines.runtime.tables import in_partition, json_table
from pipelines.settings import PipelineSettings
from tests.integration.pipelines.support import end_offsets

ENTRY = ContributionState(lsn=1, ts_ms=1, revision=1, present=True, counted=True, total_cents=5, placed_at=None)


def write_locally(table, key, value, partition):
    """What ChangelogWrites does to the store, without the changelog send (no Kafka here)."""
    with in_partition(partition):
        table.data[key] = value


@pytest.fixture
def app(tmp_path):
    settings = PipelineSettings(
        pipeline_data_dir=tmp_path,
        pipeline_table_store="rocksdb://",
        pipeline_rocksdb_write_buffer_bytes=8 << 20,
        pipeline_rocksdb_memtable_budget_bytes=3 << 20,
        pipeline_rocksdb_block_cache_bytes=1 << 20,
    )
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
    for key, partition in [
        ("contribution/5/1", 1),
        ("contribution/5/2", 1),
        ("contribution/55/3", 1),
        ("contribution/5", 1),
        ("totals/5", 1),
        ('contribution/"5"/4', 1),
        ("contribution/5/9", 2),
    ]:
        state.put(key, ENTRY, partition)
    assert [key for key, _ in state.scan("contribution/5/", ContributionState, 1)] == [
        "contribution/5/1",
        "contribution/5/2",
    ]
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


def test_after_a_clean_stop_the_local_table_data_is_kept_once(app):
    state = StateTable(json_table(app, "t", 4, "test"), write_locally)
    state.put("totals/5", ENTRY, 0)
    tabledir = Path(app.conf.tabledir)
    mark_clean_stop(tabledir, {})
    asyncio.run(app.on_first_start())
    assert any(tabledir.glob("*.db")) and not (tabledir / CLEAN_STOP).exists()  # a crash from now on is no clean stop
    assert clean_stop_offsets(tabledir) is None
    assert prepare_local_tables(tabledir, keep=False) == "deleted"


def test_kept_state_is_checked_against_what_its_changelogs_still_hold(stack):
    """A changelog whose end is not past the offset the local data was persisted at was deleted and created
    again (or Kafka's data was): that local data describes another history."""
    topic = "readside.public.debezium_heartbeat"  # a record a second, in one of its partitions
    ends = asyncio.run(end_offsets(stack.kafka_bootstrap, topic.__eq__))
    (_, partition), end = max(ends.items(), key=lambda item: item[1])
    assert end > 0

    def reach(offsets: dict[str, int]) -> bool:
        return asyncio.run(changelogs_reach(stack.kafka_bootstrap, offsets))

    assert reach({f"{topic}/{partition}": end - 1})
    assert not reach({f"{topic}/{partition}": end + 1000})
    assert not reach({"readside-no-such-changelog/0": 0})
    assert reach({})


def test_only_a_faust_table_directory_is_ever_deleted(tmp_path):
    assert prepare_local_tables(tmp_path / "v1" / "tables", keep=False) == "none"
    with pytest.raises(ValueError):
        prepare_local_tables(tmp_path, keep=False)
    with pytest.raises(ValueError):
        mark_clean_stop(tmp_path, {})
    assert tmp_path.exists()


def test_the_direct_db_path_writes_and_reads_the_bytes_faust_itself_reads_and_recovers(app):
    from pipelines.runtime.tables import ChangelogWrites, encode_key, in_partition, one_by_one

    sent = []

    async def send(topic, key, value, partition, timestamp, headers):
        sent.append((topic, key, value, partition))
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future

    writes = ChangelogWrites(one_by_one(send))
    state = StateTable(json_table(app, "t", 4, "test"), writes)
    store = state.table.data
    for key in ("totals/5", "contribution/ü/2", 'quoted/"x"'):
        assert encode_key(key) == store._encode_key(key)  # faust's own key bytes
    state.put("totals/5", ENTRY, 2)
    state.put("by_product/2/7", [3, 1], 2)
    assert state.get("totals/5", ContributionState, 2) == ENTRY and state.get_list("by_product/2/7", 2) == [3, 1]
    with in_partition(2):  # faust's read path finds the same values
        assert ContributionState.model_validate(state.table["totals/5"]) == ENTRY
        assert state.table["by_product/2/7"] == [3, 1]
    assert state.get("totals/5", ContributionState, 1) is None
    asyncio.run(writes.durable())
    (topic, key, value, partition), _ = sent
    assert (key, partition) == (store._encode_key("totals/5"), 2)
    assert store._decode_value(value) == ENTRY.model_dump(mode="json")  # what recovery puts back


def test_every_partition_db_on_disk_tells_the_offset_its_data_was_persisted_at(app):
    """Also partitions a worker only recovered (no write of its own recorded them): a start checks them all."""
    state = StateTable(json_table(app, "t", 4, "test"), write_locally)
    store = state.table.data
    for partition, offset in ((0, 41), (2, 7)):
        state.put("totals/5", ENTRY, partition)
        store.set_persisted_offset(TP("readside-test-t-changelog", partition), offset)
    state.put("totals/6", ENTRY, 3)  # written, never persisted with an offset
    tabledir = Path(app.conf.tabledir)
    assert persisted_offsets(tabledir, lambda table: f"readside-test-{table}-changelog") == {
        "readside-test-t-changelog/0": 41,
        "readside-test-t-changelog/2": 7,
    }
    assert newest_offsets({"a/0": 5, "b/1": 9}, {"a/0": 7, "c/2": 1}) == {"a/0": 7, "b/1": 9, "c/2": 1}


def test_a_start_checks_partitions_the_mark_does_not_name_against_their_changelogs(stack, tmp_path):
    app = create_app(
        PipelineSettings(
            pipeline_data_dir=tmp_path, pipeline_table_store="rocksdb://", kafka_bootstrap_servers=stack.kafka_bootstrap
        )
    )
    state = StateTable(json_table(app, "t", 4, "test"), write_locally)
    state.put("totals/5", ENTRY, 1)
    state.table.data.set_persisted_offset(TP(f"{app.conf.id}-t-changelog", 1), 12)
    tabledir = Path(app.conf.tabledir)
    mark_clean_stop(tabledir, {})  # a mark that names no partition: partition 1 was only recovered
    asyncio.run(app.on_first_start())  # and Kafka has no such changelog
    assert not any(tabledir.glob("*.db"))
