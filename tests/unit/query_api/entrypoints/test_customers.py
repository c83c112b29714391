"""The customer routes without servers: JSON shapes, 404s, 422s, OpenAPI (tokens and 503s: test_orders.py)."""

from __future__ import annotations

import pytest

from ..fakes import FakeIndex
from .test_orders import ADA, client_for, orders_index

CUSTOMER_KEYS = {"id", "email", "name", "country", "order_count", "lifetime_value", "last_order_at"}


@pytest.fixture
def api():
    return client_for(orders_index(), FakeIndex([ADA]))


def test_customer_shape(api):
    body = api.get("/customers/3").json()
    assert body == {
        "id": 3,
        "email": "ada@x.org",
        "name": "Ada",
        "country": "GB",
        "order_count": 2,
        "lifetime_value": "79.60",
        "last_order_at": "2026-11-26T10:00:02Z",
    }
    assert set(body) == CUSTOMER_KEYS


def test_customer_orders_shape(api):
    body = api.get("/customers/3/orders", params={"status": "placed"}).json()
    assert set(body) == {"total", "hits"} and body["total"] == 3
    assert [o["id"] for o in body["hits"]] == [3, 2, 1]


@pytest.mark.parametrize("path", ["/customers/42", "/customers/42/orders"])
def test_unknown_ids_are_404(api, path):
    response = api.get(path)
    assert (response.status_code, response.json()) == (404, {"detail": "customer 42 not found"})


@pytest.mark.parametrize("path", ["/customers/{}", "/customers/{}/orders"])
@pytest.mark.parametrize("raw", ["abc", "1.5", "0", "-3", "9223372036854775808", "1e3"])
def test_bad_ids_are_422(api, path, raw):
    response = api.get(path.format(raw))
    assert response.status_code == 422 and isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(
    "params", [{"status": "lost"}, {"size": 0}, {"size": 1001}, {"size": "many"}, {"stat": "paid"}]
)
def test_bad_customer_order_parameters_are_422(api, params):
    assert api.get("/customers/3/orders", params=params).status_code == 422


def test_customer_orders_size_allows_up_to_1000(api):
    assert api.get("/customers/3/orders", params={"size": 1000}).status_code == 200


def test_openapi_documents_the_reads(api):
    spec = api.get("/openapi.json").json()
    assert {"/customers/{customer_id}", "/customers/{customer_id}/orders"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert set(schemas["Customer"]["properties"]) == CUSTOMER_KEYS
    assert set(schemas["CustomerOrdersResult"]["properties"]) == {"total", "hits"}
