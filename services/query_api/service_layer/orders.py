"""Order reads: get by id, and search pages (newest first) that stay stable while orders change."""

from __future__ import annotations

from typing import Any, Protocol

from ..domain.errors import OrderNotFound
from ..domain.orders import OrderPage, OrderSearch, OrderView, order_from_source
from .consistency import ReadYourWrites
from .documents import DocumentReads
from .paging import SearchIndex


class OrderRequests(Protocol):
    """The orders index's requests (adapters/elasticsearch/orders.py builds them)."""

    def search_body(self, search: OrderSearch, fetch: int, search_after: list[Any] | None) -> dict[str, Any]: ...
    def customer_orders_body(self, customer_id: int, statuses: tuple[str, ...], size: int) -> dict[str, Any]: ...


def order_reads(
    index: SearchIndex, consistency: ReadYourWrites, use_snapshots: bool = True
) -> DocumentReads[OrderView]:
    return DocumentReads(index, consistency, use_snapshots, order_from_source, OrderNotFound, "order")


class OrderQueries:
    def __init__(
        self, index: SearchIndex, requests: OrderRequests, consistency: ReadYourWrites, use_snapshots: bool
    ) -> None:
        self._reads = order_reads(index, consistency, use_snapshots)
        self._requests = requests

    async def get(self, order_id: int, token: str | None = None) -> OrderView:
        return await self._reads.get(order_id, token)

    async def search(
        self, search: OrderSearch, size: int, cursor_text: str | None = None, token: str | None = None
    ) -> OrderPage:
        page = await self._reads.page(
            search, size, cursor_text, token, lambda after: self._requests.search_body(search, size + 1, after)
        )
        return OrderPage(total=page.total, hits=self._reads.views(page.hits), next_cursor=page.next_cursor)
