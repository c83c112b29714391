"""Product reads: get by id, and search pages with a category facet that stay stable while products change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Protocol

from ..domain.errors import ProductNotFound
from ..domain.products import FacetValue, ProductSearch, ProductView, SearchPage, product_from_source
from .consistency import ReadYourWrites
from .documents import DocumentReads, SearchIndex


class ProductRequests(Protocol):
    """The products index's requests (adapters/elasticsearch/products.py builds them)."""

    def search_body(self, search: ProductSearch, fetch: int, search_after: list[Any] | None) -> dict[str, Any]: ...
    def facets(self, aggregations: Mapping[str, Any]) -> dict[str, list[FacetValue]]: ...


class ProductQueries(DocumentReads[ProductView]):
    """`get` (by id, after a token) comes from DocumentReads; `search` adds the facets. `extra_fields`: what the
    products declaration adds to the product view (read_models.product_extras)."""

    def __init__(
        self,
        index: SearchIndex,
        requests: ProductRequests,
        consistency: ReadYourWrites,
        use_snapshots: bool,
        extra_fields: Sequence[str] = (),
    ) -> None:
        parse = partial(product_from_source, extras=tuple(extra_fields))
        super().__init__(index, consistency, use_snapshots, parse, ProductNotFound, "product")
        self._requests = requests

    async def search(
        self, search: ProductSearch, size: int, cursor_text: str | None = None, token: str | None = None
    ) -> SearchPage:
        page = await self._page(
            search, size, cursor_text, token, lambda after: self._requests.search_body(search, size + 1, after)
        )
        facets = self._requests.facets(page.aggregations)
        return SearchPage(total=page.total, hits=self._views(page.hits), facets=facets, next_cursor=page.next_cursor)
