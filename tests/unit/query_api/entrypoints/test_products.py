"""The product routes without servers: validation → 422, domain errors → 404/503/504, JSON shapes, OpenAPI."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from services.query_api.adapters.elasticsearch.products import ProductDsl
from services.query_api.consistency.waiter import Projection
from services.query_api.domain.errors import ReadModelUnavailable
from services.query_api.entrypoints.app import create_app
from services.query_api.read_models import product_extras
from services.query_api.service_layer.consistency import ReadYourWrites
from services.query_api.service_layer.products import ProductQueries
from services.query_api.settings import QueryApiSettings

from ..fakes import FakeIndex, FakeWaiter, product_doc

PRODUCT_KEYS = {
    "id",
    "sku",
    "name",
    "description",
    "category",
    "brand",
    "price",
    "active",
    "on_hand",
    "in_stock",
    "units_sold",
} | set(product_extras().names)  # what the products declaration adds (test_declared.py holds them)


def client_for(index, waiter=None):
    # No `with`: the lifespan (which would connect to Elasticsearch) does not run.
    app = create_app(QueryApiSettings())
    consistency = ReadYourWrites(
        waiter or FakeWaiter(), Projection("products", ("t",)), app.state.metrics.observe_consistency_wait
    )
    app.state.read_side = SimpleNamespace(products=ProductQueries(index, ProductDsl(10), consistency, True))
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def api():
    return client_for(FakeIndex([product_doc(i, 100 * i) for i in range(1, 4)]))


def test_product_shape(api):
    body = api.get("/products/2").json()
    assert set(body) == PRODUCT_KEYS and body["price"] == "2.00" and body["id"] == 2


def test_search_shape(api):
    body = api.get("/products/search", params={"sort": "price_asc", "size": 2}).json()
    assert set(body) == {"total", "hits", "facets", "next_cursor"}
    assert body["total"] == 3 and len(body["hits"]) == 2 and body["next_cursor"]
    assert body["facets"] == {"category": [{"value": "kitchen", "count": 3}]}
    assert set(body["hits"][0]) == PRODUCT_KEYS


def test_unknown_id_is_404(api):
    response = api.get("/products/42")
    assert (response.status_code, response.json()) == (404, {"detail": "product 42 not found"})


@pytest.mark.parametrize(
    "path", ["/products/abc", "/products/1.5", "/products/0", "/products/-3", "/products/99999999999999999999"]
)
def test_bad_ids_are_422(api, path):
    response = api.get(path)
    assert response.status_code == 422 and isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(
    "params",
    [
        {"size": 0},
        {"size": 101},
        {"size": "ten"},
        {"sort": "cheapest"},
        {"min_price": "abc"},
        {"min_price": "-1"},
        {"max_price": "1.001"},
        {"min_price": "5", "max_price": "4.99"},
        {"in_stock": "maybe"},
        {"q": "x" * 257},
        {"cursor": "not-a-cursor"},
        {"cursor": "x" * 5000},
        {"category": ""},
        {"category": "c" * 101},
        {"categroy": "garden"},  # a misspelt filter: refused, not ignored (which would answer unfiltered)
    ],
)
def test_bad_search_parameters_are_422(api, params):
    response = api.get("/products/search", params=params)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], str)


def test_a_cursor_with_other_parameters_is_422(api):
    cursor = api.get("/products/search", params={"sort": "price_asc", "size": 1}).json()["next_cursor"]
    response = api.get("/products/search", params={"sort": "price_desc", "size": 1, "cursor": cursor})
    assert response.status_code == 422 and "different search" in response.json()["detail"]


@pytest.mark.parametrize("token", ["garbage", "v1.AAAA", "v1.AAAAFrN02Eh", "x" * 100])
def test_malformed_tokens_are_422(api, token):
    for path in ("/products/1", "/products/search"):
        response = api.get(path, headers={"X-Consistency-Token": token})
        assert response.status_code == 422, response.text


def test_behind_is_504_and_counted():
    api = client_for(FakeIndex([product_doc(1, 1)]), FakeWaiter(behind=True))
    response = api.get("/products/1", headers={"X-Consistency-Token": "v1.AAAAFrN02Eg"})
    assert response.status_code == 504
    assert response.json()["detail"].startswith("read model not yet at token v1.AAAAFrN02Eg")
    metrics = api.get("/metrics").text
    assert "readside_query_consistency_timeouts_total 1.0" in metrics
    assert 'readside_query_consistency_wait_seconds_count{outcome="timeout"} 1.0' in metrics
    assert ('readside_query_requests_total{method="GET",route="/products/{product_id}",status="504"} 1.0') in metrics


def test_unavailable_read_model_is_503():
    index = FakeIndex([])
    index.error = ReadModelUnavailable("Elasticsearch is unreachable (ConnectionError)")
    api = client_for(index)
    for path in ("/products/1", "/products/search"):
        response = api.get(path)
        assert response.status_code == 503
        assert response.json() == {"detail": "Elasticsearch is unreachable (ConnectionError)"}


def test_openapi_documents_the_reads(api):
    spec = api.get("/openapi.json").json()
    assert {"/products/search", "/products/{product_id}", "/health"} <= set(spec["paths"])
    assert api.get("/docs").status_code == 200
