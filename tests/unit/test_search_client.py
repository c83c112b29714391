"""search_client: which client each engine gets, and how an elasticsearch-py request reaches OpenSearch."""

from __future__ import annotations

import asyncio

import pytest
from elasticsearch import AsyncElasticsearch, Elasticsearch, NotFoundError
from opensearchpy.exceptions import NotFoundError as OsNotFoundError

from search_client import async_client, pit_sort, sync_client
from search_client.opensearch import AsyncOpenSearchClient, OpenSearchClient, error, translate


def test_elasticsearch_gets_elasticsearch_py_itself():
    assert type(sync_client("elasticsearch", "http://127.0.0.1:1")) is Elasticsearch
    assert type(async_client("elasticsearch9", "http://127.0.0.1:1")) is AsyncElasticsearch
    assert pit_sort("elasticsearch") == [{"_shard_doc": "asc"}]


def test_opensearch_gets_the_same_api_over_opensearch_py():
    client = sync_client("opensearch", "http://127.0.0.1:1", request_timeout=5)
    assert isinstance(client, OpenSearchClient) and isinstance(client, Elasticsearch)
    assert client.options(ignore_status=404).opensearch is client.opensearch  # options() keep the transport
    aclient = async_client("opensearch", "http://127.0.0.1:1")
    assert isinstance(aclient, AsyncOpenSearchClient)
    asyncio.run(aclient.close())
    assert {"_shard_doc": "asc"} not in pit_sort("opensearch")


def test_point_in_time_requests_take_opensearch_paths():
    opened = translate("POST", "/products/_pit", {"keep_alive": "1m"}, None)
    assert (opened.path, opened.params, opened.opens_pit) == (
        "/products/_search/point_in_time",
        {"keep_alive": "1m"},
        True,
    )
    closed = translate("DELETE", "/_pit", None, {"id": "abc"})
    assert (closed.path, closed.body) == ("/_search/point_in_time", '{"pit_id":["abc"]}')


def test_bodies_params_and_media_types_are_plain():
    bulk = translate("PUT", "/_bulk", {"refresh": False}, [b'{"index":{"_id":"1"}}', {"n": 1}])
    assert bulk.body == '{"index":{"_id":"1"}}\n{"n":1}\n'
    assert bulk.headers["content-type"] == "application/x-ndjson" and bulk.params == {"refresh": "false"}
    mget = translate("POST", "/p/_mget", {"_source_includes": ["a", "b"], "realtime": True}, {"ids": ["1"]})
    assert mget.params == {"_source_includes": "a,b", "realtime": "true"}
    assert mget.headers["content-type"] == "application/json"


@pytest.mark.parametrize("ignored", [False, True])
def test_errors_become_elasticsearch_py_errors_unless_ignored(ignored):
    client = sync_client("opensearch", "http://127.0.0.1:1")
    if ignored:
        client = client.options(ignore_status=404)
    body = {"error": {"type": "index_not_found_exception"}, "status": 404}
    outcome = error(OsNotFoundError(404, "index_not_found_exception", body), client)
    if ignored:
        assert not isinstance(outcome, Exception) and outcome.meta.status == 404
    else:
        assert isinstance(outcome, NotFoundError)
        assert outcome.meta.status == 404 and outcome.message == "index_not_found_exception" and outcome.body == body
