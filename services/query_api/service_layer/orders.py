"""Order reads: get by id, and search pages (newest first) that stay stable while orders change."""

from __future__ import annotations

from ..domain.errors import OrderNotFound
from ..domain.order_dsl import order_search_body
from ..domain.order_search import OrderSearch
from ..domain.orders import OrderPage, OrderView, order_from_source
from .consistency import ReadYourWrites
from .documents import DocumentReads
from .paging import SearchIndex


def order_reads(
    index: SearchIndex, consistency: ReadYourWrites, use_snapshots: bool = True
) -> DocumentReads[OrderView]:
    return DocumentReads(index, consistency, use_snapshots, order_from_source, OrderNotFound, "order")


class OrderQueries:
    def __init__(self, index: SearchIndex, consistency: ReadYourWrites, use_snapshots: bool) -> None:
        self._reads = order_reads(index, consistency, use_snapshots)

    async def get(self, order_id: int, token: str | None = None) -> OrderView:
        return await self._reads.get(order_id, token)

    async def search(
        self, search: OrderSearch, size: int, cursor_text: str | None = None, token: str | None = None
    ) -> OrderPage:
        page = await self._reads.page(
            search, size, cursor_text, token, lambda after: order_search_body(search, size + 1, after)
        )
        return OrderPage(total=page.total, hits=self._reads.views(page.hits), next_cursor=page.next_cursor)
