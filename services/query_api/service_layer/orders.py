"""Order reads: get by id, and search pages (newest first) that stay stable while orders change."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from ..domain.errors import OrderNotFound
from ..domain.order_dsl import order_search_body
from ..domain.order_search import OrderSearch
from ..domain.orders import OrderPage, OrderView, order_from_source
from .consistency import ReadYourWrites, parse_token
from .paging import SearchIndex, SnapshotPager, read_cursor

log = logging.getLogger(__name__)


def orders_from_hits(hits: Iterable[dict[str, Any]]) -> list[OrderView]:
    """The orders among search hits; an incomplete document is left out (and logged)."""
    orders = []
    for hit in hits:
        order = order_from_source(hit["_id"], hit.get("_source") or {})
        if order is None:
            log.warning("search hit %s is not a complete order document", hit["_id"])
            continue
        orders.append(order)
    return orders


class OrderQueries:
    def __init__(self, index: SearchIndex, consistency: ReadYourWrites,
                 use_snapshots: bool) -> None:
        self._index = index
        self._consistency = consistency
        self._pager = SnapshotPager(index, use_snapshots)

    async def get(self, order_id: int, token: str | None = None) -> OrderView:
        await self._consistency.catch_up(token, parse_token(token))
        source = await self._index.get(order_id)  # realtime: no refresh needed
        order = order_from_source(str(order_id), source) if source is not None else None
        if order is None:
            raise OrderNotFound(order_id)
        return order

    async def search(self, search: OrderSearch, size: int, cursor_text: str | None = None,
                     token: str | None = None) -> OrderPage:
        lsn = parse_token(token)
        fingerprint = search.fingerprint()
        cursor = read_cursor(cursor_text, fingerprint, search.scored)
        await self._consistency.catch_up(token, lsn)
        if lsn is not None:
            await self._index.refresh()  # caught up in the index; now make it searchable
        body = order_search_body(search, size + 1, cursor.after if cursor else None)
        page = await self._pager.page(body, size, fingerprint, cursor, lsn)
        return OrderPage(total=page.total, hits=orders_from_hits(page.hits),
                         next_cursor=page.next_cursor)
