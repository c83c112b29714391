"""Order reads: search, and get by id. Both honour X-Consistency-Token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ..dependencies import ConsistencyToken, OrderId, Orders
from ..errors import error_responses
from ..schemas.orders import Order, OrderSearchParams, OrderSearchResult

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
