"""A declared read model's search requests: its text fields in one multi_match, exact term filters, (score, id)
order. As for products, user text only lands in a match-family `query` (no query_string), which analyses it as
plain words: no operators, fields, wildcards or regexes can be smuggled in."""

from __future__ import annotations

from typing import Any

from ...domain.declared import DeclaredSearch, DocumentShape

# The id breaks ties, so the order is total and search_after neither repeats nor skips a document at a page
# boundary. Without text every document scores the same: the order is then the id's.
ORDER: list[dict[str, str]] = [{"_score": "desc"}, {"id": "asc"}]


class DeclaredDsl:
    """The requests of one declared read model's searches (service_layer/declared.py, DeclaredRequests)."""

    def __init__(self, shape: DocumentShape) -> None:
        self.shape = shape

    def text_query(self, text: str) -> dict[str, Any]:
        return {"multi_match": {"query": text, "type": "best_fields", "fields": list(self.shape.text_fields)}}

    def search_body(self, search: DeclaredSearch, fetch: int, search_after: list[Any] | None = None) -> dict[str, Any]:
        """The body of one page; `fetch` is the page size plus one (to know if more follow)."""
        query: dict[str, Any] = {"bool": {"filter": [{"term": {name: value}} for name, value in search.filters]}}
        if search.text:
            query["bool"]["must"] = [self.text_query(search.text)]
        body: dict[str, Any] = {
            "query": query,
            "sort": ORDER,
            "size": fetch,
            "track_total_hits": True,
            "_source": ["id", *self.shape.names],
        }
        if search_after is not None:
            body["search_after"] = search_after
        return body
