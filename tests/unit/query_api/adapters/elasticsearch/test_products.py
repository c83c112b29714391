"""The search body: user text only as match-family values, filters, facet, sorts, paging."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from services.query_api.adapters.elasticsearch.products import ProductDsl
from services.query_api.domain.products import ProductSearch, SortOrder

MATCH_FAMILY = {"match", "multi_match", "match_phrase", "match_bool_prefix"}
HOSTILE = [
    "name:*",
    '{"query": {"match_all": {}}}',
    "*",
    '\\"',
    '"unbalanced',
    "a OR b AND (c",
    "/.*/",
    "price_cents:[0 TO 1]",
    "x" * 256,
    "<script>",
    "té ☕ 茶",
]


def walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, path + (key,))
    elif isinstance(node, list):
        for value in node:
            yield from walk(value, path)


DSL = ProductDsl(facet_size=100)


def search(**fields: Any) -> ProductSearch:
    return ProductSearch(**fields)


@pytest.mark.parametrize("text", HOSTILE)
def test_user_text_only_lands_in_match_query_values(text):
    body = DSL.search_body(search(text=text), 21)
    keys = {key for path, _ in walk(body) for key in path}
    assert not keys & {"query_string", "simple_query_string", "wildcard", "regexp", "script", "prefix", "fuzzy"}
    places = [path for path, value in walk(body) if value == text]
    assert places, "the text should be searched"
    for path in places:
        assert path[-1] == "query"
        # the nearest enclosing query type is a match-family query that analyses plain text
        kinds = [key for key in path if key in MATCH_FAMILY]
        assert kinds, path


def test_text_query_is_relevance_with_fuzziness_and_field_boosts():
    body = DSL.search_body(search(text="teapot"), 21)
    serialized = json.dumps(body)
    assert '"name^3"' in serialized and '"sku"' in serialized
    assert '"fuzziness": "AUTO"' in serialized
    assert body["sort"] == [{"_score": "desc"}, {"id": "asc"}]


def test_without_text_there_is_no_text_query():
    body = DSL.search_body(search(), 21)
    assert "must" not in body["query"]["bool"]


def test_inactive_hidden_unless_asked_for():
    active = {"term": {"active": True}}
    assert active in DSL.search_body(search(), 21)["query"]["bool"]["filter"]
    assert active not in DSL.search_body(search(include_inactive=True), 21)["query"]["bool"]["filter"]


def test_price_and_stock_filters():
    filters = DSL.search_body(search(min_price_cents=1000, max_price_cents=2500, in_stock=False), 21)["query"]["bool"][
        "filter"
    ]
    assert {"range": {"price_cents": {"gte": 1000, "lte": 2500}}} in filters
    assert {"term": {"in_stock": False}} in filters
    only_min = DSL.search_body(search(min_price_cents=0), 21)["query"]["bool"]["filter"]
    assert {"range": {"price_cents": {"gte": 0}}} in only_min


def test_category_narrows_hits_but_not_its_own_facet():
    body = DSL.search_body(search(categories=("garden", "kitchen")), 21)
    assert body["post_filter"] == {"terms": {"category": ["garden", "kitchen"]}}
    assert "category" not in json.dumps(body["query"])
    assert body["aggs"]["category"]["terms"]["field"] == "category"
    assert "post_filter" not in DSL.search_body(search(), 21)


@pytest.mark.parametrize(
    "order,first",
    [
        (SortOrder.relevance, {"_score": "desc"}),
        (SortOrder.price_asc, {"price_cents": "asc"}),
        (SortOrder.price_desc, {"price_cents": "desc"}),
        (SortOrder.popularity, {"units_sold": "desc"}),
    ],
)
def test_every_sort_ends_with_the_id_tie_breaker(order, first):
    sort = DSL.search_body(search(sort=order), 21)["sort"]
    assert sort == [first, {"id": "asc"}]


def test_paging_fields():
    body = ProductDsl(50).search_body(search(sort=SortOrder.price_asc), 21, search_after=[1990, 7])
    assert body["size"] == 21 and body["search_after"] == [1990, 7]
    assert body["track_total_hits"] is True
    assert body["aggs"]["category"]["terms"]["size"] == 50
    assert "search_after" not in DSL.search_body(search(), 21)


def test_facet_buckets_keep_their_order():
    buckets = {"buckets": [{"key": "kitchen", "doc_count": 5}, {"key": "garden", "doc_count": 2}]}
    facets = DSL.facets({"category": buckets})
    assert [(f.value, f.count) for f in facets["category"]] == [("kitchen", 5), ("garden", 2)]
    assert DSL.facets({}) == {"category": []}
