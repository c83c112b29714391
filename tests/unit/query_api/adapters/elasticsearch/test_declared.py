"""A declared read model's search body (the real models/reviews.py): user text only as a multi_match value over
its TEXT fields, exact term filters, (score, id) order, paging."""

from __future__ import annotations

import json

import pytest

from catalog.registry import read_model
from services.query_api.adapters.elasticsearch.declared import DeclaredDsl
from services.query_api.domain.declared import DeclaredSearch
from services.query_api.read_models import shape_of

from .test_products import HOSTILE, MATCH_FAMILY, walk

DSL = DeclaredDsl(shape_of(read_model("reviews")))


def test_text_and_filters():
    body = DSL.search_body(DeclaredSearch("reviews", "bright lamp", (("product_id", 7), ("rating", 5))), 21)
    assert body["query"] == {
        "bool": {
            "filter": [{"term": {"product_id": 7}}, {"term": {"rating": 5}}],
            "must": [{"multi_match": {"query": "bright lamp", "type": "best_fields", "fields": ["body"]}}],
        }
    }
    assert body["sort"] == [{"_score": "desc"}, {"id": "asc"}]
    assert (body["size"], body["track_total_hits"]) == (21, True)
    assert body["_source"] == ["id", "product_id", "customer_id", "rating", "body", "created_at"]
    assert "search_after" not in body


def test_without_text_every_document_matches_in_id_order():
    body = DSL.search_body(DeclaredSearch("reviews"), 11, search_after=[0.0, 42])
    assert body["query"] == {"bool": {"filter": []}}
    assert body["sort"][-1] == {"id": "asc"} and body["search_after"] == [0.0, 42]


@pytest.mark.parametrize("text", HOSTILE)
def test_user_text_only_lands_in_a_match_query_value(text):
    body = DSL.search_body(DeclaredSearch("reviews", text), 21)
    assert "query_string" not in json.dumps(body) and "simple_query_string" not in json.dumps(body)
    for path, node in walk(body):
        if node == text:
            assert path[-1] == "query" and path[-2] in MATCH_FAMILY, path
