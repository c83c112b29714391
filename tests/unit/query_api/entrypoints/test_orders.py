"""The order routes without servers: JSON shapes, 404s, 422s, 503/504, OpenAPI."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from services.query_api.adapters.elasticsearch.orders import OrderDsl
from services.query_api.consistency.waiter import Projection
from services.query_api.domain.errors import ReadModelUnavailable
from services.query_api.entrypoints.app import create_app
from services.query_api.service_layer.consistency import ReadYourWrites
from services.query_api.service_layer.customers import CustomerQueries
from services.query_api.service_layer.orders import OrderQueries
from services.query_api.settings import QueryApiSettings

from ..fakes import FakeIndex, FakeWaiter, newest_first, order_doc

ORDER_KEYS = {"id", "status", "customer", "items", "total", "placed_at", "updated_at"}
LINE_KEYS = {"line_no", "product_id", "sku", "name", "quantity", "unit_price", "line_total"}
ADA = {
    "id": 3,
    "email": "ada@x.org",
    "name": "Ada",
    "country": "GB",
    "order_count": 2,
    "lifetime_value": "79.6",
    "lifetime_value_cents": 7960,
    "last_order_at": "2026-11-26T10:00:02Z",
    "source_lsn": 5,
    "indexed_at": "x",
}
TOKEN = "v1.AAAAFrN02Eg"


def client_for(orders, customers, waiter=None):
    # No `with`: the lifespan (which would connect to Elasticsearch) does not run.
    app = create_app(QueryApiSettings())
    waiter = waiter or FakeWaiter()
    observe = app.state.metrics.observe_consistency_wait

    def reading(*names):
        return ReadYourWrites(waiter, [Projection(n, ("t",)) for n in names], observe)

    app.state.read_side = SimpleNamespace(
        orders=OrderQueries(orders, OrderDsl(), reading("orders"), use_snapshots=True),
        customers=CustomerQueries(customers, orders, OrderDsl(), reading("customers"), reading("customers", "orders")),
    )
    return TestClient(app, raise_server_exceptions=False)


def orders_index():
    return FakeIndex([order_doc(i, f"2026-11-26T10:00:0{i}Z") for i in range(1, 4)], key=newest_first)


@pytest.fixture
def api():
    return client_for(orders_index(), FakeIndex([ADA]))


def test_order_shape_has_no_internal_fields(api):
    body = api.get("/orders/2").json()
    assert set(body) == ORDER_KEYS and set(body["items"][0]) == LINE_KEYS
    assert body["customer"] == {"id": 3, "name": "Ada", "email": "ada@x.org", "country": "GB"}
    assert (body["total"], body["items"][0]["unit_price"]) == ("39.80", "19.90")
    assert body["placed_at"] == "2026-11-26T10:00:02Z"


def test_search_shape_and_pages(api):
    first = api.get("/orders/search", params={"size": 2}).json()
    assert set(first) == {"total", "hits", "next_cursor"} and first["total"] == 3
    assert [o["id"] for o in first["hits"]] == [3, 2] and set(first["hits"][0]) == ORDER_KEYS
    second = api.get("/orders/search", params={"size": 2, "cursor": first["next_cursor"]})
    assert [o["id"] for o in second.json()["hits"]] == [1]
    assert second.json()["next_cursor"] is None


@pytest.mark.parametrize(
    "path,detail",
    [
        ("/orders/42", "order 42 not found"),
    ],
)
def test_unknown_ids_are_404(api, path, detail):
    response = api.get(path)
    assert (response.status_code, response.json()) == (404, {"detail": detail})


@pytest.mark.parametrize("path", ["/orders/{}"])
@pytest.mark.parametrize("raw", ["abc", "1.5", "0", "-3", "9223372036854775808", "1e3"])
def test_bad_ids_are_422(api, path, raw):
    response = api.get(path.format(raw))
    assert response.status_code == 422 and isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(
    "params",
    [
        {"status": "lost"},
        {"status": ["paid", "nope"]},
        {"customer_id": 0},
        {"customer_id": "x"},
        {"customer_id": 2**63},
        {"placed_from": "yesterday"},
        {"placed_to": "2026-11-26"},
        {"placed_from": "2026-11-26T10:00:00"},
        {"placed_from": "2026-11-27T00:00:00Z", "placed_to": "2026-11-26T00:00:00Z"},
        {"placed_from": "9" * 65},
        {"size": 0},
        {"size": 101},
        {"q": "x" * 257},
        {"cursor": "not-a-cursor"},
        {"cursor": "x" * 5000},
        {"customer": 3},  # a misspelt filter: refused, not ignored
    ],
)
def test_bad_search_parameters_are_422(api, params):
    response = api.get("/orders/search", params=params)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], str)


def test_reversed_window_says_why(api):
    detail = api.get(
        "/orders/search", params={"placed_from": "2026-11-27T00:00:00Z", "placed_to": "2026-11-26T00:00:00Z"}
    ).json()
    assert "must not be after placed_to" in detail["detail"]


def test_an_order_search_cursor_only_continues_its_own_search(api):
    cursor = api.get("/orders/search", params={"size": 1}).json()["next_cursor"]
    response = api.get("/orders/search", params={"size": 1, "status": "paid", "cursor": cursor})
    assert response.status_code == 422 and "different search" in response.json()["detail"]


# The reads of orders and of customers (GET /customers/{id}[/orders] reads both indices) share the token and
# unavailability handling: checked once here for every such path.
ORDER_AND_CUSTOMER_READS = ["/orders/1", "/orders/search", "/customers/3", "/customers/3/orders"]


@pytest.mark.parametrize("path", ORDER_AND_CUSTOMER_READS)
def test_tokens_are_checked_and_honoured(path):
    malformed = client_for(orders_index(), FakeIndex([ADA])).get(
        path, headers={"X-Consistency-Token": "v1.AAAAFrN02Eh"}
    )
    assert malformed.status_code == 422 and "X-Consistency-Token" in malformed.json()["detail"]
    behind = client_for(orders_index(), FakeIndex([ADA]), FakeWaiter(behind=True))
    response = behind.get(path, headers={"X-Consistency-Token": TOKEN})
    assert response.status_code == 504
    assert response.json()["detail"].startswith(f"read model not yet at token {TOKEN}")
    assert "readside_query_consistency_timeouts_total 1.0" in behind.get("/metrics").text


def test_unavailable_read_model_is_503():
    index = orders_index()
    index.error = ReadModelUnavailable("Elasticsearch is unreachable (ConnectionError)")
    api = client_for(index, index)
    for path in ORDER_AND_CUSTOMER_READS:
        response = api.get(path)
        assert response.status_code == 503
        assert response.json() == {"detail": "Elasticsearch is unreachable (ConnectionError)"}


def test_openapi_documents_the_reads(api):
    spec = api.get("/openapi.json").json()
    assert {"/orders/search", "/orders/{order_id}"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert set(schemas["Order"]["properties"]) == ORDER_KEYS
    assert set(schemas["OrderLine"]["properties"]) == LINE_KEYS
    assert set(schemas["OrderSearchResult"]["properties"]) == {"total", "hits", "next_cursor"}
    assert schemas["OrderStatus"]["enum"] == ["placed", "paid", "shipped", "cancelled"]
    get_order = spec["paths"]["/orders/{order_id}"]["get"]
    assert {"404", "422", "503", "504"} <= set(get_order["responses"])
