"""Cursor pages over one index that stay stable while documents change: every page of a search
reads the same point in time, and continues after the last hit with search_after."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from ..domain.errors import SnapshotExpired
from ..domain.paging import Cursor, decode_cursor, encode_cursor

log = logging.getLogger(__name__)


class SearchIndex(Protocol):
    """What reads need of a read model's index (adapters/elasticsearch/documents.py implements it)."""

    async def get(self, doc_id: int) -> dict[str, Any] | None: ...
    async def rejection(self, doc_id: int) -> dict[str, Any] | None: ...
    async def refresh(self) -> None: ...
    async def open_snapshot(self) -> str: ...
    async def close_snapshot(self, pit_id: str) -> None: ...
    async def search(self, body: dict[str, Any], pit_id: str | None) -> dict[str, Any]: ...


@dataclass(frozen=True)
class RawPage:
    """One page as Elasticsearch answered it: at most `size` hits, the total, the aggregations."""

    hits: list[dict[str, Any]]
    total: int
    aggregations: dict[str, Any]
    next_cursor: str | None


def read_cursor(text: str | None, fingerprint: str, scored: bool) -> Cursor | None:
    """The cursor a request presents, checked against its search (422 if it does not fit)."""
    return decode_cursor(text, fingerprint, scored) if text else None


def total_hits(response: dict[str, Any]) -> int:
    total = response["hits"]["total"]
    return int(total["value"] if isinstance(total, dict) else total)


class SnapshotPager:
    """Runs one page of a search: in the cursor's point in time, or a new one."""

    def __init__(self, index: SearchIndex, use_snapshots: bool) -> None:
        self._index = index
        self._use_snapshots = use_snapshots

    async def page(
        self, body: dict[str, Any], size: int, fingerprint: str, cursor: Cursor | None, lsn: int | None
    ) -> RawPage:
        """`body` fetches size + 1 hits after `cursor.after`, sorted by (key, id) and whatever
        Elasticsearch appends; `lsn` is the token the read has already caught up with."""
        horizon = max(lsn or 0, cursor.lsn_horizon if cursor else 0)
        pit_id = await self._snapshot_for(cursor, lsn)
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
