from aiokafka import TopicPartition

from pipelines.core.purge import purge_points


def test_only_internal_partitions_with_a_commit_are_cut_below_it():
    committed = {
        TopicPartition("orders-changes", 0): 120,
        TopicPartition("orders-changes", 1): 0,
        TopicPartition("readside.public.orders", 0): 999,
    }
    assert purge_points(committed, {"orders-changes"}) == {TopicPartition("orders-changes", 0): 120}
