"""The statistics' aggregation bodies and the reading of their answers, without a server."""

from __future__ import annotations

from services.query_api.adapters.elasticsearch.stats import StatsDsl
from services.query_api.domain.stats import DayRange, SalesQuery, SalesRow, StatsInterval, TopProductsQuery

from ...fakes import product_bucket, sales_bucket

DSL = StatsDsl()
NOVEMBER = SalesQuery.from_params(first="2026-11-01", last="2026-11-30")


def test_sales_buckets_are_day_by_category_with_their_sums():
    body = DSL.sales_body(NOVEMBER)
    composite = body["aggs"]["series"]["composite"]
    assert composite["sources"] == [
        {"period": {"date_histogram": {"field": "day", "calendar_interval": "day", "format": "yyyy-MM-dd"}}},
        {"category": {"terms": {"field": "category"}}},
    ]
    assert body["aggs"]["series"]["aggs"] == {
        "orders": {"sum": {"field": "orders"}},
        "units": {"sum": {"field": "units"}},
        "revenue_cents": {"sum": {"field": "revenue_cents"}},
    }
    assert body["size"] == 0 and "after" not in composite
    assert body["query"] == {
        "bool": {"filter": [{"range": {"day": {"gte": "2026-11-01", "lte": "2026-11-30", "format": "yyyy-MM-dd"}}}]}
    }


def test_months_and_a_category_and_open_ranges():
    query = SalesQuery.from_params(first=None, last="2026-11-30", interval="month", category="lighting")
    body = DSL.sales_body(query, after={"period": "2026-10", "category": "kitchen"})
    period = body["aggs"]["series"]["composite"]["sources"][0]["period"]["date_histogram"]
    assert (period["calendar_interval"], period["format"]) == ("month", "yyyy-MM")
    assert body["aggs"]["series"]["composite"]["after"] == {"period": "2026-10", "category": "kitchen"}
    assert body["query"]["bool"]["filter"] == [
        {"range": {"day": {"lte": "2026-11-30", "format": "yyyy-MM-dd"}}},
        {"term": {"category": "lighting"}},
    ]
    assert DSL.sales_body(SalesQuery())["query"] == {"bool": {"filter": []}}


def test_a_page_of_sales_becomes_rows_with_money_from_cents():
    answer = {
        "series": {
            "after_key": {"period": "2026-11-26", "category": "lighting"},
            "buckets": [
                sales_bucket("2026-11-26", "kitchen", 2, 13, 999),
                sales_bucket("2026-11-26", "lighting", 1, 2, 3980),
            ],
        }
    }
    rows, after = StatsDsl(page=2).sales_page({"aggregations": answer})
    assert rows == [SalesRow("2026-11-26", "kitchen", 2, 13, "9.99"), SalesRow("2026-11-26", "lighting", 1, 2, "39.80")]
    assert after == {"period": "2026-11-26", "category": "lighting"}
    assert StatsDsl(page=3).sales_page({"aggregations": answer})[1] is None  # a short page is the last


def test_no_sales_is_no_rows():
    assert DSL.sales_page({"aggregations": {"series": {"buckets": []}}}) == ([], None)
    assert DSL.sales_page({}) == ([], None)


def test_large_sums_stay_exact():
    answer = {"series": {"buckets": [sales_bucket("2026-11", "x", 1, 1, 12_345_678_901_234)]}}
    assert DSL.sales_page({"aggregations": answer})[0][0].revenue == "123456789012.34"


def test_top_products_rank_by_units_then_revenue_then_id():
    body = DSL.top_products_body(TopProductsQuery(DayRange(), limit=7))
    terms = body["aggs"]["top"]["terms"]
    assert terms == {
        "field": "product_id",
        "size": 7,
        "order": [{"units": "desc"}, {"revenue_cents": "desc"}, {"_key": "asc"}],
    }
    assert body["aggs"]["top"]["aggs"] == {
        "units": {"sum": {"field": "units"}},
        "revenue_cents": {"sum": {"field": "revenue_cents"}},
    }
    answer = {"top": {"buckets": [product_bucket(5, 7, 12340), product_bucket(2, 7, 100)]}}
    assert DSL.top_buckets({"aggregations": answer}) == [(5, 7, 12340), (2, 7, 100)]


def test_top_products_filter_days():
    query = TopProductsQuery.from_params(first="2026-11-01", last=None)
    assert DSL.top_products_body(query)["query"]["bool"]["filter"] == [
        {"range": {"day": {"gte": "2026-11-01", "format": "yyyy-MM-dd"}}}
    ]


def test_interval_values_are_the_api_words():
    assert [i.value for i in StatsInterval] == ["day", "month"]
