"""Product reads: get by id, and search pages that stay stable while documents change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ..domain.errors import ProductNotFound
from ..domain.products import FacetValue, ProductSearch, ProductView, SearchPage, product_from_source
from .consistency import ReadYourWrites
from .documents import DocumentReads
from .paging import SearchIndex


class ProductRequests(Protocol):
    """The products index's requests (adapters/elasticsearch/products.py builds them)."""

    def search_body(self, search: ProductSearch, fetch: int, search_after: list[Any] | None) -> dict[str, Any]: ...
    def facets(self, aggregations: Mapping[str, Any]) -> dict[str, list[FacetValue]]: ...


class ProductQueries:
    def __init__(
        self, index: SearchIndex, requests: ProductRequests, consistency: ReadYourWrites, use_snapshots: bool
    ) -> None:
        self._reads: DocumentReads[ProductView] = DocumentReads(
            index, consistency, use_snapshots, product_from_source, ProductNotFound, "product"
        )
        self._requests = requests

    async def get(self, product_id: int, token: str | None = None) -> ProductView:
        return await self._reads.get(product_id, token)

    async def search(
        self, search: ProductSearch, size: int, cursor_text: str | None = None, token: str | None = None
    ) -> SearchPage:
        page = await self._reads.page(
            search, size, cursor_text, token, lambda after: self._requests.search_body(search, size + 1, after)
        )
        return SearchPage(
            total=page.total,
            hits=self._reads.views(page.hits),
            facets=self._requests.facets(page.aggregations),
            next_cursor=page.next_cursor,
        )
