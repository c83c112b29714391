"""GET /stats/sales and /stats/top-products against a real Elasticsearch: the aggregate indices
made from the mapping files, filled with documents shaped as the sales pipeline writes them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from search_client import async_client
from services.query_api.adapters.elasticsearch.documents import DocumentIndex
from services.query_api.adapters.elasticsearch.stats import StatsDsl
from services.query_api.consistency.waiter import Projection
from services.query_api.domain.stats import SalesQuery
from services.query_api.service_layer.consistency import ReadYourWrites
from services.query_api.service_layer.stats import StatsQueries
from services.write_api.domain.consistency import encode_token
from tests.support.clients import search_engine

from .documents import product, product_sales_bucket, sales_bucket

pytestmark = pytest.mark.integration
WAIT_S = 0.6
WRITE_LSN = 80_000
TOKEN = encode_token(WRITE_LSN)

SALES = [
    sales_bucket("2026-10-31", "lighting", 1, 1, "5.00"),
    sales_bucket("2026-11-01", "lighting", 2, 3, "30.00"),
    sales_bucket("2026-11-01", "kitchen", 1, 10, "1.00"),
    sales_bucket("2026-11-02", "desk", 1, 1, "99.99"),
    sales_bucket("2026-11-30", "lighting", 4, 4, "40.40"),
    sales_bucket("2026-12-01", "kitchen", 1, 1, "0.10"),
]
PRODUCT_SALES = [
    product_sales_bucket("2026-11-01", 1, 3, "30.00"),
    product_sales_bucket("2026-11-02", 1, 2, "20.00"),
    product_sales_bucket("2026-11-01", 2, 5, "60.00"),  # ties 1 on units, wins on revenue
    product_sales_bucket("2026-11-01", 3, 5, "50.00"),  # ties 1 on both: the lower id first
    product_sales_bucket("2026-11-02", 4, 9, "0.90"),  # not in the catalogue
    product_sales_bucket("2026-12-01", 5, 100, "1.00"),
]


def row(period, category, orders, units, revenue) -> dict[str, Any]:
    return {"period": period, "category": category, "orders": orders, "units": units, "revenue": revenue}


@pytest.fixture
def shop(sales_docs, product_sales_docs, catalogue):
    sales_docs.load(SALES)
    product_sales_docs.load(PRODUCT_SALES)
    catalogue.load(
        [
            product(1, "Lamp", "10.00"),
            product(2, "Mug", "10.00"),
            product(3, "Bulb", "10.00"),
            product(5, "Desk", "0.01"),
        ]
    )


def get(api, path: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_daily_sales_in_period_then_category_order_within_inclusive_days(api, shop):
    assert get(api, "/stats/sales", **{"from": "2026-11-01", "to": "2026-11-30"}) == [
        row("2026-11-01", "kitchen", 1, 10, "1.00"),
        row("2026-11-01", "lighting", 2, 3, "30.00"),
        row("2026-11-02", "desk", 1, 1, "99.99"),
        row("2026-11-30", "lighting", 4, 4, "40.40"),
    ]
    assert len(get(api, "/stats/sales")) == len(SALES)


def test_months_sum_their_days_and_a_category_narrows(api, shop):
    assert get(api, "/stats/sales", interval="month") == [
        row("2026-10", "lighting", 1, 1, "5.00"),
        row("2026-11", "desk", 1, 1, "99.99"),
        row("2026-11", "kitchen", 1, 10, "1.00"),
        row("2026-11", "lighting", 6, 7, "70.40"),
        row("2026-12", "kitchen", 1, 1, "0.10"),
    ]
    assert get(api, "/stats/sales", interval="month", category="lighting", to="2026-11-01") == [
        row("2026-10", "lighting", 1, 1, "5.00"),
        row("2026-11", "lighting", 2, 3, "30.00"),
    ]
    assert get(api, "/stats/sales", category="garden") == []


def test_every_bucket_arrives_across_composite_pages(es_url, indices, shop):
    async def series() -> list[str]:
        es = async_client(search_engine(), es_url)
        try:
            index = DocumentIndex(es, indices.sales_alias, "1m")
            stats = StatsQueries(
                index, index, None, StatsDsl(page=2), ReadYourWrites(None, Projection("sales", ("t",)), lambda *_: None)
            )
            return [f"{r.period}|{r.category}" for r in await stats.sales(SalesQuery())]
        finally:
            await es.close()

    assert asyncio.run(series()) == [
        f"{d['day']}|{d['category']}" for d in sorted(SALES, key=lambda d: (d["day"], d["category"]))
    ]


def test_top_products_rank_units_then_revenue_then_id_named_from_the_catalogue(api, shop):
    ranked = get(api, "/stats/top-products", to="2026-11-30")
    assert ranked == [
        {"product_id": 4, "sku": None, "name": None, "units": 9, "revenue": "0.90"},
        {"product_id": 2, "sku": "SKU-00002", "name": "Mug", "units": 5, "revenue": "60.00"},
        {"product_id": 1, "sku": "SKU-00001", "name": "Lamp", "units": 5, "revenue": "50.00"},
        {"product_id": 3, "sku": "SKU-00003", "name": "Bulb", "units": 5, "revenue": "50.00"},
    ]
    assert [p["product_id"] for p in get(api, "/stats/top-products", limit=2)] == [5, 4]
    assert [p["units"] for p in get(api, "/stats/top-products", **{"from": "2026-11-02", "to": "2026-11-02"})] == [9, 2]


def test_bad_parameters_are_422_and_a_missing_index_503(api, make_client, base_settings, shop):
    for path, params in [
        ("/stats/sales", {"from": "2026-02-30"}),
        ("/stats/sales", {"interval": "year"}),
        ("/stats/top-products", {"limit": 1000}),
    ]:
        response = api.get(path, params=params)
        assert response.status_code == 422 and response.json()["detail"], response.text
    missing = base_settings.model_copy(
        update={"sales_index": "readside_no_such_sales", "product_sales_index": "readside_no_such_sales"}
    )
    with make_client(missing) as client:
        for path in ("/stats/sales", "/stats/top-products"):
            response = client.get(path)
            assert response.status_code == 503 and "readside_no_such_sales" in response.text


@pytest.fixture
def es_url(stack) -> str:
    return stack.elasticsearch_url


@pytest.fixture
def token_client(make_client, base_settings, pipeline) -> Iterator[Any]:
    settings = base_settings.model_copy(
        update={"sales_input_topics": (pipeline.changes_topic, pipeline.heartbeat_topic), "consistency_wait_s": WAIT_S}
    )
    with make_client(settings) as made:
        yield made


@pytest.mark.parametrize("path", ["/stats/sales", "/stats/top-products"])
def test_a_token_waits_for_the_sales_projection_and_then_sees_the_write(
    token_client, pipeline, topics, sales_docs, product_sales_docs, catalogue, path
):
    sales_docs.load([])
    product_sales_docs.load([])
    catalogue.load([])
    sales_docs.put(sales_bucket("2026-11-26", "lighting", 1, 2, "39.80"), refresh=False)
    product_sales_docs.put(product_sales_bucket("2026-11-26", 7, 2, "39.80"), refresh=False)
    assert get(token_client, path) == [], "eventually consistent without a token"
    heartbeat = topics.produce(pipeline.heartbeat_topic, 0)
    pipeline.applied(
        pipeline.heartbeat_topic, 0, offset=heartbeat, lsn=WRITE_LSN + 1, projection="orders"
    )  # another projection does not count
    started = time.monotonic()
    response = token_client.get(path, headers={"X-Consistency-Token": TOKEN})
    assert response.status_code == 504 and "projection 'sales'" in response.json()["detail"]
    assert WAIT_S <= time.monotonic() - started < WAIT_S + 2
    pipeline.applied(pipeline.heartbeat_topic, 0, offset=heartbeat, lsn=WRITE_LSN + 1, projection="sales")
    response = token_client.get(path, headers={"X-Consistency-Token": TOKEN})
    assert response.status_code == 200, response.text
    assert [(r["units"], r["revenue"]) for r in response.json()] == [(2, "39.80")]
