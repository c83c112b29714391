"""Product reads: search, and get by id. Both honour X-Consistency-Token. Request parameters and response
bodies first (shown at /docs), then the routes. A product also carries the fields the products declaration
adds to the view below (read_models.product_extras), so the router is built at start (router_for)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model, model_validator

from ...domain.declared import DocumentShape
from ...domain.paging import CURSOR_PATTERN, DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE, MAX_QUERY_TEXT
from ...domain.products import MONEY_PATTERN, ProductSearch, ProductView, SearchPage, SortOrder
from ..dependencies import ConsistencyToken, ProductId, Products
from ..errors import error_responses
from ..schemas import document_fields

Category = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class SearchParams(BaseModel):
    """Query string of GET /products/search."""

    model_config = ConfigDict(extra="forbid")  # a misspelt parameter is a 422, not an unfiltered answer

    q: str | None = Field(
        None,
        max_length=MAX_QUERY_TEXT,
        description="free text over name, brand, description and sku; plain words, no query syntax",
    )
    category: list[Category] | None = Field(None, max_length=20, description="repeat to allow several categories")
    brand: list[Category] | None = Field(
        None, max_length=20, description="repeat to allow several brands (exact, as written)"
    )
    min_price: str | None = Field(None, pattern=MONEY_PATTERN, examples=["10.00"])
    max_price: str | None = Field(None, pattern=MONEY_PATTERN, examples=["99.90"])
    in_stock: bool | None = Field(None, description="true: only in stock; false: only sold out")
    include_inactive: bool = Field(False, description="also show discontinued products")
    sort: SortOrder = SortOrder.relevance
    size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(
        None,
        max_length=MAX_CURSOR_LENGTH,
        pattern=CURSOR_PATTERN,
        description="next_cursor of the previous page, with the same q, filters and sort",
    )

    def search(self) -> ProductSearch:
        return ProductSearch.from_params(
            q=self.q,
            categories=self.category,
            min_price=self.min_price,
            max_price=self.max_price,
            in_stock=self.in_stock,
            include_inactive=self.include_inactive,
            sort=self.sort,
            brands=self.brand,
        )


class ProductBase(BaseModel):
    """The product view's own fields; router_for adds the declared extras (class Product at /docs)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    name: str
    description: str
    category: str
    brand: str | None = Field(None, description="absent for products without one")
    price: str = Field(description="decimal string with two places", examples=["19.90"])
    active: bool
    on_hand: int
    in_stock: bool
    units_sold: int

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        """A ProductView holds the declared extras apart; the answer lists them beside its own fields."""
        return data.as_document() if isinstance(data, ProductView) else data


class FacetBucket(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    value: str
    count: int


class ProductSearchBase(BaseModel):
    """A page of products; router_for types its hits with the declared extras (ProductSearchResult at /docs)."""

    total: int = Field(description="number of matching products (all pages)")
    hits: list[ProductBase]
    facets: dict[str, list[FacetBucket]] = Field(
        description="category counts under every filter except the category itself"
    )
    next_cursor: str | None = Field(description="null on the last page")

    @classmethod
    def from_page(cls, page: SearchPage) -> ProductSearchBase:
        return cls.model_validate(page, from_attributes=True)


def router_for(extras: DocumentShape) -> APIRouter:
    """The product routes, their answers carrying `extras` (typed by the mapping, None where not stored)."""
    product = create_model("Product", __base__=ProductBase, **document_fields(extras))
    hits = list[product]  # type: ignore[valid-type]
    result = create_model("ProductSearchResult", __base__=ProductSearchBase, hits=(hits, ...))
    router = APIRouter(prefix="/products", tags=["products"])

    @router.get("/search", response_model=result, responses=error_responses(422, 503, 504))
    async def search_products(
        params: Annotated[SearchParams, Query()], products: Products, token: ConsistencyToken = None
    ) -> ProductSearchBase:
        """Full text with relevance, filters, a category facet, four sorts, cursor pages."""
        page = await products.search(params.search(), params.size, params.cursor, token)
        return result.from_page(page)

    @router.get("/{product_id}", response_model=product, responses=error_responses(404, 422, 502, 503, 504))
    async def get_product(product_id: ProductId, products: Products, token: ConsistencyToken = None) -> ProductBase:
        """One product, active or not (realtime: a write is visible without a refresh)."""
        return product.model_validate(await products.get(product_id, token))

    return router
