"""Both sides of a verify check: rows recomputed by a SQL query, and the documents an index holds."""
from __future__ import annotations

from typing import Any, Iterator

import httpx
import psycopg
from psycopg.rows import dict_row


class IndexMissing(Exception):
    """The read model's index (or alias) does not exist: there is nothing to compare yet."""

    def __init__(self, index: str) -> None:
        super().__init__(f"index or alias {index!r} does not exist in Elasticsearch "
                         f"(has its pipeline run yet? see `readside status`)")
        self.index = index


def expected_documents(dsn: str, query: str) -> dict[str, dict[str, Any]]:
    """One document per row of `query`, keyed by str(id) like the index's _id."""
    with psycopg.connect(dsn) as conn, conn.cursor(row_factory=dict_row) as cur:
        return {str(row["id"]): dict(row) for row in cur.execute(query)}


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
        opened = es.post(f"/{index}/_pit", params={"keep_alive": "1m"}).raise_for_status()
        pit = opened.json()["id"]
        after: list | None = None
        try:
            while True:
                body: dict = {"size": page, "pit": {"id": pit, "keep_alive": "1m"},
                              "sort": [{"_shard_doc": "asc"}]}
                if after:
                    body["search_after"] = after
                hits = es.post("/_search", json=body).raise_for_status().json()["hits"]["hits"]
                if not hits:
                    return
                yield from hits
                after = hits[-1]["sort"]
        finally:
            es.request("DELETE", "/_pit", json={"id": pit})
