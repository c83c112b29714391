"""Order reads: get by id, and search pages (newest first) that stay stable while orders change."""

from __future__ import annotations

from typing import Any, Protocol

from ..domain.errors import OrderNotFound
from ..domain.orders import OrderPage, OrderSearch, OrderView, order_from_source
from .consistency import ReadYourWrites
from .documents import DocumentReads, SearchIndex


class OrderRequests(Protocol):
    """The orders index's requests (adapters/elasticsearch/orders.py builds them)."""

    def search_body(self, search: OrderSearch, fetch: int, search_after: list[Any] | None) -> dict[str, Any]: ...
    def customer_orders_body(self, customer_id: int, statuses: tuple[str, ...], size: int) -> dict[str, Any]: ...


class OrderQueries(DocumentReads[OrderView]):
    """`get` (by id, after a token) comes from DocumentReads; `search` pages newest first."""

    def __init__(
        self, index: SearchIndex, requests: OrderRequests, consistency: ReadYourWrites, use_snapshots: bool
    ) -> None:
        super().__init__(index, consistency, use_snapshots, order_from_source, OrderNotFound, "order")
        self._requests = requests

    async def search(
        self, search: OrderSearch, size: int, cursor_text: str | None = None, token: str | None = None
    ) -> OrderPage:
        page = await self._page(
            search, size, cursor_text, token, lambda after: self._requests.search_body(search, size + 1, after)
        )
        return OrderPage(total=page.total, hits=self._views(page.hits), next_cursor=page.next_cursor)
