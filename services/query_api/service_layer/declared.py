"""Reads of a read model served from its declaration: get by id, and search pages (relevance, then id)."""

from __future__ import annotations

from functools import partial
from typing import Any, Protocol

from ..domain.declared import DeclaredPage, DeclaredSearch, DocumentShape, View, document_view
from ..domain.errors import DocumentNotFound
from .consistency import ReadYourWrites
from .documents import DocumentReads, SearchIndex


class DeclaredRequests(Protocol):
    """A declared read model's requests (adapters/elasticsearch/declared.py builds them)."""

    def search_body(self, search: DeclaredSearch, fetch: int, search_after: list[Any] | None) -> dict[str, Any]: ...


class DeclaredQueries(DocumentReads[View]):
    """`get` (by id, after a token) comes from DocumentReads, as every read model's; `search` pages."""

    def __init__(
        self,
        shape: DocumentShape,
        index: SearchIndex,
        requests: DeclaredRequests,
        consistency: ReadYourWrites,
        use_snapshots: bool,
    ) -> None:
        not_found = partial(DocumentNotFound, shape.kind)
        super().__init__(index, consistency, use_snapshots, document_view(shape), not_found, shape.kind)
        self.shape = shape
        self._requests = requests

    async def search(
        self, search: DeclaredSearch, size: int, cursor_text: str | None = None, token: str | None = None
    ) -> DeclaredPage:
        page = await self._page(
            search, size, cursor_text, token, lambda after: self._requests.search_body(search, size + 1, after)
        )
        return DeclaredPage(total=page.total, hits=self._views(page.hits), next_cursor=page.next_cursor)
