"""Customer reads over fake indices: the customer, its orders, tokens on one or two projections, 404s."""

from __future__ import annotations

import asyncio

import pytest

from services.query_api.adapters.elasticsearch.orders import OrderDsl
from services.query_api.consistency.waiter import Projection
from services.query_api.domain.errors import CustomerNotFound, ReadModelBehind
from services.query_api.service_layer.consistency import ReadYourWrites
from services.query_api.service_layer.customers import CustomerQueries

from ..fakes import FakeIndex, FakeWaiter, newest_first, order_doc

CUSTOMERS = Projection("customers", ("t",))


ORDERS = Projection("orders", ("t",))


TOKEN_1000 = "v1.AAAAAAAAA-g"


ADA = {
    "id": 3,
    "email": "ada@x.org",
    "name": "Ada",
    "country": "GB",
    "order_count": 2,
    "lifetime_value": "79.60",
    "last_order_at": "2026-11-26T12:00:00Z",
}


def run(coro):
    return asyncio.run(coro)


def order_index(count=5):
    # Two orders share each placed_at second, so the id decides between them.
    docs = [order_doc(i, f"2026-11-26T10:00:{i // 2:02d}Z") for i in range(1, count + 1)]
    return FakeIndex(docs, key=newest_first)


def customer_queries(customers, orders, waiter=None, observed=None):
    observe = (lambda outcome, s: observed.append(outcome)) if observed is not None else (lambda outcome, s: None)
    waiter = waiter or FakeWaiter()
    return CustomerQueries(
        customers,
        orders,
        OrderDsl(),
        ReadYourWrites(waiter, CUSTOMERS, observe),
        ReadYourWrites(waiter, (CUSTOMERS, ORDERS), observe),
    )


def test_get_a_customer_waits_for_the_customers_projection_only():
    waiter = FakeWaiter()
    reads = customer_queries(FakeIndex([ADA]), order_index(), waiter)
    customer = run(reads.get(3, TOKEN_1000))
    assert (customer.email, customer.lifetime_value) == ("ada@x.org", "79.60")
    assert waiter.projections == ["customers"]


def test_unknown_erased_or_incomplete_customers_are_404():
    reads = customer_queries(FakeIndex([{"id": 4, "order_count": 1}]), order_index())
    for missing in (4, 5):
        with pytest.raises(CustomerNotFound, match=f"customer {missing} not found"):
            run(reads.get(missing))
        with pytest.raises(CustomerNotFound):
            run(reads.orders(missing, (), 100))


def test_a_customers_orders_wait_for_both_projections():
    orders, waiter = order_index(3), FakeWaiter()
    reads = customer_queries(FakeIndex([ADA]), orders, waiter)
    found = run(reads.orders(3, ("placed",), 2, TOKEN_1000))
    assert sorted(waiter.projections) == ["customers", "orders"]
    assert orders.refreshes == 1 and orders.searched_with == [None]
    body = orders.bodies[0]
    assert {"term": {"customer_id": 3}} in body["query"]["bool"]["filter"]
    assert {"terms": {"status": ["placed"]}} in body["query"]["bool"]["filter"]
    assert body["size"] == 2
    assert found.total == 3 and [o.id for o in found.hits] == [3, 2]


@pytest.mark.parametrize("lagging", [{"orders"}, {"customers"}])
def test_either_projection_lagging_is_504(lagging):
    observed: list[str] = []
    reads = customer_queries(FakeIndex([ADA]), order_index(), FakeWaiter(behind=lagging), observed)
    with pytest.raises(ReadModelBehind, match=f"test says {next(iter(lagging))} lags"):
        run(reads.orders(3, (), 100, TOKEN_1000))
    assert observed == ["timeout"], "one read, one observation"
