"""Sales statistics: the sales series and the top products, aggregated after a token's write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ..domain.stats import SalesQuery, SalesRow, TopProduct, TopProductsQuery
from ..domain.stats_dsl import SERIES_PAGE, revenue_text, sales_body, sales_page, top_buckets, top_products_body
from .consistency import ReadYourWrites

_PRODUCT_FIELDS = ("sku", "name")


class AggregateIndex(Protocol):
    async def refresh(self) -> None: ...
    async def search(self, body: dict[str, Any], pit_id: str | None) -> dict[str, Any]: ...


class ProductLookup(Protocol):
    async def get_many(self, doc_ids: Sequence[int], fields: Sequence[str]) -> dict[int, dict[str, Any]]: ...


class StatsQueries:
    """`sales` and `product_sales` are the daily aggregate indices; `products` names the
    products (sku and name are not stored with the figures); `consistency` waits for the
    sales projection."""

    def __init__(
        self,
        sales: AggregateIndex,
        product_sales: AggregateIndex,
        products: ProductLookup,
        consistency: ReadYourWrites,
        page: int = SERIES_PAGE,
    ) -> None:
        self._sales = sales
        self._product_sales = product_sales
        self._products = products
        self._consistency = consistency
        self._page = page

    async def sales(self, query: SalesQuery, token: str | None = None) -> list[SalesRow]:
        """Every (period, category) with sales, in period then category order."""
        await self._consistency.searchable(token, self._sales)
        rows: list[SalesRow] = []
        after: dict[str, Any] | None = None
        while True:
            response = await self._sales.search(sales_body(query, after, self._page), None)
            page, after = sales_page(response, self._page)
            rows.extend(page)
            if after is None:
                return rows

    async def top_products(self, query: TopProductsQuery, token: str | None = None) -> list[TopProduct]:
        """The best sellers by units, then revenue, then id; a product the products index
        does not hold has a null sku and name."""
        await self._consistency.searchable(token, self._product_sales)
        ranked = top_buckets(await self._product_sales.search(top_products_body(query), None))
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
