"""Order reads: search, and get by id. Both honour X-Consistency-Token. Request parameters and response
bodies first (shown at /docs), then the routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonDict

from ...domain.orders import MAX_ID, OrderPage, OrderSearch, OrderStatus
from ...domain.paging import CURSOR_PATTERN, DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE, MAX_QUERY_TEXT
from ..dependencies import ConsistencyToken, OrderId, Orders
from ..errors import error_responses

# Shared by several fields (spelled out in each Field() call: type checkers cannot see through `**kwargs` there).
_INSTANT = "inclusive; an ISO-8601 instant with a UTC offset (Z or +hh:mm), compared to the millisecond"
_INSTANT_EXAMPLES = ["2026-11-26T10:00:00Z"]
_TIME = "ISO-8601 UTC, e.g. 2026-11-26T10:00:00.123456Z"
_DATE_TIME: JsonDict = {"format": "date-time"}
_STATUS = "repeat to allow several statuses"


def instant_parameter() -> Any:
    """An optional instant in the query string; a date-time in the schema, so a fuzzer sends instants, not any
    text (an empty placed_to was schema-valid and refused)."""
    return Field(
        None,
        min_length=1,
        max_length=64,
        examples=_INSTANT_EXAMPLES,
        description=_INSTANT,
        json_schema_extra=_DATE_TIME,
    )


class OrderSearchParams(BaseModel):
    """Query string of GET /orders/search."""

    model_config = ConfigDict(extra="forbid")  # a misspelt parameter is a 422, not an unfiltered answer

    q: str | None = Field(
        None,
        max_length=MAX_QUERY_TEXT,
        description="plain words: all of them in the customer's name or the "
        "items' names; or a whole customer email, item sku or "
        "order id; no query syntax",
    )
    status: list[OrderStatus] | None = Field(None, max_length=4, description=_STATUS)
    customer_id: int | None = Field(None, ge=1, le=MAX_ID)
    placed_from: str | None = instant_parameter()
    placed_to: str | None = instant_parameter()
    size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(
        None,
        max_length=MAX_CURSOR_LENGTH,
        pattern=CURSOR_PATTERN,
        description="next_cursor of the previous page, with the same q and filters",
    )

    def search(self) -> OrderSearch:
        return OrderSearch.from_params(
            q=self.q,
            statuses=self.status,
            customer_id=self.customer_id,
            placed_from=self.placed_from,
            placed_to=self.placed_to,
        )


class OrderCustomer(BaseModel):
    """Name, email and country are null only for a moment, while events are arriving."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str | None
    email: str | None
    country: str | None


class OrderLine(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line_no: int
    product_id: int
    sku: str | None = Field(description="null only for a moment, while events are arriving")
    name: str | None
    quantity: int
    unit_price: str = Field(description="decimal string with two places", examples=["39.80"])
    line_total: str = Field(description="quantity × unit_price", examples=["39.80"])


class Order(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str = Field(description="placed, paid, shipped or cancelled", examples=["paid"])
    customer: OrderCustomer | None = Field(description="null when the order has no customer (the customer was erased)")
    items: list[OrderLine] = Field(description="in line_no order")
    total: str = Field(description="sum of the line totals", examples=["39.80"])
    placed_at: str = Field(json_schema_extra=_DATE_TIME, description=_TIME)
    updated_at: str = Field(json_schema_extra=_DATE_TIME, description=_TIME)


class OrderSearchResult(BaseModel):
    total: int = Field(description="number of matching orders (all pages)")
    hits: list[Order] = Field(description="newest placed_at first, then highest id")
    next_cursor: str | None = Field(description="null on the last page")

    @classmethod
    def from_page(cls, page: OrderPage) -> OrderSearchResult:
        return cls.model_validate(page, from_attributes=True)


router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("/search", response_model=OrderSearchResult, responses=error_responses(422, 503, 504))
async def search_orders(
    params: Annotated[OrderSearchParams, Query()], orders: Orders, token: ConsistencyToken = None
) -> OrderSearchResult:
    """Free text and filters, newest first, cursor pages."""
    page = await orders.search(params.search(), params.size, params.cursor, token)
    return OrderSearchResult.from_page(page)


@router.get("/{order_id}", response_model=Order, responses=error_responses(404, 422, 502, 503, 504))
async def get_order(order_id: OrderId, orders: Orders, token: ConsistencyToken = None) -> Order:
    """One order with its customer and lines (realtime: a write is visible without a refresh)."""
    return Order.model_validate(await orders.get(order_id, token))
