"""Product reads over a fake index: snapshots across pages, tokens, expiry, not found."""

from __future__ import annotations

import asyncio

import pytest

from services.query_api.adapters.elasticsearch.products import ProductDsl
from services.query_api.consistency.waiter import Projection
from services.query_api.domain.errors import InvalidQuery, ProductNotFound, ReadModelBehind
from services.query_api.domain.products import ProductSearch, SortOrder
from services.query_api.service_layer.consistency import ReadYourWrites
from services.query_api.service_layer.products import ProductQueries

from ..fakes import FakeIndex, FakeWaiter, product_doc

BY_PRICE = ProductSearch(sort=SortOrder.price_asc)
TOKEN_1000 = "v1.AAAAAAAAA-g"
TOKEN_2000 = "v1.AAAAAAAAB9A"


def queries(index, waiter=None, use_snapshots=True, observed=None):
    observe = (lambda outcome, s: observed.append(outcome)) if observed is not None else (lambda outcome, s: None)
    consistency = ReadYourWrites(waiter or FakeWaiter(), Projection("products", ("t",)), observe)
    return ProductQueries(index, ProductDsl(facet_size=10), consistency, use_snapshots=use_snapshots)


def run(coro):
    return asyncio.run(coro)


def all_pages(reads, search, size, token=None):
    pages, cursor = [], None
    while True:
        page = run(reads.search(search, size, cursor, token))
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_pages_share_one_snapshot_which_is_closed_after_the_last_page():
    index = FakeIndex([product_doc(i, 100 * (i % 3)) for i in range(1, 8)])
    pages = all_pages(queries(index), BY_PRICE, 3)
    assert [len(p.hits) for p in pages] == [3, 3, 1]
    assert index.opened == ["pit1"] and index.searched_with == ["pit1"] * 3
    assert index.closed == ["pit1"]
    ids = [h.id for p in pages for h in p.hits]
    assert len(ids) == len(set(ids)) == 7
    assert pages[0].total == 7 and pages[0].facets["category"][0].count == 7


def test_a_single_page_closes_its_snapshot_at_once():
    index = FakeIndex([product_doc(1, 100)])
    page = run(queries(index).search(BY_PRICE, 20))
    assert page.next_cursor is None and index.closed == ["pit1"]


def test_an_expired_snapshot_is_replaced_and_paging_continues():
    index = FakeIndex([product_doc(i, i) for i in range(1, 6)])
    reads = queries(index)
    first = run(reads.search(BY_PRICE, 2))
    index.expired.add("pit1")
    second = run(reads.search(BY_PRICE, 2, first.next_cursor))
    assert [h.id for h in second.hits] == [3, 4]
    assert index.opened == ["pit1", "pit2"]


def test_a_newer_token_on_a_later_page_gets_a_newer_snapshot():
    index, waiter = FakeIndex([product_doc(i, i) for i in range(1, 6)]), FakeWaiter()
    reads = queries(index, waiter)
    first = run(reads.search(BY_PRICE, 2, token=TOKEN_1000))
    run(reads.search(BY_PRICE, 2, first.next_cursor, token=TOKEN_1000))
    assert index.opened == ["pit1"]  # same token: same snapshot, it already holds the write
    run(reads.search(BY_PRICE, 2, first.next_cursor, token=TOKEN_2000))
    assert index.opened == ["pit1", "pit2"] and "pit1" in index.closed
    assert waiter.waited_for == [1000, 1000, 2000] and index.refreshes == 3


def test_without_snapshots_pages_use_search_after_alone():
    index = FakeIndex([product_doc(i, i) for i in range(1, 6)])
    pages = all_pages(queries(index, use_snapshots=False), BY_PRICE, 2)
    assert [h.id for p in pages for h in p.hits] == [1, 2, 3, 4, 5]
    assert index.opened == [] and set(index.searched_with) == {None}


def test_a_cursor_for_other_parameters_is_refused_before_searching():
    index = FakeIndex([product_doc(i, i) for i in range(1, 6)])
    reads = queries(index)
    cursor = run(reads.search(BY_PRICE, 2)).next_cursor
    with pytest.raises(InvalidQuery, match="different search"):
        run(reads.search(ProductSearch(sort=SortOrder.price_desc), 2, cursor))
    with pytest.raises(InvalidQuery, match="different search"):
        run(reads.search(ProductSearch(sort=SortOrder.price_asc, in_stock=True), 2, cursor))
    assert len(index.searched_with) == 1


def test_a_malformed_token_is_refused_before_any_wait():
    waiter = FakeWaiter()
    with pytest.raises(InvalidQuery, match="X-Consistency-Token"):
        run(queries(FakeIndex([]), waiter).get(1, "v1.nope"))
    assert waiter.waited_for == []


def test_a_token_behind_is_reported_and_observed():
    observed: list[str] = []
    reads = queries(FakeIndex([product_doc(1, 1)]), FakeWaiter(behind=True), observed=observed)
    with pytest.raises(ReadModelBehind, match="read model not yet at token"):
        run(reads.get(1, TOKEN_1000))
    assert observed == ["timeout"]


def test_get_by_id():
    index = FakeIndex([product_doc(1, 1990, active=False), {"id": 2, "on_hand": 4}])
    reads = queries(index)
    assert run(reads.get(1)).price == "19.90"
    with pytest.raises(ProductNotFound, match="product 2 not found"):
        run(reads.get(2))  # stock arrived, product row not yet: not a product
    with pytest.raises(ProductNotFound, match="product 3 not found"):
        run(reads.get(3))
