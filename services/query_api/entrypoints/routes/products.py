"""Product reads: search, and get by id. Both honour X-Consistency-Token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ..dependencies import ConsistencyToken, ProductId, Products
from ..errors import error_responses
from ..schemas.products import Product, ProductSearchResult, SearchParams

router = APIRouter(prefix="/products", tags=["products"])


@router.get("/search", response_model=ProductSearchResult, responses=error_responses(422, 503, 504))
async def search_products(
    params: Annotated[SearchParams, Query()], products: Products, token: ConsistencyToken = None
) -> ProductSearchResult:
    """Full text with relevance, filters, a category facet, four sorts, cursor pages."""
    page = await products.search(params.search(), params.size, params.cursor, token)
    return ProductSearchResult.from_page(page)


@router.get("/{product_id}", response_model=Product, responses=error_responses(404, 422, 502, 503, 504))
async def get_product(product_id: ProductId, products: Products, token: ConsistencyToken = None) -> Product:
    """One product, active or not (realtime: a write is visible without a refresh)."""
    return Product.model_validate(await products.get(product_id, token))
