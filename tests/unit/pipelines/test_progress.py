"""Source progress: marks per batch, folded per partition without going back, combined as a minimum."""

from __future__ import annotations

from pipelines.core.progress import Progress, SourceMark, advance, combine, marks_for

T = "readside.public.products"


def test_a_batch_gives_one_mark_per_source_partition_with_its_last_offset_and_newest_lsn():
    marks = marks_for([(T, 0, 5, 100, 1), (T, 0, 7, None, None), (T, 1, 2, 90, 2), (T, 0, 6, 120, 3)])
    assert sorted(marks, key=lambda m: m.partition) == [
        SourceMark(topic=T, partition=0, offset=7, lsn=120, ts_ms=3),
        SourceMark(topic=T, partition=1, offset=2, lsn=90, ts_ms=2),
    ]


def test_a_replayed_older_mark_does_not_move_progress_back():
    now = advance(None, SourceMark(topic=T, partition=0, offset=10, lsn=500, ts_ms=9))
    assert advance(now, SourceMark(topic=T, partition=0, offset=4, lsn=200, ts_ms=3)) == now


def test_combined_progress_is_the_least_advanced_part_and_unknown_while_a_part_is_silent():
    parts = [Progress(offset=10, lsn=500, ts_ms=9), Progress(offset=7, lsn=400, ts_ms=8)]
    assert combine(parts) == Progress(offset=7, lsn=400, ts_ms=8)
    assert combine(parts + [None]) is None
    assert combine([]) is None


def test_checkpoints_submitted_while_a_write_is_in_flight_go_out_together_and_never_move_back():
    import asyncio

    from pipelines.core.checkpoints import Checkpoints

    class Recording(Checkpoints):
        """Each write waits until the test lets it finish, so the test knows what is in flight."""

        def __init__(self):
            super().__init__(None, None, "p", "i", "parts", 4)
            self.writes = []
            self.entered = asyncio.Event()
            self.release = asyncio.Event()
            self.second = asyncio.Event()

        async def record(self, parts):
            self.writes.append(dict(parts))
            self.entered.set()
            if len(self.writes) == 2:
                self.second.set()
            await self.release.wait()  # the round trips to Elasticsearch

    async def scenario(checkpoints):
        checkpoints.submit({(0, "t", 0): Progress(offset=5)})
        await asyncio.wait_for(checkpoints.entered.wait(), 5)  # the writer took it and is writing
        checkpoints.submit({(0, "t", 0): Progress(offset=7), (1, "t", 0): Progress(offset=3)})  # in flight: waits
        checkpoints.submit({(0, "t", 0): Progress(offset=6)})  # older than what waits: ignored
        checkpoints.release.set()
        await asyncio.wait_for(checkpoints.second.wait(), 5)

    checkpoints = Recording()
    asyncio.run(scenario(checkpoints))
    assert [{k: p.offset for k, p in w.items()} for w in checkpoints.writes] == [
        {(0, "t", 0): 5},
        {(0, "t", 0): 7, (1, "t", 0): 3},
    ]


def test_snapshot_events_let_a_mark_claim_no_lsn():
    from pipelines.core.envelope import Source
    from pipelines.core.router import marked_lsn

    class Event:
        def __init__(self, snapshot):
            self.source = Source(lsn=500, ts_ms=1, table="products", snapshot=snapshot)

    assert [marked_lsn(Event(s)) for s in (None, "false")] == [500, 500]
    assert [marked_lsn(Event(s)) for s in ("true", "first", "last", "incremental")] == [None] * 4


def test_moved_positions_are_reported_at_once_and_stored_at_the_slower_pace():
    import asyncio
    import json

    from pipelines.core.checkpoints import Checkpoints

    class Client:
        async def mget(self, **_):
            return {"docs": []}

    class Sink:
        def __init__(self):
            self.writes = []

        async def write(self, actions, refresh=False):
            self.writes.append([a.id for a in actions])
            return []

        async def retried(self, call):
            return await call()

    reports = []

    async def publish(key, value):
        reports.append((key, json.loads(value)))

    async def run():
        sink = Sink()
        checkpoints = Checkpoints(Client(), sink, "p", "cp", "parts", 1, parts_refresh_s=3600, publish=publish)
        await checkpoints.record({(0, T, 0): Progress(offset=5, lsn=50)})  # the first: stored and reported
        await checkpoints.record({(0, T, 1): Progress(offset=2, lsn=60)})  # reported only
        await checkpoints.record({(0, T, 1): Progress(offset=2, lsn=60)})  # unchanged: nothing
        return sink.writes

    writes = asyncio.run(run())
    assert writes == [[f"p:0:{T}:0", f"p:{T}:0"]]  # the part, then the combined position
    assert [(key, [(p["partition"], p["offset"]) for p in r["positions"]]) for key, r in reports] == [
        (b"p", [(0, 5)]),
        (b"p", [(1, 2)]),
    ]
