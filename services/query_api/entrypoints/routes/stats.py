"""Sales statistics: the sales series and the top products. Both honour X-Consistency-Token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ..dependencies import ConsistencyToken, Stats
from ..errors import error_responses
from ..schemas.stats import SalesParams, SalesRow, TopProduct, TopProductsParams

router = APIRouter(prefix="/stats", tags=["statistics"])


@router.get("/sales", response_model=list[SalesRow], responses=error_responses(422, 503, 504))
async def sales_series(
    params: Annotated[SalesParams, Query()], stats: Stats, token: ConsistencyToken = None
) -> list[SalesRow]:
    """Orders, units and revenue per period and category, counting only orders that are not
    cancelled; sorted by period, then category. A period without sales has no row."""
    rows = await stats.sales(params.query(), token)
    return [SalesRow.model_validate(row) for row in rows]


@router.get("/top-products", response_model=list[TopProduct], responses=error_responses(422, 503, 504))
async def top_products(
    params: Annotated[TopProductsParams, Query()], stats: Stats, token: ConsistencyToken = None
) -> list[TopProduct]:
    """The best sellers: by units, then revenue, then product id."""
    ranked = await stats.top_products(params.query(), token)
    return [TopProduct.model_validate(product) for product in ranked]
