"""Guards against Faust losing events: the commit watchdog, and the contiguous-offset check of internal topics."""

from pipelines.runtime.watchdog import CommitStalls, waiting_partitions


def test_a_commit_that_moves_never_trips() -> None:
    stalls = CommitStalls(stall_s=60)
    for second in range(0, 600, 5):
        assert stalls.check(float(second), {"orders-0": second // 2}) == []


def test_acked_events_behind_an_unchanged_commit_trip_after_the_stall_time() -> None:
    stalls = CommitStalls(stall_s=60)
    assert stalls.check(0.0, {"products-3": 140176, "products-1": 10}) == []
    assert stalls.check(30.0, {"products-3": 140176, "products-1": 11}) == []
    assert stalls.check(59.0, {"products-3": 140176, "products-1": 12}) == []
    assert stalls.check(60.0, {"products-3": 140176, "products-1": 13}) == ["products-3"]


def test_a_partition_with_nothing_waiting_starts_afresh() -> None:
    stalls = CommitStalls(stall_s=60)
    stalls.check(0.0, {"p": 5})
    stalls.check(50.0, {})  # everything acked was committed (or nothing arrived)
    assert stalls.check(70.0, {"p": 5}) == []
    assert stalls.check(130.0, {"p": 5}) == ["p"]


def test_waiting_partitions_reads_fausts_bookkeeping() -> None:
    class Consumer:
        _acked = {"a-0": [7, 8], "a-1": [], "a-2": [3]}
        _committed_offset = {"a-0": 6, "a-1": 4}

    assert waiting_partitions(Consumer()) == {"a-0": 6, "a-2": None}


def test_an_offset_past_a_gap_of_an_internal_topic_is_refused_and_a_rewind_is_not():
    import pytest

    from pipelines.runtime.batching import SkippedOffsets, check_contiguous

    last: dict = {}
    for offset in (2298, 2299, 2300):
        check_contiguous(last, "products-changes-3", offset)
    check_contiguous(last, "products-changes-0", 7)  # partitions are apart
    check_contiguous(last, "products-changes-3", 2290)  # a seek back re-reads: fine
    for offset in range(2291, 2301):
        check_contiguous(last, "products-changes-3", offset)
    with pytest.raises(SkippedOffsets, match="2301..2315"):
        check_contiguous(last, "products-changes-3", 2316)
    check_contiguous(last, "products-changes-3", 2317)  # each hole is reported once
    check_contiguous(last, "products-changes-3", 2400, generation=2)  # another worker had it meanwhile


def test_resuming_a_flow_that_runs_keeps_what_the_stream_queues_hold():
    """Faust's recovery resumes the flow again after seeking the streams: that must not wipe their first records."""
    import asyncio

    from mode.utils.queues import FlowControlQueue

    from pipelines.runtime.kafka import QueueKeepingFlowControl

    async def run() -> None:
        flow = QueueKeepingFlowControl()
        queue: FlowControlQueue = FlowControlQueue(flow_control=flow, clear_on_resume=True)
        flow.resume()  # suspended at start
        queue.put_nowait("record at the committed offset")
        flow.resume()
        assert queue.qsize() == 1
        flow.suspend()  # a rebalance: what is queued is stale once the flow resumes
        flow.resume()
        assert queue.qsize() == 0

    asyncio.run(run())
