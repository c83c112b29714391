"""Sales statistics: the sales series and the top products, aggregated after a token's write."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..domain.stats import SalesQuery, SalesRow, TopProduct, TopProductsQuery, revenue_text
from .consistency import ReadYourWrites

_PRODUCT_FIELDS = ("sku", "name")


class AggregateIndex(Protocol):
    async def refresh(self) -> None: ...
    async def search(self, body: dict[str, Any], pit_id: str | None) -> dict[str, Any]: ...


class StatsRequests(Protocol):
    """The aggregate indices' requests, and their answers read (adapters/elasticsearch/stats.py)."""

    def sales_body(self, query: SalesQuery, after: Mapping[str, Any] | None) -> dict[str, Any]: ...
    def sales_page(self, response: Mapping[str, Any]) -> tuple[list[SalesRow], dict[str, Any] | None]: ...
    def top_products_body(self, query: TopProductsQuery) -> dict[str, Any]: ...
    def top_buckets(self, response: Mapping[str, Any]) -> list[tuple[int, int, int]]: ...


class ProductLookup(Protocol):
    async def get_many(self, doc_ids: Sequence[int], fields: Sequence[str]) -> dict[int, dict[str, Any]]: ...


class StatsQueries:
    """`sales` and `product_sales` are the daily aggregate indices; `products` names the
    products (sku and name are not stored with the figures); `requests` asks them; `consistency`
    waits for the sales projection."""

    def __init__(
        self,
        sales: AggregateIndex,
        product_sales: AggregateIndex,
        products: ProductLookup,
        requests: StatsRequests,
        consistency: ReadYourWrites,
    ) -> None:
        self._sales = sales
        self._product_sales = product_sales
        self._products = products
        self._requests = requests
        self._consistency = consistency

    async def sales(self, query: SalesQuery, token: str | None = None) -> list[SalesRow]:
        """Every (period, category) with sales, in period then category order."""
        await self._consistency.searchable(token, self._sales)
        rows: list[SalesRow] = []
        after: dict[str, Any] | None = None
        while True:
            response = await self._sales.search(self._requests.sales_body(query, after), None)
            page, after = self._requests.sales_page(response)
            rows.extend(page)
            if after is None:
                return rows

    async def top_products(self, query: TopProductsQuery, token: str | None = None) -> list[TopProduct]:
        """The best sellers by units, then revenue, then id; a product the products index
        does not hold has a null sku and name."""
        await self._consistency.searchable(token, self._product_sales)
        answer = await self._product_sales.search(self._requests.top_products_body(query), None)
        ranked = self._requests.top_buckets(answer)
        named = await self._products.get_many([product_id for product_id, _, _ in ranked], _PRODUCT_FIELDS)
        return [
            TopProduct(
                product_id=product_id,
                sku=_text(named.get(product_id, {}), "sku"),
                name=_text(named.get(product_id, {}), "name"),
                units=units,
                revenue=revenue_text(cents),
            )
            for product_id, units, cents in ranked
        ]


def _text(source: dict[str, Any], field: str) -> str | None:
    value = source.get(field)
    return value if isinstance(value, str) else None
