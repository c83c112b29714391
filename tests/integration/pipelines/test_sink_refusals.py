"""The bulk sink against a real Elasticsearch: a write block or a closed index is waited out (and shown in
`readside_sink_refused`), never returned as a dead letter; a document that cannot be mapped is."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from pipelines.core.sink import BulkSink, IndexAction
from pipelines.metrics import SINK_REFUSED
from search_client import AsyncElasticsearch, async_client

pytestmark = pytest.mark.integration


def refusals(index: str) -> list[str]:
    return [
        s.labels["reason"]
        for metric in SINK_REFUSED.collect()
        for s in metric.samples
        if s.labels["index"] == index and s.value > 0
    ]


async def until(check, timeout_s: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def refused_then_applied(client: AsyncElasticsearch, index: str, block, lift, expect: str) -> None:
    sink = BulkSink(client, 1000, 5 * 1024 * 1024, 0.2, None)
    await block()
    write = asyncio.ensure_future(sink.write([IndexAction(index, "1", 10, {"n": 1})]))
    await until(lambda: refusals(index), 15, "the refusal to show in readside_sink_refused")
    assert expect in refusals(index)[0] and not write.done()  # waiting, not dead-lettered
    await lift()
    assert await asyncio.wait_for(write, 30) == []
    assert refusals(index) == []
    assert (await client.get(index=index, id="1"))["_source"] == {"n": 1}
    await client.delete(index=index, id="1")


@pytest.fixture
def scenario(stack):
    async def run(body) -> None:
        client = async_client(stack.settings.search_engine.value, stack.elasticsearch_url)
        index = f"sink-refusals-{uuid.uuid4().hex[:8]}"
        await client.indices.create(index=index, mappings={"properties": {"n": {"type": "integer"}}})
        try:
            await body(client, index)
        finally:
            await client.indices.delete(index=index, ignore_unavailable=True)
            await client.close()

    return lambda body: asyncio.run(run(body))


def test_a_write_block_is_waited_out_and_then_applied(scenario):
    async def body(client, index):
        async def block():
            await client.indices.put_settings(index=index, settings={"index.blocks.write": True})

        async def lift():
            await client.indices.put_settings(index=index, settings={"index.blocks.write": False})

        await refused_then_applied(client, index, block, lift, "cluster_block_exception")

    scenario(body)


def test_a_closed_index_is_waited_out_and_then_applied(scenario):
    async def body(client, index):
        async def block():
            await client.indices.close(index=index)

        async def lift():
            await client.indices.open(index=index, wait_for_active_shards="1")

        await refused_then_applied(client, index, block, lift, "index_closed_exception")

    scenario(body)


def test_a_document_that_cannot_be_mapped_is_rejected_and_the_rest_applied(scenario):
    async def body(client, index):
        sink = BulkSink(client, 1000, 5 * 1024 * 1024, 0.2, None)
        rejected = await sink.write(
            [IndexAction(index, "1", 10, {"n": "not a number"}), IndexAction(index, "2", 10, {"n": 2})]
        )
        assert [(r.action.id, r.status) for r in rejected] == [("1", 400)]
        assert "parsing_exception" in rejected[0].error
        assert (await client.get(index=index, id="2"))["_source"] == {"n": 2}
        assert refusals(index) == []

    scenario(body)
