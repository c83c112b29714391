"""Product reads: get by id, and search pages that stay stable while documents change."""
from __future__ import annotations

import logging
from typing import Any, Protocol

from ..domain.cursor import Cursor, decode_cursor, encode_cursor
from ..domain.errors import ProductNotFound, SnapshotExpired
from ..domain.products import ProductView, SearchPage, facet_values, product_from_source
from ..domain.query_dsl import CATEGORY_FACET, search_body
from ..domain.search import ProductSearch
from .consistency import ReadYourWrites, parse_token

log = logging.getLogger(__name__)


class ProductsIndex(Protocol):
    """What product reads need of the index (adapters/products_index.py implements it)."""

    async def get(self, product_id: int) -> dict[str, Any] | None: ...
    async def refresh(self) -> None: ...
    async def open_snapshot(self) -> str: ...
    async def close_snapshot(self, pit_id: str) -> None: ...
    async def search(self, body: dict[str, Any], pit_id: str | None) -> dict[str, Any]: ...


class ProductQueries:
    def __init__(self, index: ProductsIndex, consistency: ReadYourWrites, facet_size: int,
                 use_snapshots: bool) -> None:
        self._index = index
        self._consistency = consistency
        self._facet_size = facet_size
        self._use_snapshots = use_snapshots

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
        cursor = decode_cursor(cursor_text, fingerprint, search.sort) if cursor_text else None
        await self._consistency.catch_up(token, lsn)
        if lsn is not None:
            await self._index.refresh()  # caught up in the index; now make it searchable
        horizon = max(lsn or 0, cursor.lsn_horizon if cursor else 0)
        pit_id = await self._snapshot_for(cursor, lsn)
        body = search_body(search, size + 1, self._facet_size, cursor.after if cursor else None)
        try:
            response = await self._index.search(body, pit_id)
        except SnapshotExpired:
            # Kept alive too briefly: continue in a fresh snapshot. With a field sort,
            # search_after still skips no unchanged document (changed ones may move); relevance
            # scores may shift a little between the two snapshots.
            log.info("search snapshot expired; continuing in a new one")
            pit_id = await self._index.open_snapshot()
            response = await self._index.search(body, pit_id)
        pit_id = response.get("pit_id", pit_id)
        return await self._page(response, size, fingerprint, pit_id, horizon)

    async def _snapshot_for(self, cursor: Cursor | None, lsn: int | None) -> str | None:
        """The point in time this page reads: the cursor's, unless a token asks for newer."""
        if not self._use_snapshots:
            return None
        if cursor is not None and cursor.pit_id is not None:
            if lsn is None or lsn <= cursor.lsn_horizon:
                return cursor.pit_id
            await self._index.close_snapshot(cursor.pit_id)  # older than the token's write
        return await self._index.open_snapshot()

    async def _page(self, response: dict[str, Any], size: int, fingerprint: str,
                    pit_id: str | None, horizon: int) -> SearchPage:
        raw_hits = response["hits"]["hits"]
        page, more = raw_hits[:size], len(raw_hits) > size
        hits = []
        for hit in page:
            product = product_from_source(hit["_id"], hit.get("_source") or {})
            if product is None:
                log.warning("search hit %s is not a complete product document", hit["_id"])
                continue
            hits.append(product)
        next_cursor = None
        if more:
            next_cursor = encode_cursor(Cursor(fingerprint, list(page[-1]["sort"][:2]), pit_id,
                                               horizon))
        elif pit_id is not None:
            await self._index.close_snapshot(pit_id)  # last page: nobody will come back
        total = response["hits"]["total"]
        facets = {CATEGORY_FACET: facet_values(
            response.get("aggregations", {}).get(CATEGORY_FACET))}
        return SearchPage(total=int(total["value"] if isinstance(total, dict) else total),
                          hits=hits, facets=facets, next_cursor=next_cursor)
