"""Order search bodies: user text only as match-family values, filters, the fixed newest-first
order, paging, and a customer's order list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.query_api.adapters.elasticsearch.orders import ORDER_SORT, OrderDsl
from services.query_api.domain.orders import OrderSearch

from .test_products import HOSTILE, MATCH_FAMILY, walk

IS_ORDER = {"exists": {"field": "status"}}
DSL = OrderDsl()


def filters(body):
    return body["query"]["bool"]["filter"]


@pytest.mark.parametrize("text", HOSTILE + ["42 OR 1=1", "ada@x.org", "SKU-5"])
def test_user_text_only_lands_in_match_query_values(text):
    body = DSL.search_body(OrderSearch(text=text), 21)
    keys = {key for path, _ in walk(body) for key in path}
    assert not keys & {"query_string", "simple_query_string", "wildcard", "regexp", "script", "prefix", "fuzzy"}
    places = [path for path, value in walk(body) if value == text]
    assert places, "the text should be searched"
    for path in places:
        assert path[-1] == "query" and [key for key in path if key in MATCH_FAMILY], path


def test_text_searches_names_across_fields_and_codes_whole():
    should = DSL.search_body(OrderSearch(text="ada lamp"), 21)["query"]["bool"]["must"][0]["bool"]["should"]
    assert should[0]["multi_match"]["type"] == "cross_fields"
    assert should[0]["multi_match"]["operator"] == "and"
    assert set(should[0]["multi_match"]["fields"]) == {"customer.name", "items.name"}
    assert {"match": {"customer.email": {"query": "ada lamp"}}} in should
    assert {"match": {"items.sku": {"query": "ada lamp"}}} in should
    assert not any("term" in clause for clause in should)


def test_a_whole_number_also_finds_the_order_with_that_id():
    should = DSL.search_body(OrderSearch(text="42"), 21)["query"]["bool"]["must"][0]["bool"]["should"]
    assert {"term": {"id": 42}} in should and len(should) == 4


def test_without_text_every_order_is_listed_newest_first():
    body = DSL.search_body(OrderSearch(), 21)
    assert "must" not in body["query"]["bool"] and filters(body) == [IS_ORDER]
    assert body["sort"] == ORDER_SORT == [{"placed_at": "desc"}, {"id": "desc"}]
    assert body["track_total_hits"] is True and body["size"] == 21
    assert "customer_id" in body["_source"] and "source_lsn" not in body["_source"]


def test_filters_combine():
    search = OrderSearch(
        statuses=("paid", "shipped"),
        customer_id=3,
        placed_from=datetime(2026, 11, 26, 10, 0, 0, 123999, tzinfo=UTC),
        placed_to=datetime(2026, 11, 27, tzinfo=UTC),
    )
    assert filters(DSL.search_body(search, 21)) == [
        IS_ORDER,
        {"terms": {"status": ["paid", "shipped"]}},
        {"term": {"customer_id": 3}},
        {"range": {"placed_at": {"gte": 1_795_687_200_123, "lte": 1_795_737_600_000, "format": "epoch_millis"}}},
    ]


def test_one_sided_windows_and_instants_before_1970():
    only_to = OrderSearch(placed_to=datetime(1969, 12, 31, 23, 59, 59, 999500, tzinfo=UTC))
    assert filters(DSL.search_body(only_to, 21))[-1] == {"range": {"placed_at": {"lte": -1, "format": "epoch_millis"}}}
    only_from = OrderSearch(placed_from=datetime(1970, 1, 1, tzinfo=UTC))
    assert filters(DSL.search_body(only_from, 21))[-1] == {"range": {"placed_at": {"gte": 0, "format": "epoch_millis"}}}


def test_paging_fields():
    body = DSL.search_body(OrderSearch(), 11, search_after=[1_795_687_200_123, 7])
    assert body["search_after"] == [1_795_687_200_123, 7] and body["size"] == 11
    assert "search_after" not in DSL.search_body(OrderSearch(), 11)


def test_a_customers_orders():
    body = DSL.customer_orders_body(3, ("cancelled",), 100)
    assert filters(body) == [IS_ORDER, {"term": {"customer_id": 3}}, {"terms": {"status": ["cancelled"]}}]
    assert body["sort"] == ORDER_SORT and body["size"] == 100
    assert body["track_total_hits"] is True, "the total counts beyond the page"
    assert filters(DSL.customer_orders_body(3, (), 5)) == [IS_ORDER, {"term": {"customer_id": 3}}]
