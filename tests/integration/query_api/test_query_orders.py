"""GET /orders/{id} and /orders/search on real Elasticsearch: shape, text, filters, newest-first
pages over one snapshot, 404/422/503."""

from __future__ import annotations

import pytest

from .documents import customer, order

pytestmark = pytest.mark.integration

ADA = customer(1, "Ada Lovelace", "Ada@Example.org")
GRACE = customer(2, "Grace Hopper", "grace@navy.mil", "US")
LAMP, SHADE, BULB, TEAPOT = (
    (5, "LAMP-5", "Desk Lamp"),
    (6, "SHADE-6", "Lamp Shade"),
    (7, "BULB-7", "Bulb"),
    (8, "TEAPOT-8", "Teapot"),
)
ORDERS = [
    order(1, "2026-11-01T09:00:00Z", customer=ADA, status="paid", lines=[(*LAMP, 2, "19.90")]),
    order(2, "2026-11-02T10:00:00.123456Z", customer=GRACE, lines=[(*SHADE, 1, "5.50"), (*BULB, 4, "1.25")]),
    # Placed in the same millisecond as order 2 (the index keeps milliseconds): id decides.
    order(3, "2026-11-02T10:00:00.123999Z", customer=ADA, status="shipped", lines=[(*BULB, 1, "1.25")]),
    order(
        4, "2026-11-03T08:00:00Z", customer=None, status="cancelled", lines=[(*LAMP, 1, "19.90")]
    ),  # the customer was erased
    order(5, "2026-11-04T12:00:00Z", customer=ADA, status="cancelled", lines=[(*TEAPOT, 1, "24.90")]),
    order(6, "2026-11-05T00:00:00Z", customer=GRACE, status="paid", lines=[(*LAMP, 1, "19.90"), (*TEAPOT, 1, "24.90")]),
]
NEWEST_FIRST = [6, 5, 4, 3, 2, 1]


@pytest.fixture(autouse=True)
def orders(order_docs):
    order_docs.load(ORDERS)


def search(api, **params):
    response = api.get("/orders/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(body):
    return [hit["id"] for hit in body["hits"]]


def test_an_order_in_the_api_shape(api):
    response = api.get("/orders/2")
    assert response.status_code == 200
    assert response.json() == {
        "id": 2,
        "status": "placed",
        "customer": {"id": 2, "name": "Grace Hopper", "email": "grace@navy.mil", "country": "US"},
        "items": [
            {
                "line_no": 1,
                "product_id": 6,
                "sku": "SHADE-6",
                "name": "Lamp Shade",
                "quantity": 1,
                "unit_price": "5.50",
                "line_total": "5.50",
            },
            {
                "line_no": 2,
                "product_id": 7,
                "sku": "BULB-7",
                "name": "Bulb",
                "quantity": 4,
                "unit_price": "1.25",
                "line_total": "5.00",
            },
        ],
        "total": "10.50",
        "placed_at": "2026-11-02T10:00:00.123456Z",
        "updated_at": "2026-11-02T10:00:00.123456Z",
    }


def test_an_order_without_customer(api):
    body = api.get("/orders/4").json()
    assert body["customer"] is None and body["status"] == "cancelled"


def test_get_is_realtime_without_a_refresh(api, order_docs, es, indices):
    order_docs.put(order(7, "2026-12-01T00:00:00Z", customer=ADA, lines=[(*BULB, 2, "1.25")]), refresh=False)
    assert 7 not in ids(search(api)), "not searchable before a refresh"
    response = api.get("/orders/7")
    assert response.status_code == 200 and response.json()["total"] == "2.50"


def test_unknown_deleted_and_incomplete_orders_are_404(api, order_docs, es, indices):
    order_docs.delete(1)
    # Lines that arrived before the order row.
    es.index(index=indices.orders_alias, id="9", refresh=True, document={"id": 9, "items": ORDERS[0]["items"]})
    for order_id in (1, 9, 999_999):
        response = api.get(f"/orders/{order_id}")
        assert response.status_code == 404
        assert response.json() == {"detail": f"order {order_id} not found"}
    assert 9 not in ids(search(api)) and search(api)["total"] == 5


@pytest.mark.parametrize("raw", ["abc", "1.5", "0", "-1", "9223372036854775808", "1e3"])
def test_non_ids_are_422(api, raw):
    assert api.get(f"/orders/{raw}").status_code == 422


def test_newest_first_with_the_id_breaking_ties(api):
    body = search(api)
    assert ids(body) == NEWEST_FIRST and body["total"] == 6 and body["next_cursor"] is None
    assert set(body["hits"][0]) == {"id", "status", "customer", "items", "total", "placed_at", "updated_at"}


@pytest.mark.parametrize(
    "q,expected",
    [
        ("ada", [5, 3, 1]),  # customer name
        ("LOVELACE", [5, 3, 1]),
        ("ADA@example.ORG", [5, 3, 1]),  # whole email, any case
        ("lamp-5", [6, 4, 1]),  # whole sku, any case
        ("lamp", [6, 4, 2, 1]),  # item names: Desk Lamp, Lamp Shade
        ("bulb", [3, 2]),
        ("grace teapot", [6]),  # every word, across customer and item names
        ("ada teapot", [5]),
        ("desk lamp shade", []),  # no one item is all three; no order has both lines
        ("4", [4]),  # an order id
        ("grace", [6, 2]),
        ("navy.mil", []),  # part of an email is not an email
    ],
)
def test_text(api, q, expected):
    assert ids(search(api, q=q)) == expected


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"status": "paid"}, [6, 1]),
        ({"status": ["paid", "shipped"]}, [6, 3, 1]),
        ({"customer_id": 1}, [5, 3, 1]),
        ({"customer_id": 3}, []),
        (
            {"placed_from": "2026-11-02T10:00:00.123Z", "placed_to": "2026-11-03T08:00:00Z"},
            [4, 3, 2],
        ),  # both bounds inclusive
        ({"placed_from": "2026-11-03T09:00:00+01:00"}, [6, 5, 4]),
        ({"placed_to": "2026-11-03T03:00:00-05:00"}, [4, 3, 2, 1]),
        ({"placed_from": "2026-11-02T10:00:00.124Z"}, [6, 5, 4]),
        ({"q": "ada", "status": "cancelled"}, [5]),
        ({"q": "lamp", "customer_id": 2, "placed_to": "2026-11-04T00:00:00Z"}, [2]),
    ],
)
def test_filters(api, params, expected):
    body = search(api, **params)
    assert ids(body) == expected and body["total"] == len(expected)


