"""Request parameters and response rows of the sales statistics (shown at /docs)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from ...domain.stats import DEFAULT_TOP_PRODUCTS, MAX_TOP_PRODUCTS, SalesQuery, StatsInterval, TopProductsQuery
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
