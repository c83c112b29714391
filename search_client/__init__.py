"""The one import of the search engine's client: elasticsearch-py's API on Elasticsearch or OpenSearch."""

from __future__ import annotations

from typing import Any, Literal

from elasticsearch import (
    ApiError,
    AsyncElasticsearch,
    BadRequestError,
    ConnectionError,
    ConnectionTimeout,
    Elasticsearch,
    NotFoundError,
    TransportError,
    helpers,
)

SearchEngineName = Literal["elasticsearch", "elasticsearch9", "opensearch"]

__all__ = [
    "ApiError",
    "AsyncElasticsearch",
    "BadRequestError",
    "ConnectionError",
    "ConnectionTimeout",
    "Elasticsearch",
    "NotFoundError",
    "SearchEngineName",
    "TransportError",
    "async_client",
    "helpers",
    "pit_sort",
    "sync_client",
]


def async_client(engine: str, hosts: str | list[str], **options: Any) -> AsyncElasticsearch:
    """An AsyncElasticsearch for `engine` (READSIDE_SEARCH_ENGINE); `options` are AsyncElasticsearch's."""
    if engine == "opensearch":
        from search_client.opensearch import AsyncOpenSearchClient

        return AsyncOpenSearchClient(hosts, **options)
    return AsyncElasticsearch(hosts, **options)


def sync_client(engine: str, hosts: str | list[str], **options: Any) -> Elasticsearch:
    """An Elasticsearch for `engine` (READSIDE_SEARCH_ENGINE); `options` are Elasticsearch's."""
    if engine == "opensearch":
        from search_client.opensearch import OpenSearchClient

        return OpenSearchClient(hosts, **options)
    return Elasticsearch(hosts, **options)


def pit_sort(engine: str) -> list[dict[str, str]]:
    """The sort that pages a point in time in a total order: Elasticsearch's `_shard_doc`, which OpenSearch
    2.x lacks (3.3 added it); there the document id breaks the ties of `_doc` across shards."""
    if engine == "opensearch":
        return [{"_doc": "asc"}, {"_id": "asc"}]
    return [{"_shard_doc": "asc"}]