@pytest.mark.parametrize(
    "params",
    [
        {"status": "lost"},
        {"placed_from": "last week"},
        {"placed_to": "2026-11-03"},
        {"placed_from": "2026-11-04T00:00:00Z", "placed_to": "2026-11-03T00:00:00Z"},
        {"customer_id": "0"},
        {"size": "0"},
        {"size": "101"},
        {"cursor": "nope"},
    ],
)
def test_bad_parameters_are_422(api, params):
    response = api.get("/orders/search", params=params)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(
    "text",
    [
        "customer.name:*",
        '{"match_all": {}}',
        "*",
        "a OR b",
        "(((((",
        "/.*/",
        "id:[0 TO 99]",
        "te\x00a",
        "☕ 茶",
        "x" * 256,
        " ".join(f"w{i}" for i in range(85)),
        "_id:1",
        "1 OR 2",
    ],
)
def test_hostile_text_is_plain_text(api, text):
    response = api.get("/orders/search", params={"q": text})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert response.json()["total"] < len(ORDERS), "no text may widen a search"


def test_pages_stay_stable_while_orders_change(api, order_docs):
    seen: list[int] = []
    body = search(api, size=2)
    new_id = 100
    while True:
        seen += ids(body)
        assert body["total"] == 6, "every page counts the same snapshot"
        if body["next_cursor"] is None:
            break
        # Between pages: newer orders arrive, and an unseen order changes status.
        order_docs.put(order(new_id, "2026-12-01T00:00:00Z", customer=ADA, lines=[(*BULB, 1, "1.25")]))
        new_id += 1
        unseen = [i for i in NEWEST_FIRST if i not in seen]
        order_docs.put({**ORDERS[unseen[0] - 1], "status": "cancelled"})
        body = search(api, size=2, cursor=body["next_cursor"])
    assert seen == NEWEST_FIRST
    added = list(range(new_id - 1, 99, -1))
    assert ids(search(api, size=len(added))) == added, "a new first page sees them"


def test_a_cursor_only_continues_its_own_search(api):
    cursor = search(api, size=1)["next_cursor"]
    for other in ({"status": "placed"}, {"q": "ada"}, {"customer_id": 2}, {"placed_from": "2026-11-01T00:00:00Z"}):
        response = api.get("/orders/search", params={**other, "size": 1, "cursor": cursor})
        assert response.status_code == 422 and "different search" in response.json()["detail"]


def test_a_missing_index_is_503_not_500(make_client, base_settings):
    settings = base_settings.model_copy(update={"orders_index": "qtest_no_such_orders"})
    with make_client(settings) as client:
        for path in ("/orders/1", "/orders/search"):
            response = client.get(path)
            assert response.status_code == 503, response.text
            assert "does not exist yet" in response.json()["detail"]
