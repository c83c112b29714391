"""Order and customer reads over fake indices: pages, tokens on one or two projections, 404s."""

from __future__ import annotations

import asyncio

import pytest

from services.query_api.adapters.elasticsearch.orders import OrderDsl
from services.query_api.consistency.waiter import Projection
from services.query_api.domain.errors import CustomerNotFound, InvalidQuery, OrderNotFound, ReadModelBehind
from services.query_api.domain.orders import OrderSearch
from services.query_api.domain.paging import Cursor, encode_cursor
from services.query_api.service_layer.consistency import ReadYourWrites
from services.query_api.service_layer.customers import CustomerQueries
from services.query_api.service_layer.orders import OrderQueries

from .fakes import FakeIndex, FakeWaiter, newest_first, order_doc

ORDERS = Projection("orders", ("t",))
CUSTOMERS = Projection("customers", ("t",))
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


def order_queries(index, waiter=None, observed=None):
    observe = (lambda outcome, s: observed.append(outcome)) if observed is not None else (lambda outcome, s: None)
    return OrderQueries(index, OrderDsl(), ReadYourWrites(waiter or FakeWaiter(), ORDERS, observe), use_snapshots=True)


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


def test_get_an_order():
    reads = order_queries(FakeIndex([order_doc(7), {"id": 8, "items": []}]))
    order = run(reads.get(7))
    assert order.id == 7 and order.total == "39.80" and order.customer.email == "ada@x.org"
    for missing in (8, 9):  # lines before the order row are not an order yet; 9 is unknown
        with pytest.raises(OrderNotFound, match=f"order {missing} not found"):
            run(reads.get(missing))


def test_search_pages_newest_first_in_one_snapshot():
    index = order_index(5)
    reads = order_queries(index)
    pages, cursor = [], None
    while True:
        page = run(reads.search(OrderSearch(), 2, cursor))
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [[o.id for o in p.hits] for p in pages] == [[5, 4], [3, 2], [1]]
    assert {p.total for p in pages} == {5}
    assert index.opened == ["pit1"] and index.searched_with == ["pit1"] * 3
    assert index.closed == ["pit1"]


def test_a_cursor_only_continues_its_own_search():
    reads = order_queries(order_index(5))
    cursor = run(reads.search(OrderSearch(statuses=("placed",)), 2)).next_cursor
    with pytest.raises(InvalidQuery, match="different search"):
        run(reads.search(OrderSearch(statuses=("paid",)), 2, cursor))


def test_a_product_cursor_does_not_page_orders():
    foreign = encode_cursor(Cursor(OrderSearch().fingerprint(), [2.5, 7], None, 0))
    with pytest.raises(InvalidQuery, match="position"):
        run(order_queries(order_index()).search(OrderSearch(), 2, foreign))


def test_a_token_waits_for_the_orders_projection_then_refreshes():
    index, waiter = order_index(), FakeWaiter()
    reads = order_queries(index, waiter)
    run(reads.search(OrderSearch(), 2, token=TOKEN_1000))
    run(reads.get(1, TOKEN_1000))
    assert waiter.projections == ["orders", "orders"] and waiter.waited_for == [1000, 1000]
    assert index.refreshes == 1, "a get is realtime; only the search needs a refresh"


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


class BarrierWaiter:
    """Each wait returns only once every projection's wait has started: sequential waits would
    hang, so this proves they run side by side (and share one bound)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.started: list[str] = []
        self.all_started = asyncio.Event()

    async def wait_for(self, projection: Projection, lsn: int, token: str) -> None:
        self.started.append(projection.name)
        if len(self.started) == self.count:
            self.all_started.set()
        await asyncio.wait_for(self.all_started.wait(), 1.0)


def test_two_projections_are_waited_for_side_by_side():
    waiter = BarrierWaiter(2)
    consistency = ReadYourWrites(waiter, (CUSTOMERS, ORDERS), lambda outcome, s: None)
    run(consistency.catch_up(TOKEN_1000, 1000))
    assert waiter.started == ["customers", "orders"]


def test_a_read_must_wait_for_some_projection():
    with pytest.raises(ValueError):
        ReadYourWrites(FakeWaiter(), (), lambda outcome, s: None)
