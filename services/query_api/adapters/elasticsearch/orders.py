"""The orders index's requests: the body of a search page, and of a customer's orders.

As for products, user text only ever lands in the `query` value of match-family queries, which
analyse it as plain text (no query_string), so no operators, fields, wildcards or regexes can be
smuggled in. A whole number additionally matches the order with that id, as a typed term.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ...domain.orders import OrderSearch

SOURCE_FIELDS = ["id", "status", "customer_id", "customer", "items", "total", "total_cents", "placed_at", "updated_at"]
# Newest first; the id breaks ties (the index keeps placed_at to the millisecond), so the order
# is total and search_after neither repeats nor skips an order at a page boundary.
ORDER_SORT: list[dict[str, str]] = [{"placed_at": "desc"}, {"id": "desc"}]
# An order document exists only once the order row arrived (lines may come first).
_IS_ORDER = {"exists": {"field": "status"}}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def order_text_query(text: str, order_id: int | None = None) -> dict[str, Any]:
    """Every word in the customer's name or the items' names (across both), or the whole text
    as a customer email or an item sku (both case-insensitive), or the order id."""
    should: list[dict[str, Any]] = [
        {
            "multi_match": {
                "query": text,
                "type": "cross_fields",
                "operator": "and",
                "fields": ["customer.name", "items.name"],
            }
        },
        {"match": {"customer.email": {"query": text}}},
        {"match": {"items.sku": {"query": text}}},
    ]
    if order_id is not None:
        should.append({"term": {"id": order_id}})
    return {"bool": {"minimum_should_match": 1, "should": should}}


def _millis(instant: datetime) -> int:
    """Epoch milliseconds (exact integer arithmetic), the resolution the `date` field keeps:
    bounds are compared to the millisecond."""
    return (instant - _EPOCH) // timedelta(milliseconds=1)


def status_filter(statuses: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{"terms": {"status": list(statuses)}}] if statuses else []


def order_filters(search: OrderSearch) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = [_IS_ORDER, *status_filter(search.statuses)]
    if search.customer_id is not None:
        clauses.append({"term": {"customer_id": search.customer_id}})
    window: dict[str, Any] = {}
    if search.placed_from is not None:
        window["gte"] = _millis(search.placed_from)
    if search.placed_to is not None:
        window["lte"] = _millis(search.placed_to)
    if window:
        clauses.append({"range": {"placed_at": {**window, "format": "epoch_millis"}}})
    return clauses


class OrderDsl:
    """The requests of order reads (service_layer/orders.py, OrderRequests)."""

    def search_body(self, search: OrderSearch, fetch: int, search_after: list[Any] | None = None) -> dict[str, Any]:
        """The body of one page; `fetch` is the page size plus one (to know if more follow)."""
        query: dict[str, Any] = {"bool": {"filter": order_filters(search)}}
        if search.text:
            query["bool"]["must"] = [order_text_query(search.text, search.order_id)]
        body: dict[str, Any] = {
            "query": query,
            "sort": ORDER_SORT,
            "size": fetch,
            "track_total_hits": True,
            "_source": SOURCE_FIELDS,
        }
        if search_after is not None:
            body["search_after"] = search_after
        return body

    def customer_orders_body(self, customer_id: int, statuses: tuple[str, ...], size: int) -> dict[str, Any]:
        """A customer's orders, newest first; the total counts all of them, beyond `size`."""
        filters = [_IS_ORDER, {"term": {"customer_id": customer_id}}, *status_filter(statuses)]
        return {
            "query": {"bool": {"filter": filters}},
            "sort": ORDER_SORT,
            "size": size,
            "track_total_hits": True,
            "_source": SOURCE_FIELDS,
        }
