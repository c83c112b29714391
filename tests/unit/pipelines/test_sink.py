"""The bulk sink, on plain data: bounded chunks, external_gte versions, and what each bulk item's answer means
(its behaviour against Elasticsearch is in tests/integration/pipelines/test_sink_refusals.py)."""

from __future__ import annotations

import asyncio
import json

import pytest

from pipelines.core.sink import BulkSink, IndexAction, item_outcome


def _action(i, document=True):
    return IndexAction("products_v1", str(i), 100 + i, {"id": i} if document else None)


def _sink(**kw):
    return BulkSink(None, kw.get("max_actions", 1000), kw.get("max_bytes", 10_000_000), 0.001, None)


def test_actions_are_externally_versioned_with_external_gte():
    meta, doc = _action(1).lines()
    assert json.loads(meta) == {
        "index": {"_index": "products_v1", "_id": "1", "version": 101, "version_type": "external_gte"}
    }
    assert json.loads(doc) == {"id": 1}
    assert json.loads(_action(2, document=False).lines()[0])["delete"]["version"] == 102


def test_bulk_is_split_into_bounded_chunks():
    chunks = _sink(max_actions=2)._chunks([_action(i) for i in range(5)])
    assert [[a.id for a, _ in chunk] for chunk in chunks] == [["0", "1"], ["2", "3"], ["4"]]
    by_bytes = _sink(max_bytes=60)._chunks([_action(i) for i in range(3)])
    assert [len(chunk) for chunk in by_bytes] == [1, 1, 1]


def _error(kind: str, reason: str = "") -> dict:
    return {"type": kind, "reason": reason}


@pytest.mark.parametrize(
    "status, error, deleting, outcome",
    [
        (201, None, False, "applied"),
        (200, None, True, "applied"),
        (404, None, True, "applied"),  # deleting what is not there
        (409, _error("version_conflict_engine_exception"), False, "stale"),  # a replay: the index is newer
        (400, _error("mapper_parsing_exception"), False, "rejected"),  # the document itself: a dead letter
        (400, _error("document_parsing_exception"), False, "rejected"),
        (400, _error("strict_dynamic_mapping_exception"), False, "rejected"),
        (
            400,
            _error("illegal_argument_exception", "Limit of total fields [1000] has been exceeded"),
            False,
            "rejected",
        ),
        (
            403,
            _error("cluster_block_exception", "index [products_v1] blocked by: [FORBIDDEN/8/index write (api)]"),
            False,
            "retry",
        ),  # index.blocks.write: wait it out
        (
            429,
            _error(
                "cluster_block_exception",
                "blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark]",
            ),
            False,
            "retry",
        ),
        (400, _error("index_closed_exception"), False, "retry"),
        (404, _error("index_not_found_exception"), False, "retry"),
        (429, _error("es_rejected_execution_exception"), False, "retry"),
        (503, _error("unavailable_shards_exception"), False, "retry"),
        (400, _error("something_new_exception"), False, "retry"),  # unforeseen: never acked by guesswork
    ],
)
def test_only_a_fault_of_the_document_is_rejected_everything_else_is_waited_out(status, error, deleting, outcome):
    assert item_outcome(status, error, deleting) == outcome


def test_writes_that_arrive_while_a_bulk_is_in_flight_share_the_next_one():

    from pipelines.core.sink import IndexAction, SharedBulk

    class SlowSink:
        """The first bulk stays in flight until the other writes have arrived."""

        def __init__(self):
            self.bulks = []
            self.in_flight = asyncio.Event()
            self.release = asyncio.Event()

        async def write(self, actions, refresh=False):
            self.bulks.append([a.id for a in actions])
            self.in_flight.set()
            await self.release.wait()
            return []

    def action(doc_id):
        return IndexAction("checkpoints", doc_id, 1, {"offset": 0})

    async def scenario():
        sink = SlowSink()
        shared = SharedBulk(sink)
        first = asyncio.ensure_future(shared.write([action("a")]))
        await asyncio.wait_for(sink.in_flight.wait(), 5)
        rest = [
            asyncio.ensure_future(shared.write([action("b")])),
            asyncio.ensure_future(shared.write([action("c"), action("d")])),
        ]
        await asyncio.sleep(0)  # let both join the queue behind the bulk in flight
        sink.release.set()
        assert await asyncio.gather(first, *rest) == [[], [], []]
        return sink.bulks

    assert asyncio.run(scenario()) == [["a"], ["b", "c", "d"]]
