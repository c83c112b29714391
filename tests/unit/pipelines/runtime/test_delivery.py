"""DeliveryGuard: what the consumer hands on around seeks, and holes in gap-free topics (plain data)."""

from __future__ import annotations

from pipelines.runtime.delivery import DELIVER, DeliveryGuard, Verdict, head_is_missing, in_holes

TP, OTHER = ("products-changes", 3), ("products-changes", 1)


def deliver_all(guard, tp, offsets, taken, topic="products-changes"):
    return [guard.admit(tp, topic, offset, taken) for offset in offsets]


def test_a_batch_fetched_before_recovery_seeks_back_is_not_delivered_over_the_reread():
    """The faust #596 path: records 2316.. were fetched from the old position while the partition was
    sought back to its committed 2301. Handing them on would move the read offset past 2301..2315."""
    guard = DeliveryGuard({"products-changes"})
    assert deliver_all(guard, TP, range(2290, 2301), guard.snapshot()) == [DELIVER] * 11
    taken = guard.snapshot()  # the fetch of 2316.. starts
    guard.sought({TP: 2301})  # recovery seeks to the committed offset meanwhile
    assert guard.admit(TP, "products-changes", 2316, taken) == Verdict(False, 2301, "stale")
    taken = guard.snapshot()  # the next fetch reads from 2301
    assert deliver_all(guard, TP, range(2301, 2320), taken) == [DELIVER] * 19


def test_a_fetch_that_already_read_from_the_new_position_is_delivered():
    guard = DeliveryGuard()
    taken = guard.snapshot()
    guard.sought({TP: 40})
    assert deliver_all(guard, TP, [40, 41, 42], taken) == [DELIVER] * 3


def test_seeks_of_one_partition_do_not_touch_another():
    guard = DeliveryGuard()
    guard.admit(OTHER, "t", 7, guard.snapshot())
    taken = guard.snapshot()
    guard.sought({TP: 5})
    assert guard.admit(OTHER, "t", 8, taken) == DELIVER


def test_a_stale_record_of_an_unknown_position_is_read_again_from_the_committed_offset():
    guard = DeliveryGuard()
    guard.admit(TP, "t", 10, guard.snapshot())
    taken = guard.snapshot()
    guard.forget({TP})  # revoked; when it comes back aiokafka starts from the committed offset
    assert guard.admit(TP, "t", 11, taken, committed=3) == Verdict(False, 3, "unknown")
    assert guard.admit(TP, "t", 3, guard.snapshot()) == DELIVER


def test_with_nothing_committed_a_record_of_an_unknown_position_is_read_again_from_the_beginning():
    """Seen in `make test-workers`: the first record of a partition (offset 0), fetched across a rebalance,
    was dropped without a seek; Faust, with nothing committed, then committed the offsets after it."""
    guard = DeliveryGuard()
    taken = guard.snapshot()
    guard.forget({TP})
    assert guard.admit(TP, "readside.public.orders", 0, taken) == Verdict(False, 0, "unknown")
    guard.sought({TP: 0})
    assert guard.admit(TP, "readside.public.orders", 0, guard.snapshot()) == DELIVER


def test_a_hole_in_a_gap_free_topic_is_read_again_once():
    guard = DeliveryGuard({"products-changes"})
    taken = guard.snapshot()
    deliver_all(guard, TP, range(0, 10), taken)
    assert guard.admit(TP, "products-changes", 15, taken) == Verdict(False, 10, "gap")
    guard.sought({TP: 10})
    assert deliver_all(guard, TP, range(10, 16), guard.snapshot()) == [DELIVER] * 6


def test_a_hole_that_is_really_on_the_broker_is_let_through_after_one_reread():
    guard = DeliveryGuard({"products-changes"})
    deliver_all(guard, TP, range(0, 10), guard.snapshot())
    assert guard.admit(TP, "products-changes", 15, guard.snapshot()).rewind_to == 10
    guard.sought({TP: 10})
    assert guard.admit(TP, "products-changes", 15, guard.snapshot()) == DELIVER  # retention removed 10..14
    assert in_holes(10, guard.gone[TP]) and in_holes(14, guard.gone[TP]) and not in_holes(15, guard.gone[TP])
    assert guard.admit(TP, "products-changes", 20, guard.snapshot()).rewind_to == 16  # a new hole: again


def test_holes_in_other_topics_are_theirs_to_have():
    """Debezium's topics are compacted: an offset jump there is normal, and kept so that a commit may pass it."""
    guard = DeliveryGuard({"products-changes"})
    deliver_all(guard, TP, range(0, 3), guard.snapshot(), topic="readside.public.products")
    assert guard.admit(TP, "readside.public.products", 9, guard.snapshot()) == DELIVER
    assert [range(3, 9)] == list(guard.gone[TP])
    guard.sought({TP: 20})  # after a seek to the committed offset 20, the broker's first record is 22
    assert guard.admit(TP, "readside.public.products", 22, guard.snapshot()) == DELIVER
    assert in_holes(20, guard.gone[TP]) and in_holes(21, guard.gone[TP]) and not in_holes(22, guard.gone[TP])
    guard.committed(TP, 23)  # passed: only holes past the commit are kept
    assert guard.gone[TP] == []


def test_a_redelivered_record_does_not_move_the_expected_offset_back():
    guard = DeliveryGuard({"products-changes"})
    deliver_all(guard, TP, range(0, 10), guard.snapshot())
    assert guard.admit(TP, "products-changes", 4, guard.snapshot()) == DELIVER  # faust drops it below
    assert guard.admit(TP, "products-changes", 10, guard.snapshot()) == DELIVER


class Msg:  # what HandledAcks reads of a faust Message (which, like this, can be weakly referenced)
    def __init__(self, topic: str, offset: int) -> None:
        self.topic, self.offset = topic, offset


def test_only_the_acks_of_handled_messages_of_batched_topics_count():
    from pipelines.runtime.delivery import HandledAcks

    acks = HandledAcks({"products-changes"})
    handled, skipped, elsewhere = Msg("products-changes", 125), Msg("products-changes", 126), Msg("other", 3)
    acks.handled(handled)
    assert acks.counts(handled)
    assert not acks.counts(skipped)  # Faust skipped it (an earlier generation) and acks it: that must not count
    assert acks.counts(elsewhere)  # topics no batch reads keep Faust's own acks


def test_handled_acks_reads_its_topics_live_and_holds_no_message_alive():
    import gc

    from pipelines.runtime.delivery import HandledAcks

    topics: set[str] = set()
    acks = HandledAcks(topics)
    message = Msg("t", 1)
    assert acks.counts(message)
    topics.add("t")  # an agent declared later
    assert not acks.counts(message)
    acks.handled(message)
    del message
    gc.collect()
    assert len(acks._handled) == 0


def test_a_commit_never_passes_over_a_missing_head():
    # committed 125 is the next offset due; 125 was never handled, 126.. were (Faust would commit 163)
    assert head_is_missing([126, 127, 162], 125)
    assert not head_is_missing([125, 126], 125)
    assert not head_is_missing([126], 125, covered=True)  # a hole the broker has (compaction, retention)
    assert not head_is_missing([126], None)  # nothing committed known yet
    assert not head_is_missing([], 125)
