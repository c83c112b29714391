"""The bulk sink: bounded chunks, external_gte versions, stale writes skipped, 429s retried, 400s returned."""
from __future__ import annotations

import asyncio
import json

from pipelines.core.sink import BulkSink, IndexAction


class FakeElasticsearch:
    def __init__(self, answers):
        self.answers = list(answers)  # per call: a list of statuses, one per item
        self.calls = []

    async def bulk(self, operations, refresh):
        self.calls.append([json.loads(line) for line in operations])
        statuses = self.answers.pop(0)
        metas = [line for line in self.calls[-1] if "index" in line or "delete" in line]
        return {"items": [{next(iter(m)): {"status": s, **({"error": {"type": "x"}} if s >= 400 else {})}}
                          for m, s in zip(metas, statuses)]}


def _action(i, document=True):
    return IndexAction("products_v1", str(i), 100 + i, {"id": i} if document else None)


def _sink(client, **kw):
    return BulkSink(client, kw.get("max_actions", 1000), kw.get("max_bytes", 10_000_000), 0.001, None)


def test_actions_are_externally_versioned_with_external_gte():
    meta, doc = _action(1).lines()
    assert json.loads(meta) == {"index": {"_index": "products_v1", "_id": "1", "version": 101,
                                          "version_type": "external_gte"}}
    assert json.loads(doc) == {"id": 1}
    assert json.loads(_action(2, document=False).lines()[0])["delete"]["version"] == 102


def test_bulk_is_split_into_bounded_chunks():
    client = FakeElasticsearch([[201] * 2, [201] * 2, [201]])
    assert asyncio.run(_sink(client, max_actions=2).write([_action(i) for i in range(5)])) == []
    assert [len(c) // 2 for c in client.calls] == [2, 2, 1]


def test_stale_writes_are_skipped_busy_items_retried_and_bad_ones_returned():
    client = FakeElasticsearch([[201, 409, 429, 400], [200]])
    rejected = asyncio.run(_sink(client).write([_action(i) for i in range(4)]))
    assert [r.action.id for r in rejected] == ["3"] and rejected[0].status == 400
    assert [line["index"]["_id"] for line in client.calls[1] if "index" in line] == ["2"]


def test_deleting_a_missing_document_is_fine():
    client = FakeElasticsearch([[404]])
    assert asyncio.run(_sink(client).write([_action(1, document=False)])) == []


def test_writes_that_arrive_while_a_bulk_is_in_flight_share_the_next_one():
    import asyncio

    from pipelines.core.sink import IndexAction, SharedBulk

    class SlowSink:
        def __init__(self):
            self.bulks = []

        async def write(self, actions, refresh=False):
            self.bulks.append([a.id for a in actions])
            await asyncio.sleep(0.01)
            return []

    def action(doc_id):
        return IndexAction("checkpoints", doc_id, 1, {"offset": 0})

    async def scenario():
        sink = SlowSink()
        shared = SharedBulk(sink)
        first = asyncio.ensure_future(shared.write([action("a")]))
        await asyncio.sleep(0)  # the first bulk is in flight
        rest = [shared.write([action("b")]), shared.write([action("c"), action("d")])]
        assert await asyncio.gather(first, *rest) == [[], [], []]
        return sink.bulks

    assert asyncio.run(scenario()) == [["a"], ["b", "c", "d"]]
