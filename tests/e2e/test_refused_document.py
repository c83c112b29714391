"""A document Elasticsearch refuses for good (a mapping conflict) is a dead letter, and the token read that
depends on it answers 502 saying so, never the older document; once fixed and replayed, it reads normally."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support.pipeline import readside

pytestmark = pytest.mark.e2e

SKU = {"type": "keyword", "normalizer": "lowercase_keyword"}  # as schemas/elasticsearch/products_v3.json maps it


def test_a_token_read_of_a_refused_document_says_so_and_reads_normally_after_the_replay(stack, shop):
    es = stack.settings.elasticsearch_url
    product = shop.add_product(name="Refusal lamp")
    pid = product["id"]
    assert shop.get(f"/products/{pid}", product["consistency_token"]).status_code == 200
    # A mapping conflict for the documents written meanwhile: the sku is copied into a number field too.
    # (The test distribution of Elasticsearch has no ingest processors to single out one document.)
    mapping = f"{es}/products/_mapping"
    httpx.put(mapping, json={"properties": {"sku": {**SKU, "copy_to": "price_cents"}}}).raise_for_status()
    try:
        renamed = shop.command("PATCH", f"/products/{pid}", {"name": f"Unindexable lamp {pid}"})
        read = shop.get(f"/products/{pid}", renamed["consistency_token"])
        assert read.status_code == 502, read.text
        assert "could not index" in read.json()["detail"] and "sink_rejected" in read.json()["detail"]
        assert shop.get(f"/products/{pid}").json()["name"] == "Refusal lamp"  # no token: what the index holds
    finally:
        httpx.put(mapping, json={"properties": {"sku": SKU}}).raise_for_status()
    letters = json.loads(readside("deadletters", "--reason", "sink_rejected", "--json").stdout)
    assert [letter for letter in letters if f"Unindexable lamp {pid}" in letter["preview"]]
    replayed = readside("deadletters", "replay", "--reason", "sink_rejected")
    assert replayed.returncode == 0, replayed.stderr
    read = shop.get(f"/products/{pid}", renamed["consistency_token"])
    assert read.status_code == 200 and read.json()["name"] == f"Unindexable lamp {pid}"
