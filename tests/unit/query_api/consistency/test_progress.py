"""Judging a projection's progress from checkpoints and Kafka end offsets (pure)."""

from __future__ import annotations

from services.query_api.consistency.progress import (
    Checkpoint,
    Partition,
    checkpoint_id,
    describe_lag,
    lagging,
    newest_applied_lsn,
    offsets_to_reach,
)

HB0 = Partition("readside.public.debezium_heartbeat", 0)
P0 = Partition("readside.public.products", 0)
P1 = Partition("readside.public.products", 1)


def test_checkpoint_ids_follow_the_pipeline_contract():
    assert checkpoint_id("products", P1) == "products:readside.public.products:1"


def test_any_partition_past_the_lsn_proves_debezium_passed_it():
    seen = {P0: Checkpoint(4, 100), HB0: Checkpoint(9, 250)}
    assert newest_applied_lsn(seen) == 250
    assert newest_applied_lsn({}) is None
    assert newest_applied_lsn({P0: Checkpoint(3, None)}) is None


def test_empty_partitions_need_nothing():
    assert offsets_to_reach({P0: 0, P1: 5, HB0: 1}) == {P1: 4, HB0: 0}


def test_lagging_lists_partitions_below_their_target():
    targets = {P0: 10, P1: 4, HB0: 0}
    seen = {P0: Checkpoint(9, 1), P1: Checkpoint(4, 1)}
    assert lagging(seen, targets) == {P0: (9, 10), HB0: (None, 0)}
    assert lagging({**seen, P0: Checkpoint(12, 1), HB0: Checkpoint(0, 1)}, targets) == {}


def test_lag_description_is_short():
    behind = {Partition("t", n): (None, n) for n in range(5)}
    text = describe_lag(behind)
    assert "t[0] applied nothing of 0" in text and "and 2 more" in text


def test_a_partition_past_the_token_lsn_needs_no_offset():
    # P0 applied an event at LSN 1200 (a transaction committed after the write): everything the write
    # put in P0 came before it, whatever Kafka holds beyond. P1 only reached LSN 900: offsets decide.
    targets = {P0: 20, P1: 7}
    seen = {P0: Checkpoint(12, 1200), P1: Checkpoint(6, 900)}
    assert lagging(seen, targets, lsn=1000) == {P1: (6, 7)}
    assert lagging(seen, targets) == {P0: (12, 20), P1: (6, 7)}
