from pipelines.core.topics import partition_mismatches


def test_only_existing_topics_with_another_count_are_mismatches():
    wanted = {"a": 2, "b": 2, "c": 1, "new": 2}
    existing = {"a": 2, "b": 4, "c": 1, "other": 7}
    assert partition_mismatches(wanted, existing) == ["b: 4 partitions, settings say 2"]
    assert partition_mismatches(wanted, {}) == []
