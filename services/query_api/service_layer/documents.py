"""What every read model's queries share: get a document by id, and run one search page after a token."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from ..domain.errors import DocumentRejected
from .consistency import ReadYourWrites, parse_token
from .paging import RawPage, SearchIndex, SnapshotPager, read_cursor

log = logging.getLogger(__name__)

V = TypeVar("V")
Parse = Callable[[str, dict[str, Any]], "V | None"]  # (id, _source) -> view, or None if incomplete


def refused_since(rejection: dict[str, Any] | None, source: dict[str, Any] | None, lsn: int) -> bool:
    """Whether a read at token `lsn` would see an older document than its write because Elasticsearch refused
    a version at or before the token, and no version that indexed has replaced it since."""
    if rejection is None or rejection["lsn"] > lsn:
        return False
    return source is None or source.get("source_lsn", -1) < rejection["lsn"]


class DocumentReads(Generic[V]):
    """`parse` turns a stored document into the API's view (None: not a complete document yet);
    `not_found(id)` is the error a missing or incomplete document raises."""

    def __init__(
        self,
        index: SearchIndex,
        consistency: ReadYourWrites,
        use_snapshots: bool,
        parse: Parse,
        not_found: Callable[[int], Exception],
        kind: str,
    ) -> None:
        self._index = index
        self._consistency = consistency
        self._pager = SnapshotPager(index, use_snapshots)
        self._parse = parse
        self._not_found = not_found
        self._kind = kind

    async def get(self, doc_id: int, token: str | None = None) -> V:
        lsn = parse_token(token)
        await self._consistency.catch_up(token, lsn)
        if lsn is None:
            return await self.existing(doc_id)
        source, rejection = await asyncio.gather(self._index.get(doc_id), self._index.rejection(doc_id))
        if rejection is not None and refused_since(rejection, source, lsn):
            raise DocumentRejected(self._kind, doc_id, rejection["lsn"], rejection["error"])
        return self._view(doc_id, source)

    async def existing(self, doc_id: int) -> V:
        """The document as it is now (realtime get: no refresh needed), or the 404."""
        return self._view(doc_id, await self._index.get(doc_id))

    def _view(self, doc_id: int, source: dict[str, Any] | None) -> V:
        view = self._parse(str(doc_id), source) if source is not None else None
        if view is None:
            raise self._not_found(doc_id)
        return view

    async def page(
        self,
        search: Any,
        size: int,
        cursor_text: str | None,
        token: str | None,
        body: Callable[[list[Any] | None], dict[str, Any]],
    ) -> RawPage:
        """One page of `search` (which has fingerprint() and scored), read after the token's write;
        `body(after)` builds the query for size + 1 hits after a cursor position."""
        fingerprint = search.fingerprint()
        cursor = read_cursor(cursor_text, fingerprint, search.scored)
        lsn = await self._consistency.searchable(token, self._index)
        return await self._pager.page(body(cursor.after if cursor else None), size, fingerprint, cursor, lsn)

    def views(self, hits: Iterable[dict[str, Any]]) -> list[V]:
        """The complete documents among search hits; an incomplete one is left out (and logged)."""
        views = []
        for hit in hits:
            view = self._parse(hit["_id"], hit.get("_source") or {})
            if view is None:
                log.warning("search hit %s is not a complete %s document", hit["_id"], self._kind)
                continue
            views.append(view)
        return views
