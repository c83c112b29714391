"""The bounded wait for a token: both phases, against fake checkpoints, Kafka and clock."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from services.query_api.consistency.progress import Checkpoint, Partition
from services.query_api.consistency.waiter import ConsistencyWaiter, Projection
from services.query_api.domain.errors import ReadModelBehind

HB = Partition("hb", 0)
P0 = Partition("products", 0)
P1 = Partition("products", 1)
PROJECTION = Projection("products", ("products", "hb"))
TOKEN = "v1.AAAAAAAAA-g"  # LSN 1000


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class FakeKafka:
    def __init__(self, ends: dict[Partition, int]) -> None:
        self.ends = ends
        self.end_reads = 0

    async def partitions(self, topics: Sequence[str]) -> list[Partition]:
        return sorted(p for p in self.ends if p.topic in topics)

    async def end_offsets(self, partitions: Sequence[Partition]) -> dict[Partition, int]:
        self.end_reads += 1
        return {p: self.ends[p] for p in partitions}


class ScriptedCheckpoints:
    """Checkpoints that change as the fake clock advances: {time: {partition: checkpoint}}."""

    def __init__(self, clock: FakeClock, timeline: dict[float, dict[Partition, Checkpoint]]):
        self.clock = clock
        self.timeline = timeline
        self.reads = 0

    async def read_many(self, wanted: dict[str, Sequence[Partition]]) -> dict[str, dict[Partition, Checkpoint]]:
        assert set(wanted) == {"products"}
        self.reads += 1
        state: dict[Partition, Checkpoint] = {}
        for at in sorted(self.timeline):
            if at <= self.clock.now:
                state.update(self.timeline[at])
        return {"products": {p: c for p, c in state.items() if p in wanted["products"]}}


def wait(timeline, ends, timeout_s=1.0):
    clock = FakeClock()
    checkpoints = ScriptedCheckpoints(clock, timeline)
    kafka = FakeKafka(ends)
    waiter = ConsistencyWaiter(checkpoints, kafka, timeout_s, 0.025, clock=clock, sleep=clock.sleep)
    asyncio.run(waiter.wait_for(PROJECTION, 1000, TOKEN))
    return clock, checkpoints, kafka


def test_returns_at_once_when_already_caught_up():
    clock, _, kafka = wait({0: {HB: Checkpoint(7, 1200), P0: Checkpoint(3, 990)}}, {HB: 8, P0: 4, P1: 0})
    assert clock.now == 0 and kafka.end_reads == 1


def test_waits_for_debezium_to_pass_the_token_then_for_the_offsets():
    timeline = {
        0: {HB: Checkpoint(5, 900), P0: Checkpoint(2, 800)},
        0.2: {HB: Checkpoint(6, 1100)},  # heartbeat proves the write was emitted
        0.5: {P0: Checkpoint(3, 1000)},
    }  # the write itself is applied
    clock, _, _ = wait(timeline, {HB: 7, P0: 4})
    assert 0.5 <= clock.now < 0.55


def test_idle_partitions_need_nothing_and_unknown_ones_block():
    clock, _, _ = wait({0: {HB: Checkpoint(0, 1000)}}, {HB: 1, P0: 0, P1: 0})
    assert clock.now == 0
    with pytest.raises(ReadModelBehind, match=r"products\[1\] applied nothing of 2"):
        wait({0: {HB: Checkpoint(0, 1000)}}, {HB: 1, P1: 3})


def test_times_out_when_no_input_passed_the_token():
    with pytest.raises(ReadModelBehind) as error:
        wait({0: {HB: Checkpoint(5, 999)}}, {HB: 6}, timeout_s=0.3)
    message = str(error.value)
    assert message.startswith(f"read model not yet at token {TOKEN} after 0.3 s")
    assert "applied source LSN 0/3E7" in message and "needs 0/3E8" in message


def test_times_out_without_any_checkpoint_or_topic():
    with pytest.raises(ReadModelBehind, match="applied source LSN nothing"):
        wait({}, {}, timeout_s=0.1)


def test_end_offsets_are_read_once_after_the_lsn_is_passed():
    # New messages keep arriving; the target is what Kafka held when the LSN was passed.
    timeline = {0: {HB: Checkpoint(1, 500)}, 0.1: {HB: Checkpoint(9, 1001)}}
    _, _, kafka = wait(timeline, {HB: 10})
    assert kafka.end_reads == 1


def test_waiting_reads_share_one_watch():
    # 200 reads wait on one projection: each round reads the checkpoints once for all of them, and
    # the end offsets are read once for every wait that passed the LSN in the same round.
    clock = FakeClock()
    timeline = {0: {HB: Checkpoint(5, 900)}, 0.1: {HB: Checkpoint(6, 1100)}, 0.3: {P0: Checkpoint(3, 1000)}}
    checkpoints, kafka = ScriptedCheckpoints(clock, timeline), FakeKafka({HB: 7, P0: 4})
    waiter = ConsistencyWaiter(checkpoints, kafka, 1.0, 0.025, clock=clock, sleep=clock.sleep)

    async def many() -> None:
        await asyncio.gather(*(waiter.wait_for(PROJECTION, 1000, TOKEN) for _ in range(200)))

    asyncio.run(many())
    assert 0.3 <= clock.now < 0.35
    assert checkpoints.reads == waiter.rounds <= 15
    assert kafka.end_reads == 1


def test_a_stuck_read_does_not_hold_the_deadline():
    class StuckCheckpoints:
        async def read_many(self, wanted):
            await asyncio.sleep(30)

    waiter = ConsistencyWaiter(StuckCheckpoints(), FakeKafka({HB: 1}), 0.2, 0.01)

    async def timed() -> float:
        started = asyncio.get_running_loop().time()
        with pytest.raises(ReadModelBehind):
            await waiter.wait_for(PROJECTION, 1000, TOKEN)
        elapsed = asyncio.get_running_loop().time() - started
        await waiter.close()
        return elapsed

    assert 0.2 <= asyncio.run(timed()) < 0.3


def test_a_failure_reaches_the_waiting_reads():
    from services.query_api.domain.errors import ReadModelUnavailable

    class Down:
        async def read_many(self, wanted):
            raise ReadModelUnavailable("Elasticsearch is unreachable")

    waiter = ConsistencyWaiter(Down(), FakeKafka({HB: 1}), 1.0, 0.01)
    with pytest.raises(ReadModelUnavailable):
        asyncio.run(waiter.wait_for(PROJECTION, 1000, TOKEN))


def test_topic_metadata_is_remembered_once_every_topic_exists():
    class CountingKafka(FakeKafka):
        listed = 0

        async def partitions(self, topics):
            self.listed += 1
            return await super().partitions(topics)

    clock = FakeClock()
    checkpoints = ScriptedCheckpoints(clock, {0: {HB: Checkpoint(7, 1200), P0: Checkpoint(3, 1100)}})
    kafka = CountingKafka({HB: 8, P0: 4})
    waiter = ConsistencyWaiter(checkpoints, kafka, 1.0, 0.025, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        asyncio.run(waiter.wait_for(PROJECTION, 1000, TOKEN))
    assert kafka.listed == 1  # end offsets are read for every wait, the topics' partitions once
    assert kafka.end_reads == 5


def test_a_token_far_past_anything_applied_is_refused_at_once_not_waited_for():
    from services.query_api.domain.errors import InvalidQuery

    clock = FakeClock()
    checkpoints = ScriptedCheckpoints(clock, {0: {HB: Checkpoint(5, 900)}})
    waiter = ConsistencyWaiter(
        checkpoints, FakeKafka({HB: 6}), 5.0, 0.025, clock=clock, sleep=clock.sleep, horizon_bytes=100
    )
    with pytest.raises(InvalidQuery, match="never issued it"):
        asyncio.run(waiter.wait_for(PROJECTION, 1001, TOKEN))
    assert clock.now == 0
    with pytest.raises(ReadModelBehind):  # within the horizon: an honest token the read side is behind of
        asyncio.run(waiter.wait_for(PROJECTION, 1000, TOKEN))
    fresh = ConsistencyWaiter(
        ScriptedCheckpoints(clock, {}),
        FakeKafka({HB: 6}),
        0.1,
        0.025,
        clock=clock,
        sleep=clock.sleep,
        horizon_bytes=100,
    )
    with pytest.raises(ReadModelBehind):  # nothing applied yet: nothing to judge a token by
        asyncio.run(fresh.wait_for(PROJECTION, 10**12, TOKEN))
