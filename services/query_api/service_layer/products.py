"""Product reads: get by id, and search pages that stay stable while documents change."""
from __future__ import annotations

import logging

from ..domain.errors import ProductNotFound
from ..domain.products import ProductView, SearchPage, facet_values, product_from_source
from ..domain.query_dsl import CATEGORY_FACET, search_body
from ..domain.search import ProductSearch
from .consistency import ReadYourWrites, parse_token
from .paging import SearchIndex, SnapshotPager, read_cursor

log = logging.getLogger(__name__)


class ProductQueries:
    def __init__(self, index: SearchIndex, consistency: ReadYourWrites, facet_size: int,
                 use_snapshots: bool) -> None:
        self._index = index
        self._consistency = consistency
        self._facet_size = facet_size
        self._pager = SnapshotPager(index, use_snapshots)

    async def get(self, product_id: int, token: str | None = None) -> ProductView:
        await self._consistency.catch_up(token, parse_token(token))
        source = await self._index.get(product_id)  # realtime: no refresh needed
        product = product_from_source(str(product_id), source) if source is not None else None
        if product is None:
            raise ProductNotFound(product_id)
        return product

    async def search(self, search: ProductSearch, size: int, cursor_text: str | None = None,
                     token: str | None = None) -> SearchPage:
        lsn = parse_token(token)
        fingerprint = search.fingerprint()
        cursor = read_cursor(cursor_text, fingerprint, search.scored)
        await self._consistency.catch_up(token, lsn)
        if lsn is not None:
            await self._index.refresh()  # caught up in the index; now make it searchable
        body = search_body(search, size + 1, self._facet_size, cursor.after if cursor else None)
        page = await self._pager.page(body, size, fingerprint, cursor, lsn)
        hits = []
        for hit in page.hits:
            product = product_from_source(hit["_id"], hit.get("_source") or {})
            if product is None:
                log.warning("search hit %s is not a complete product document", hit["_id"])
                continue
            hits.append(product)
        facets = {CATEGORY_FACET: facet_values(page.aggregations.get(CATEGORY_FACET))}
        return SearchPage(total=page.total, hits=hits, facets=facets,
                          next_cursor=page.next_cursor)
