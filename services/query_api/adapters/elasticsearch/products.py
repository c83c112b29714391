"""The products index's requests: a search page's body (query, filters, sort, category facet), and its facets.

User text only ever lands in the `query` value of match-family queries, which analyse it as
plain text: no query_string or simple_query_string, so no operators, fields, wildcards or
regexes can be smuggled in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...domain.products import FacetValue, ProductSearch, SortOrder

SOURCE_FIELDS = [
    "id",
    "sku",
    "name",
    "description",
    "category",
    "brand",
    "price",
    "price_cents",
    "active",
    "on_hand",
    "in_stock",
    "units_sold",
]
CATEGORY_FACET = "category"
# Every order ends with the product id, so equal values still give one total order, which
# search_after needs to neither repeat nor skip a document at a page boundary.
SORT_CLAUSES: dict[SortOrder, list[dict[str, str]]] = {
    SortOrder.relevance: [{"_score": "desc"}, {"id": "asc"}],
    SortOrder.price_asc: [{"price_cents": "asc"}, {"id": "asc"}],
    SortOrder.price_desc: [{"price_cents": "desc"}, {"id": "asc"}],
    SortOrder.popularity: [{"units_sold": "desc"}, {"id": "asc"}],
}


def text_query(text: str) -> dict[str, Any]:
    """Relevance for free text: exact terms first, then a whole phrase in the name, typos
    (fuzziness AUTO) and a last word still being typed (prefix) at a discount."""
    return {
        "bool": {
            "minimum_should_match": 1,
            "should": [
                {
                    "multi_match": {
                        "query": text,
                        "type": "best_fields",
                        "boost": 2.0,
                        "fields": ["name^3", "brand^2", "description", "sku"],
                    }
                },
                {"match_phrase": {"name": {"query": text, "boost": 3.0}}},
                # sku is a code: a fuzzy match on it finds a neighbour's code, not a typo, so it is left
                # out here; prefix_length 1 keeps the fuzzy expansion cheap and plausible.
                {
                    "multi_match": {
                        "query": text,
                        "type": "best_fields",
                        "fuzziness": "AUTO",
                        "prefix_length": 1,
                        "max_expansions": 50,
                        "fields": ["name^3", "brand^2", "description"],
                    }
                },
                {"match_bool_prefix": {"name": {"query": text, "max_expansions": 50}}},
            ],
        }
    }


def filters(search: ProductSearch) -> list[dict[str, Any]]:
    """Every filter except the category, which only narrows hits (so its facet shows all)."""
    # Only documents with product fields are products: the pipeline may hold a stock-only
    # document for a product whose own row has not arrived yet.
    clauses: list[dict[str, Any]] = [{"exists": {"field": "sku"}}]
    if not search.include_inactive:
        clauses.append({"term": {"active": True}})
    price: dict[str, int] = {}
    if search.min_price_cents is not None:
        price["gte"] = search.min_price_cents
    if search.max_price_cents is not None:
        price["lte"] = search.max_price_cents
    if price:
        clauses.append({"range": {"price_cents": price}})
    if search.in_stock is not None:
        clauses.append({"term": {"in_stock": search.in_stock}})
    if search.brands:
        clauses.append({"terms": {"brand.raw": list(search.brands)}})
    return clauses


class ProductDsl:
    """The requests of product searches (service_layer/products.py, ProductRequests); `facet_size`: how many
    categories the facet lists; `extra_fields`: what the products declaration adds to the product view."""

    def __init__(self, facet_size: int, extra_fields: Sequence[str] = ()) -> None:
        self.facet_size = facet_size
        self.source_fields = [*SOURCE_FIELDS, *extra_fields]

    def search_body(self, search: ProductSearch, fetch: int, search_after: list[Any] | None = None) -> dict[str, Any]:
        """The body of one page's search; `fetch` is the page size plus one (to know if more follow)."""
        query: dict[str, Any] = {"bool": {"filter": filters(search)}}
        if search.text:
            query["bool"]["must"] = [text_query(search.text)]
        order = [{"_count": "desc"}, {"_key": "asc"}]
        body: dict[str, Any] = {
            "query": query,
            "sort": SORT_CLAUSES[search.sort],
            "size": fetch,
            "track_total_hits": True,
            "_source": self.source_fields,
            "aggs": {CATEGORY_FACET: {"terms": {"field": "category", "size": self.facet_size, "order": order}}},
        }
        if search.categories:
            # post_filter narrows hits and total but not the aggregation: the category facet then
            # counts every category under the other filters, which is what a shopper clicks through.
            body["post_filter"] = {"terms": {"category": list(search.categories)}}
        if search_after is not None:
            body["search_after"] = search_after
        return body

    def facets(self, aggregations: Mapping[str, Any]) -> dict[str, list[FacetValue]]:
        """The category facet of an answer: its terms buckets as (value, count), in the order Elasticsearch gave."""
        buckets = (aggregations.get(CATEGORY_FACET) or {}).get("buckets", [])
        return {CATEGORY_FACET: [FacetValue(str(b["key"]), int(b["doc_count"])) for b in buckets]}
