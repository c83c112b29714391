"""Order reads over a fake index: get by id, pages newest first in one snapshot, cursors, tokens."""

from __future__ import annotations

import asyncio

import pytest

from services.query_api.adapters.elasticsearch.orders import OrderDsl
from services.query_api.consistency.waiter import Projection
from services.query_api.domain.errors import InvalidQuery, OrderNotFound
from services.query_api.domain.orders import OrderSearch
from services.query_api.domain.paging import Cursor, encode_cursor
from services.query_api.service_layer.consistency import ReadYourWrites
from services.query_api.service_layer.orders import OrderQueries

from ..fakes import FakeIndex, FakeWaiter, newest_first, order_doc

ORDERS = Projection("orders", ("t",))


TOKEN_1000 = "v1.AAAAAAAAA-g"


def run(coro):
    return asyncio.run(coro)


def order_index(count=5):
    # Two orders share each placed_at second, so the id decides between them.
    docs = [order_doc(i, f"2026-11-26T10:00:{i // 2:02d}Z") for i in range(1, count + 1)]
    return FakeIndex(docs, key=newest_first)


def order_queries(index, waiter=None, observed=None):
    observe = (lambda outcome, s: observed.append(outcome)) if observed is not None else (lambda outcome, s: None)
    return OrderQueries(index, OrderDsl(), ReadYourWrites(waiter or FakeWaiter(), ORDERS, observe), use_snapshots=True)


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
