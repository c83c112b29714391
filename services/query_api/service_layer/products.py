"""Product reads: get by id, and search pages that stay stable while documents change."""

from __future__ import annotations

from ..domain.errors import ProductNotFound
from ..domain.products import ProductView, SearchPage, facet_values, product_from_source
from ..domain.query_dsl import CATEGORY_FACET, search_body
from ..domain.search import ProductSearch
from .consistency import ReadYourWrites
from .documents import DocumentReads
from .paging import SearchIndex


class ProductQueries:
    def __init__(self, index: SearchIndex, consistency: ReadYourWrites, facet_size: int, use_snapshots: bool) -> None:
        self._reads: DocumentReads[ProductView] = DocumentReads(
            index, consistency, use_snapshots, product_from_source, ProductNotFound, "product"
        )
        self._facet_size = facet_size

    async def get(self, product_id: int, token: str | None = None) -> ProductView:
        return await self._reads.get(product_id, token)

    async def search(
        self, search: ProductSearch, size: int, cursor_text: str | None = None, token: str | None = None
    ) -> SearchPage:
        page = await self._reads.page(
            search, size, cursor_text, token, lambda after: search_body(search, size + 1, self._facet_size, after)
        )
        facets = {CATEGORY_FACET: facet_values(page.aggregations.get(CATEGORY_FACET))}
        return SearchPage(
            total=page.total, hits=self._reads.views(page.hits), facets=facets, next_cursor=page.next_cursor
        )
