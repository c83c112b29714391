"""GET /customers/{id} and /customers/{id}/orders on real Elasticsearch: shapes, the exact
total beyond `size`, status filters, 404 for unknown or erased customers."""

from __future__ import annotations

import pytest

from .documents import customer, order

pytestmark = pytest.mark.integration

ADA = customer(
    1,
    "Ada Lovelace",
    "ada@example.org",
    order_count=2,
    lifetime_value="41.05",
    last_order_at="2026-11-02T10:00:00.123999Z",
)
GRACE = customer(2, "Grace Hopper", "grace@navy.mil", "US")
ALAN = customer(3, "Alan Turing", "alan@bletchley.uk")  # no orders
BULB = (7, "BULB-7", "Bulb")
ORDERS = [
    order(1, "2026-11-01T09:00:00Z", customer=ADA, status="paid", lines=[(5, "LAMP-5", "Desk Lamp", 2, "19.90")]),
    order(2, "2026-11-02T10:00:00.123456Z", customer=GRACE, lines=[(*BULB, 4, "1.25")]),
    order(3, "2026-11-02T10:00:00.123999Z", customer=ADA, status="shipped", lines=[(*BULB, 1, "1.25")]),
    order(
        4, "2026-11-03T08:00:00Z", customer=None, status="cancelled", lines=[(*BULB, 1, "1.25")]
    ),  # placed by a customer since erased
    order(5, "2026-11-04T12:00:00Z", customer=ADA, status="cancelled", lines=[(*BULB, 3, "1.25")]),
]


@pytest.fixture(autouse=True)
def shop(customer_docs, order_docs):
    customer_docs.load([ADA, GRACE, ALAN])
    order_docs.load(ORDERS)


def orders_of(api, customer_id, **params):
    response = api.get(f"/customers/{customer_id}/orders", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(body):
    return [hit["id"] for hit in body["hits"]]


def test_a_customer_in_the_api_shape(api):
    response = api.get("/customers/1")
    assert response.status_code == 200
    assert response.json() == {
        "id": 1,
        "email": "ada@example.org",
        "name": "Ada Lovelace",
        "country": "GB",
        "order_count": 2,
        "lifetime_value": "41.05",
        "last_order_at": "2026-11-02T10:00:00.123999Z",
    }


def test_a_customer_without_orders(api):
    assert api.get("/customers/3").json() == {
        "id": 3,
        "email": "alan@bletchley.uk",
        "name": "Alan Turing",
        "country": "GB",
        "order_count": 0,
        "lifetime_value": "0.00",
        "last_order_at": None,
    }
    assert orders_of(api, 3) == {"total": 0, "hits": []}


def test_get_is_realtime_without_a_refresh(api, customer_docs):
    customer_docs.put(customer(8, "Katherine Johnson", "kj@nasa.gov", "US"), refresh=False)
    response = api.get("/customers/8")
    assert response.status_code == 200 and response.json()["name"] == "Katherine Johnson"


def test_unknown_erased_and_incomplete_customers_are_404(api, customer_docs, es, indices):
    customer_docs.delete(2)  # erased: the document goes, the orders stay without a customer
    es.index(
        index=indices.customers_alias, id="9", refresh=True, document={"id": 9, "order_count": 1}
    )  # aggregates before the customer's row
    for customer_id in (2, 9, 999_999):
        for path in (f"/customers/{customer_id}", f"/customers/{customer_id}/orders"):
            response = api.get(path)
            assert response.status_code == 404, path
            assert response.json() == {"detail": f"customer {customer_id} not found"}


@pytest.mark.parametrize("raw", ["abc", "1.5", "0", "-1", "9223372036854775808"])
def test_non_ids_are_422(api, raw):
    assert api.get(f"/customers/{raw}").status_code == 422
    assert api.get(f"/customers/{raw}/orders").status_code == 422


def test_a_customers_orders_newest_first_in_the_order_shape(api):
    body = orders_of(api, 1)
    assert ids(body) == [5, 3, 1] and body["total"] == 3
    assert body["hits"][1] == {
        "id": 3,
        "status": "shipped",
        "customer": {"id": 1, "name": "Ada Lovelace", "email": "ada@example.org", "country": "GB"},
        "items": [
            {
                "line_no": 1,
                "product_id": 7,
                "sku": "BULB-7",
                "name": "Bulb",
                "quantity": 1,
                "unit_price": "1.25",
                "line_total": "1.25",
            }
        ],
        "total": "1.25",
        "placed_at": "2026-11-02T10:00:00.123999Z",
        "updated_at": "2026-11-02T10:00:00.123999Z",
    }


@pytest.mark.parametrize(
    "params,expected",
    [({"status": "cancelled"}, [5]), ({"status": ["paid", "shipped"]}, [3, 1]), ({"status": "placed"}, [])],
)
def test_status_filter(api, params, expected):
    body = orders_of(api, 1, **params)
    assert ids(body) == expected and body["total"] == len(expected)


def test_the_total_counts_beyond_size(api, order_docs):
    order_docs.put(
        *[
            order(100 + n, f"2026-10-{1 + n:02d}T00:00:00Z", customer=GRACE, lines=[(*BULB, 1, "1.25")])
            for n in range(12)
        ]
    )
    body = orders_of(api, 2, size=5)
    assert body["total"] == 13 and ids(body) == [2, 111, 110, 109, 108]
    assert orders_of(api, 2, size=1000)["total"] == 13


@pytest.mark.parametrize("params", [{"status": "lost"}, {"size": "0"}, {"size": "1001"}])
def test_bad_parameters_are_422(api, params):
    response = api.get("/customers/1/orders", params=params)
    assert response.status_code == 422 and isinstance(response.json()["detail"], str)


def test_a_missing_index_is_503_not_500(make_client, base_settings):
    for index in ("customers_index", "orders_index"):
        settings = base_settings.model_copy(update={index: "qtest_no_such_index"})
        with make_client(settings) as client:
            response = client.get("/customers/1/orders")
            assert response.status_code == 503, response.text
            assert "does not exist yet" in response.json()["detail"]
