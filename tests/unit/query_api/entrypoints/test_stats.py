"""The statistics routes without servers: shapes, paging of buckets, naming, 422s, tokens, OpenAPI."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from services.query_api.adapters.elasticsearch.stats import StatsDsl
from services.query_api.consistency.waiter import Projection
from services.query_api.domain.errors import ReadModelUnavailable
from services.query_api.entrypoints.app import create_app
from services.query_api.service_layer.consistency import ReadYourWrites
from services.query_api.service_layer.stats import StatsQueries
from services.query_api.settings import QueryApiSettings

from ..fakes import FakeAggregates, FakeCatalogue, FakeWaiter, product_bucket, sales_bucket

TOKEN = "v1.AAAAFrN02Eg"
LAMP = {"sku": "LAMP-1", "name": "Lamp"}


def series(*buckets, after=None):
    return {"series": {"buckets": list(buckets), **({"after_key": after} if after else {})}}


def client_for(sales=None, product_sales=None, catalogue=None, waiter=None, page=1000):
    app = create_app(QueryApiSettings())  # no `with`: the lifespan does not run
    consistency = ReadYourWrites(
        waiter or FakeWaiter(), Projection("sales", ("t",)), app.state.metrics.observe_consistency_wait
    )
    app.state.read_side = SimpleNamespace(
        stats=StatsQueries(
            sales or FakeAggregates(),
            product_sales or FakeAggregates(),
            catalogue or FakeCatalogue({1: LAMP}),
            StatsDsl(page),
            consistency,
        )
    )
    return TestClient(app, raise_server_exceptions=False)


def test_sales_rows_come_from_every_page_of_buckets():
    sales = FakeAggregates(
        series(
            sales_bucket("2026-11-25", "kitchen", 1, 3, 999),
            sales_bucket("2026-11-25", "lighting", 2, 2, 3980),
            after={"period": "2026-11-25", "category": "lighting"},
        ),
        series(sales_bucket("2026-11-26", "kitchen", 4, 5, 100)),
    )
    response = client_for(sales=sales, page=2).get("/stats/sales", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200, response.text
    assert response.json() == [
        {"period": "2026-11-25", "category": "kitchen", "orders": 1, "units": 3, "revenue": "9.99"},
        {"period": "2026-11-25", "category": "lighting", "orders": 2, "units": 2, "revenue": "39.80"},
        {"period": "2026-11-26", "category": "kitchen", "orders": 4, "units": 5, "revenue": "1.00"},
    ]
    first, second = sales.bodies
    assert first["query"]["bool"]["filter"][0]["range"]["day"]["gte"] == "2026-11-01"
    assert second["aggs"]["series"]["composite"]["after"] == {"period": "2026-11-25", "category": "lighting"}
    assert sales.refreshes == 0  # without a token, reads are eventually consistent


def test_month_interval_and_category_reach_the_query():
    sales = FakeAggregates(series(sales_bucket("2026-11", "lighting", 3, 7, 12340)))
    body = client_for(sales=sales).get("/stats/sales", params={"interval": "month", "category": "lighting"}).json()
    assert body == [{"period": "2026-11", "category": "lighting", "orders": 3, "units": 7, "revenue": "123.40"}]
    sent = sales.bodies[0]
    assert sent["aggs"]["series"]["composite"]["sources"][0]["period"]["date_histogram"]["calendar_interval"] == "month"
    assert sent["query"]["bool"]["filter"] == [{"term": {"category": "lighting"}}]


def test_no_sales_is_an_empty_list():
    assert client_for().get("/stats/sales").json() == []
    assert client_for().get("/stats/top-products").json() == []


def test_top_products_are_named_from_the_catalogue_or_null():
    product_sales = FakeAggregates({"top": {"buckets": [product_bucket(9, 7, 500), product_bucket(1, 7, 100)]}})
    catalogue = FakeCatalogue({1: LAMP})
    response = client_for(product_sales=product_sales, catalogue=catalogue).get(
        "/stats/top-products", params={"limit": 2, "to": "2026-11-30"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == [
        {"product_id": 9, "sku": None, "name": None, "units": 7, "revenue": "5.00"},
        {"product_id": 1, "sku": "LAMP-1", "name": "Lamp", "units": 7, "revenue": "1.00"},
    ]
    assert catalogue.asked == [([9, 1], ["sku", "name"])]
    assert product_sales.bodies[0]["aggs"]["top"]["terms"]["size"] == 2


def test_top_products_default_to_ten():
    product_sales = FakeAggregates()
    client_for(product_sales=product_sales).get("/stats/top-products")
    assert product_sales.bodies[0]["aggs"]["top"]["terms"]["size"] == 10


@pytest.mark.parametrize(
    "path,params,reason",
    [
        ("/stats/sales", {"from": "2026-11-31"}, "from is not a calendar date"),
        ("/stats/sales", {"to": "26.11.2026"}, "to must be a date like 2026-11-26"),
        ("/stats/sales", {"from": "2026-11-27", "to": "2026-11-26"}, "must not be after to"),
        ("/stats/sales", {"interval": "week"}, "query interval"),
        ("/stats/sales", {"category": ""}, "query category"),
        ("/stats/sales", {"from": "2026-11-26T00:00:00Z"}, "query from"),
        ("/stats/top-products", {"limit": 0}, "query limit"),
        ("/stats/top-products", {"limit": 101}, "query limit"),
        ("/stats/top-products", {"limit": "ten"}, "query limit"),
        ("/stats/top-products", {"from": "2026-12-01", "to": "2026-11-01"}, "must not be after"),
        ("/stats/sales", {"form": "2026-11-01"}, "query form"),  # a misspelt parameter: refused, not ignored
    ],
)
def test_bad_parameters_are_422_with_a_reason(path, params, reason):
    sales, product_sales = FakeAggregates(), FakeAggregates()
    response = client_for(sales=sales, product_sales=product_sales).get(path, params=params)
    assert response.status_code == 422 and reason in response.json()["detail"], response.text
    assert sales.bodies == product_sales.bodies == []


@pytest.mark.parametrize("path", ["/stats/sales", "/stats/top-products"])
def test_a_token_waits_for_the_sales_projection_then_refreshes(path):
    waiter = FakeWaiter()
    sales, product_sales = FakeAggregates(), FakeAggregates()
    response = client_for(sales=sales, product_sales=product_sales, waiter=waiter).get(
        path, headers={"X-Consistency-Token": TOKEN}
    )
    assert response.status_code == 200, response.text
    assert waiter.projections == ["sales"]
    read = sales if path == "/stats/sales" else product_sales
    assert (read.refreshes, len(read.bodies)) == (1, 1)


@pytest.mark.parametrize("path", ["/stats/sales", "/stats/top-products"])
def test_tokens_are_checked_and_honoured(path):
    behind = client_for(waiter=FakeWaiter(behind={"sales"}))
    response = behind.get(path, headers={"X-Consistency-Token": TOKEN})
    assert response.status_code == 504
    assert response.json()["detail"].startswith(f"read model not yet at token {TOKEN}")
    malformed = client_for().get(path, headers={"X-Consistency-Token": "v1.???"})
    assert malformed.status_code == 422 and "X-Consistency-Token" in malformed.json()["detail"]


def test_an_unavailable_index_is_503_not_500():
    sales = FakeAggregates()
    sales.error = ReadModelUnavailable("the read model index 'sales_daily' does not exist yet")
    response = client_for(sales=sales).get("/stats/sales")
    assert response.status_code == 503 and "sales_daily" in response.json()["detail"]


def test_openapi_documents_the_statistics():
    spec = client_for().get("/openapi.json").json()
    sales = spec["paths"]["/stats/sales"]["get"]
    assert [p["name"] for p in sales["parameters"]] == ["from", "to", "interval", "category", "X-Consistency-Token"]
    assert {"200", "422", "503", "504"} <= set(sales["responses"])
    rows = spec["components"]["schemas"]
    assert set(rows["SalesRow"]["properties"]) == {"period", "category", "orders", "units", "revenue"}
    assert set(rows["TopProduct"]["properties"]) == {"product_id", "sku", "name", "units", "revenue"}
    top = spec["paths"]["/stats/top-products"]["get"]
    assert [p["name"] for p in top["parameters"]][:3] == ["from", "to", "limit"]
