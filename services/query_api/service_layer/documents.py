"""Reads of one read model's documents: by id after a token, and search pages that stay stable while they change.

Every page of a search reads the same point in time (snapshot), and continues after the last hit with
search_after. Each resource's queries (products.py, orders.py, customers.py) are DocumentReads of their kind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from ..domain.errors import DocumentRejected, SnapshotExpired
from ..domain.paging import Cursor, decode_cursor, encode_cursor
from .consistency import ReadYourWrites, parse_token

log = logging.getLogger(__name__)

V = TypeVar("V")
Parse = Callable[[str, dict[str, Any]], "V | None"]  # (id, _source) -> view, or None if incomplete
Body = Callable[[list[Any] | None], dict[str, Any]]  # search_after -> the request body of a page


class SearchIndex(Protocol):
    """What reads need of a read model's index (adapters/elasticsearch/documents.py implements it)."""

    async def get(self, doc_id: int) -> dict[str, Any] | None: ...
    async def rejection(self, doc_id: int) -> dict[str, Any] | None: ...
    async def refresh(self) -> None: ...
    async def open_snapshot(self) -> str: ...
    async def close_snapshot(self, pit_id: str) -> None: ...
    async def search(self, body: dict[str, Any], pit_id: str | None) -> dict[str, Any]: ...


class Search(Protocol):
    """A search's parameters, as far as paging needs them (domain ProductSearch, OrderSearch)."""

    @property
    def scored(self) -> bool: ...  # is the first sort key the relevance score (a float)?

    def fingerprint(self) -> str: ...


@dataclass(frozen=True)
class RawPage:
    """One page as Elasticsearch answered it: at most `size` hits, the total, the aggregations."""

    hits: list[dict[str, Any]]
    total: int
    aggregations: dict[str, Any]
    next_cursor: str | None


def total_hits(response: dict[str, Any]) -> int:
    total = response["hits"]["total"]
    return int(total["value"] if isinstance(total, dict) else total)


def refused_since(rejection: dict[str, Any] | None, source: dict[str, Any] | None, lsn: int) -> bool:
    """Whether a read at token `lsn` would see an older document than its write because Elasticsearch refused
    a version at or before the token, and no version that indexed has replaced it since."""
    if rejection is None or rejection["lsn"] > lsn:
        return False
    return source is None or source.get("source_lsn", -1) < rejection["lsn"]


def views(hits: Iterable[dict[str, Any]], parse: Parse[V], kind: str) -> list[V]:
    """The complete documents among search hits; an incomplete one is left out (and logged)."""
    found = []
    for hit in hits:
        view = parse(hit["_id"], hit.get("_source") or {})
        if view is None:
            log.warning("search hit %s is not a complete %s document", hit["_id"], kind)
            continue
        found.append(view)
    return found


class DocumentReads(Generic[V]):
    """`parse` turns a stored document into the API's view (None: not a complete document yet);
    `not_found(id)` is the error a missing or incomplete document raises; `use_snapshots`: whether
    the pages of a search share a point in time."""

    def __init__(
        self,
        index: SearchIndex,
        consistency: ReadYourWrites,
        use_snapshots: bool,
        parse: Parse[V],
        not_found: Callable[[int], Exception],
        kind: str,
    ) -> None:
        self._index = index
        self._consistency = consistency
        self._use_snapshots = use_snapshots
        self._parse = parse
        self._not_found = not_found
        self._kind = kind

    async def get(self, doc_id: int, token: str | None = None) -> V:
        lsn = parse_token(token)
        await self._consistency.catch_up(token, lsn)
        if lsn is None:
            return await self._existing(doc_id)
        source, rejection = await asyncio.gather(self._index.get(doc_id), self._index.rejection(doc_id))
        if rejection is not None and refused_since(rejection, source, lsn):
            raise DocumentRejected(self._kind, doc_id, rejection["lsn"], rejection["error"])
        return self._view(doc_id, source)

    async def _existing(self, doc_id: int) -> V:
        """The document as it is now (realtime get: no refresh needed), or the 404."""
        return self._view(doc_id, await self._index.get(doc_id))

    def _view(self, doc_id: int, source: dict[str, Any] | None) -> V:
        view = self._parse(str(doc_id), source) if source is not None else None
        if view is None:
            raise self._not_found(doc_id)
        return view

    def _views(self, hits: Iterable[dict[str, Any]]) -> list[V]:
        return views(hits, self._parse, self._kind)

    async def _page(self, search: Search, size: int, cursor_text: str | None, token: str | None, body: Body) -> RawPage:
        """One page of `search`, read after the token's write. `body(after)` builds the request for size + 1
        hits after a cursor position, sorted by (key, id) and whatever Elasticsearch appends; a cursor that
        does not fit the search is a 422."""
        fingerprint = search.fingerprint()
        cursor = decode_cursor(cursor_text, fingerprint, search.scored) if cursor_text else None
        lsn = await self._consistency.searchable(token, self._index)
        request = body(cursor.after if cursor else None)
        horizon = max(lsn or 0, cursor.lsn_horizon if cursor else 0)
        pit_id = await self._snapshot_for(cursor, lsn)
        try:
            response = await self._index.search(request, pit_id)
        except SnapshotExpired:
            # Kept alive too briefly: continue in a fresh snapshot. With a field sort,
            # search_after still skips no unchanged document (changed ones may move); relevance
            # scores may shift a little between the two snapshots.
            log.info("search snapshot expired; continuing in a new one")
            pit_id = await self._index.open_snapshot()
            response = await self._index.search(request, pit_id)
        pit_id = response.get("pit_id", pit_id)
        raw_hits = response["hits"]["hits"]
        page, more = raw_hits[:size], len(raw_hits) > size
        next_cursor = None
        if more:
            next_cursor = encode_cursor(Cursor(fingerprint, list(page[-1]["sort"][:2]), pit_id, horizon))
        elif pit_id is not None:
            await self._index.close_snapshot(pit_id)  # last page: nobody will come back
        return RawPage(page, total_hits(response), response.get("aggregations") or {}, next_cursor)

    async def _snapshot_for(self, cursor: Cursor | None, lsn: int | None) -> str | None:
        """The point in time this page reads: the cursor's, unless a token asks for newer."""
        if not self._use_snapshots:
            return None
        if cursor is not None and cursor.pit_id is not None:
            if lsn is None or lsn <= cursor.lsn_horizon:
                return cursor.pit_id
            await self._index.close_snapshot(cursor.pit_id)  # older than the token's write
        return await self._index.open_snapshot()
