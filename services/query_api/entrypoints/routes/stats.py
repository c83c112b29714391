"""Sales statistics: the sales series and the top products. Both honour X-Consistency-Token. Request
parameters and response rows first (shown at /docs), then the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from ...domain.stats import DEFAULT_TOP_PRODUCTS, MAX_TOP_PRODUCTS, SalesQuery, StatsInterval, TopProductsQuery
from ..dependencies import ConsistencyToken, Stats
from ..errors import error_responses
from .products import Category

# A str parsed by domain/stats.py (for its messages), declared as what it accepts: an ISO calendar date.
Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date", "maxLength": 10})]
# Shared by several fields (spelled out in each Field() call: type checkers cannot see through `**kwargs` there).
_DAY = "inclusive; a UTC calendar date YYYY-MM-DD (open when absent)"
_DAY_EXAMPLES = ["2026-11-26"]
_MONEY = "sum of quantity × unit_price; decimal string with two places"
_MONEY_EXAMPLES = ["123.40"]


class _Days(BaseModel):
    # `from` is a Python keyword: the field has another name and the query string the alias.
    model_config = ConfigDict(populate_by_name=True, extra="forbid")  # a misspelt parameter is a 422

    from_: Day | None = Field(None, alias="from", max_length=10, examples=_DAY_EXAMPLES, description=_DAY)
    to: Day | None = Field(None, max_length=10, examples=_DAY_EXAMPLES, description=_DAY)


class SalesParams(_Days):
    """Query string of GET /stats/sales."""

    interval: StatsInterval = Field(StatsInterval.day, description="one row per day or month")
    category: Category | None = Field(None, description="only this category")

    def query(self) -> SalesQuery:
        return SalesQuery.from_params(first=self.from_, last=self.to, interval=self.interval, category=self.category)


class TopProductsParams(_Days):
    """Query string of GET /stats/top-products."""

    limit: int = Field(DEFAULT_TOP_PRODUCTS, ge=1, le=MAX_TOP_PRODUCTS)

    def query(self) -> TopProductsQuery:
        return TopProductsQuery.from_params(first=self.from_, last=self.to, limit=self.limit)


class SalesRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    period: str = Field(
        description="YYYY-MM-DD (interval day) or YYYY-MM (interval month), by the orders' placed_at in UTC",
        examples=["2026-11-26"],
    )
    category: str = Field(description="the product's current category")
    orders: int = Field(description="orders that are not cancelled with at least one line in the category")
    units: int = Field(description="sum of the lines' quantities")
    revenue: str = Field(description=_MONEY, examples=_MONEY_EXAMPLES)


class TopProduct(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    product_id: int
    sku: str | None = Field(description="null if the product is not in the catalogue (yet)")
    name: str | None
    units: int = Field(description="units sold in orders that are not cancelled")
    revenue: str = Field(description=_MONEY, examples=_MONEY_EXAMPLES)


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
