"""GET /products/{id} on real Elasticsearch: realtime, 404/422, and 503 when it cannot answer."""

from __future__ import annotations

import asyncio

import pytest

from search_client import async_client
from services.query_api.adapters.elasticsearch.documents import DocumentIndex
from services.query_api.domain.errors import ReadModelUnavailable
from services.query_api.read_models import product_extras
from tests.support.clients import search_engine

from .documents import product

pytestmark = pytest.mark.integration
DEAD_ES = "http://127.0.0.1:1"


def test_get_is_realtime_without_a_refresh(api, catalogue, es, indices):
    catalogue.load([])
    catalogue.put(product(41, "Fresh Teapot", "19.9", on_hand=0, active=False), refresh=False)
    # The index refreshes never on its own here, so a search cannot see it yet...
    assert es.count(index=indices.products_alias)["count"] == 0
    # ...but a get by id can.
    response = api.get("/products/41")
    assert response.status_code == 200
    assert response.json() == {
        "id": 41,
        "sku": "SKU-00041",
        "name": "Fresh Teapot",
        "description": "",
        "category": "kitchen",
        "brand": None,
        "price": "19.90",
        "active": False,
        "on_hand": 0,
        "in_stock": False,
        "units_sold": 0,
        **dict.fromkeys(product_extras().names),  # declared beyond the view, not in this document
    }


def test_unknown_deleted_and_incomplete_products_are_404(api, catalogue, es, indices):
    catalogue.load([product(42, "Doomed", "1.00")])
    catalogue.delete(42)
    es.index(
        index=indices.products_alias, id="43", document={"id": 43, "on_hand": 3}, refresh=True
    )  # stock arrived before the product row
    for product_id in (42, 43, 999_999):
        response = api.get(f"/products/{product_id}")
        assert response.status_code == 404
        assert response.json() == {"detail": f"product {product_id} not found"}


@pytest.mark.parametrize("raw", ["abc", "1.5", "0", "-1", "9223372036854775808", "1e3"])
def test_non_ids_are_422(api, raw):
    assert api.get(f"/products/{raw}").status_code == 422


def test_a_missing_index_is_503_not_500(make_client, base_settings):
    settings = base_settings.model_copy(update={"products_index": "qtest_no_such_alias"})
    with make_client(settings) as client:
        for path in ("/products/1", "/products/search"):
            response = client.get(path)
            assert response.status_code == 503, response.text
            assert "does not exist yet" in response.json()["detail"]


def test_unreachable_elasticsearch_is_503():
    async def read() -> None:
        es = async_client(search_engine(), DEAD_ES, request_timeout=2, max_retries=0)
        try:
            await DocumentIndex(es, "products", "1m", "product").get(1)
        finally:
            await es.close()

    with pytest.raises(ReadModelUnavailable, match="unreachable"):
        asyncio.run(read())


def test_health_and_metrics(api):
    assert api.get("/health").json() == {"status": "ok", "elasticsearch": "green"}
    api.get("/products/search", params={"q": "x"})
    metrics = api.get("/metrics")
    assert metrics.status_code == 200
    assert 'readside_query_requests_total{method="GET",route="/products/search",status="200"}' in metrics.text
    assert "readside_query_request_seconds_bucket" in metrics.text


def test_health_is_503_when_elasticsearch_stops_answering(make_client, base_settings):
    with make_client(base_settings) as client:
        side = client.app.state.read_side
        live, side.elasticsearch = side.elasticsearch, async_client(search_engine(), DEAD_ES, max_retries=0)
        try:
            response = client.get("/health")
        finally:
            dead, side.elasticsearch = side.elasticsearch, live
            client.portal.call(dead.close)
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "elasticsearch": "unreachable"}
