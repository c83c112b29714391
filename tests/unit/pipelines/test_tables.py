"""Table reads and writes name their partition, as a rocksdb store (one DB per partition) needs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from pipelines.core.tables import StateTable
from pipelines.orders.records import ContributionState
from pipelines.runtime.tables import ChangelogWrites, acting_for, in_partition, one_by_one
from tests.unit.pipelines.partitioned import PartitionedTable
from tests.unit.pipelines.recorded import Event, Message, routed, state

NOW = datetime(2026, 1, 1, tzinfo=UTC)
STORY = [
    "products.update",
    "inventory.create",
    "inventory.update",
    "orders.create",
    "order_items.create",
    "order_items.create_line2",
    "order_items.update",
    "orders.update",
]


class FakeTopic:
    """What ChangelogWrites uses of a table's changelog topic: its name and its serializers."""

    def get_topic_name(self) -> str:
        return "state-changelog"

    def prepare_key(self, key, serializer):
        return key, None

    def prepare_value(self, value, serializer):
        return value, None


class FakeTable:
    """What ChangelogWrites uses of a Faust table: its store and its changelog topic."""

    key_serializer = value_serializer = "json"

    def __init__(self) -> None:
        self.data, self.changelog_topic = PartitionedTable(), FakeTopic()


def test_a_changelog_write_lands_in_the_local_partition_it_is_sent_to_whatever_the_current_event():
    sent = []

    async def send(topic, key, value, partition, timestamp, headers):
        sent.append((partition, key))
        ack = asyncio.get_running_loop().create_future()
        ack.set_result(None)
        return ack

    async def scenario():
        table, writes = FakeTable(), ChangelogWrites(one_by_one(send))
        with acting_for(Event(Message("changes", 1, 0, None, None))):  # a batch's last event, of another partition
            writes(table, "order/6", {"n": 1}, 2)
        await writes.durable()
        return table

    table = asyncio.run(scenario())
    assert sent == [(2, "order/6")]
    assert dict(table.data.partitions) == {2: {"order/6": {"n": 1}}}


def test_products_over_partition_separated_tables_give_the_documents_of_plain_dicts():
    plain, separated = state(), state(table=PartitionedTable)
    for name in STORY:
        for partition, change in routed(name):
            assert plain.apply(change, partition) == separated.apply(change, partition)
    for product_id in range(8):
        assert plain.document(product_id, NOW) == separated.document(product_id, NOW)
    assert separated.document(3, NOW) is not None  # the story's product, held by partition 3 only
    assert set(separated.tables.product_row_by_id.partitions) == {3}


def test_a_scan_finds_its_prefix_and_reads_need_no_current_event():
    table = StateTable(PartitionedTable())
    entry = ContributionState(lsn=1, ts_ms=1, revision=1, present=True, counted=True, total_cents=5, placed_at=None)
    table.put("contribution/5/1", entry, 1)
    table.put("contribution/5/2", entry, 1)
    table.put("contribution/55/3", entry, 1)
    table.put("totals/5", entry, 1)
    assert [key for key, _ in table.scan("contribution/5/", ContributionState, 1)] == [
        "contribution/5/1",
        "contribution/5/2",
    ]
    table.put("contribution/6/9", entry, 2)
    assert table.get("contribution/6/9", ContributionState, 2) == entry
    assert table.get("contribution/6/9", ContributionState, 1) is None
    with in_partition(0):  # nested scopes unwind to the outer one
        with in_partition(3):
            pass
        table.table["x"] = 1
    assert table.table.partitions[0] == {"x": 1}


class Metadata:  # what aiokafka acknowledges a record batch with (the batch's first offset)
    def __init__(self, topic, partition, offset) -> None:
        self.topic, self.partition, self.offset = topic, partition, offset


class DB(dict):
    def put(self, key, value):
        self[key] = value


class RocksStore(dict):
    """What ChangelogWrites uses of faust's rocksdb store: one DB per partition, and persisted offsets."""

    def __init__(self) -> None:
        super().__init__()
        self.persisted: dict[int, int] = {}
        self._key_index: dict = {}

    def _db_for_partition(self, partition):
        return self.setdefault(partition, DB())

    def set_persisted_offset(self, tp, offset):
        self.persisted[tp.partition] = offset


def test_acknowledged_writes_move_the_persisted_offset_and_a_sealed_state_takes_no_write():
    import pytest

    from pipelines.runtime.tables import LocalStateSealed, LocalWrites

    ends = {1: 40, 2: 7}

    async def send_records(topic, partition, records):
        ack = asyncio.get_running_loop().create_future()
        ack.set_result(Metadata(topic, partition, ends[partition]))
        return [ack]

    async def scenario():
        table, ledger = FakeTable(), LocalWrites()
        table.data = RocksStore()
        writes = ChangelogWrites(send_records, ledger)
        writes(table, "units/5", b'{"total":1}', 1)
        writes(table, "units/6", b'{"total":2}', 2)
        assert ledger.unacknowledged == 2 and table.data.persisted == {}  # in the local DB, not yet in Kafka
        await writes.durable()
        return table, ledger, writes

    table, ledger, writes = asyncio.run(scenario())
    assert ledger.unacknowledged == 0 and table.data.persisted == {1: 40, 2: 7}
    assert ledger.offsets == {"state-changelog/1": 40, "state-changelog/2": 7}  # what a clean stop's mark holds
    assert ledger.seal()  # every write acknowledged: a clean stop
    with pytest.raises(LocalStateSealed):
        writes(table, "units/5", b'{"total":3}', 1)
    assert table.data[1][b'"units/5"'] == b'{"total":1}'  # the refused write never reached the local DB


def test_a_stop_with_a_write_not_acknowledged_is_not_clean():
    from pipelines.runtime.tables import LocalWrites

    ledger = LocalWrites()
    ledger.wrote(3)
    ledger.acknowledged(2)
    assert not ledger.seal()
