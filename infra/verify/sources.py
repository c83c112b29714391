"""Both sides of a verify check: rows recomputed by a SQL query, and the documents an index holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row

from search_client import pit_sort


class IndexMissing(Exception):
    """The read model's index (or alias) does not exist: there is nothing to compare yet."""

    def __init__(self, index: str) -> None:
        super().__init__(
            f"index or alias {index!r} does not exist in Elasticsearch "
            f"(has its pipeline run yet? see `readside status`)"
        )
        self.index = index


def expected_documents(dsn: str, query: str, ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """One document per row of `query`, keyed by str(id) like the index's _id; with `ids`, only those."""
    if ids is not None:
        query = f"SELECT * FROM ({query}) d WHERE d.id::text = ANY(%(ids)s)"
    with psycopg.connect(dsn) as conn, conn.cursor(row_factory=dict_row) as cur:
        return {str(row["id"]): dict(row) for row in cur.execute(query, {"ids": ids} if ids is not None else None)}


def sampled_ids(dsn: str, query: str, n: int) -> set[str]:
    """Up to `n` ids `query` picks at random (it takes %(n)s)."""
    with psycopg.connect(dsn) as conn:
        return {str(row[0]) for row in conn.execute(query, {"n": n})}


MAX_PAGE = 10_000  # Elasticsearch's index.max_result_window: a search returns at most this many hits


def sampled_index_ids(es_url: str, index: str, n: int) -> set[str]:
    """Up to `n` (at most MAX_PAGE) document ids of `index` at random (documents Postgres may no longer have
    among them)."""
    body = {"size": min(n, MAX_PAGE), "_source": False, "query": {"function_score": {"random_score": {}}}}
    response = httpx.post(f"{es_url}/{index}/_search", json=body, timeout=30)
    if response.status_code == 404:
        raise IndexMissing(index)
    return {hit["_id"] for hit in response.raise_for_status().json()["hits"]["hits"]}


def documents_by_id(es_url: str, index: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored documents among `ids` (realtime multi-get)."""
    if not ids:
        return {}
    response = httpx.post(f"{es_url}/{index}/_mget", json={"ids": ids}, timeout=30)
    if response.status_code == 404:
        raise IndexMissing(index)
    return {doc["_id"]: doc["_source"] for doc in response.raise_for_status().json()["docs"] if doc.get("found")}


def actual_documents(es_url: str, index: str) -> dict[str, dict[str, Any]]:
    return {hit["_id"]: hit["_source"] for hit in scan_index(es_url, index)}


def scan_index(es_url: str, index: str, page: int = 2000) -> Iterator[dict]:
    """Every document `index` holds, via a point in time + search_after (consistent while writes go on).

    It refreshes first: a search reads the last refreshed view, which can still show a document that
    was deleted or replaced less than a refresh interval ago (a realtime get already sees the change).
    """
    with httpx.Client(base_url=es_url, timeout=30) as es:
        refreshed = es.post(f"/{index}/_refresh")
        if refreshed.status_code == 404:
            raise IndexMissing(index)
        refreshed.raise_for_status()
        opensearch = _engine() == "opensearch"  # its point-in-time API: other paths, `pit_id`, a list to close
        opened = es.post(
            f"/{index}/_search/point_in_time" if opensearch else f"/{index}/_pit", params={"keep_alive": "1m"}
        )
        pit = opened.raise_for_status().json()["pit_id" if opensearch else "id"]
        after: list | None = None
        try:
            while True:
                body: dict = {"size": page, "pit": {"id": pit, "keep_alive": "1m"}, "sort": pit_sort(_engine())}
                if after:
                    body["search_after"] = after
                hits = es.post("/_search", json=body).raise_for_status().json()["hits"]["hits"]
                if not hits:
                    return
                yield from hits
                after = hits[-1]["sort"]
        finally:
            if opensearch:
                es.request("DELETE", "/_search/point_in_time", json={"pit_id": [pit]})
            else:
                es.request("DELETE", "/_pit", json={"id": pit})


def _engine() -> str:
    """READSIDE_SEARCH_ENGINE, as the stack's settings read it."""
    from infra.settings import StackSettings

    return StackSettings().search_engine.value
