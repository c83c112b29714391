"""What verify reads of an index, against the real Elasticsearch: what it holds now, not its last refresh."""

from __future__ import annotations

import secrets

import httpx
import pytest

from infra.verify.sources import IndexMissing, scan_index

pytestmark = pytest.mark.integration


def test_a_scan_sees_deletes_and_updates_made_since_the_last_refresh(stack):
    es = httpx.Client(base_url=stack.elasticsearch_url, timeout=30)
    index = f"readside_scan_test_{secrets.token_hex(4)}"
    es.put(f"/{index}", json={"settings": {"number_of_replicas": 0, "refresh_interval": -1}}).raise_for_status()
    try:
        for doc_id in ("1", "2"):
            es.put(f"/{index}/_doc/{doc_id}", json={"name": f"old {doc_id}"}).raise_for_status()
        es.post(f"/{index}/_refresh").raise_for_status()
        es.delete(f"/{index}/_doc/1").raise_for_status()  # neither change is refreshed by itself
        es.put(f"/{index}/_doc/2", json={"name": "new 2"}).raise_for_status()
        assert {hit["_id"]: hit["_source"] for hit in scan_index(stack.elasticsearch_url, index)} == {
            "2": {"name": "new 2"}
        }
    finally:
        es.delete(f"/{index}")
        es.close()


def test_a_missing_index_says_so(stack):
    with pytest.raises(IndexMissing):
        list(scan_index(stack.elasticsearch_url, f"readside_missing_{secrets.token_hex(4)}"))
