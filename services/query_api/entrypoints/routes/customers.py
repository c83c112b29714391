"""Customer reads: the customer, and the customer's orders. Both honour X-Consistency-Token. Request
parameters and response bodies first (shown at /docs), then the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from ...domain.customers import CustomerOrders
from ...domain.orders import OrderStatus, parse_statuses
from ..dependencies import ConsistencyToken, CustomerId, Customers
from ..errors import error_responses
from .orders import Order

DEFAULT_CUSTOMER_ORDERS = 100
MAX_CUSTOMER_ORDERS = 1000


class CustomerOrdersParams(BaseModel):
    """Query string of GET /customers/{id}/orders."""

    model_config = ConfigDict(extra="forbid")

    status: list[OrderStatus] | None = Field(None, max_length=4, description="repeat to allow several statuses")
    size: int = Field(
        DEFAULT_CUSTOMER_ORDERS,
        ge=1,
        le=MAX_CUSTOMER_ORDERS,
        description="at most this many orders, newest first; total counts all",
    )

    def statuses(self) -> tuple[str, ...]:
        return parse_statuses(self.status)


class Customer(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    country: str = Field(description="ISO-3166 alpha-2", examples=["GB"])
    order_count: int = Field(description="orders that are not cancelled")
    lifetime_value: str = Field(
        description="sum of the totals of orders that are not cancelled; two decimal places", examples=["123.40"]
    )
    last_order_at: str | None = Field(
        json_schema_extra={"format": "date-time"},
        description="newest placed_at among orders that are not cancelled; null if none",
    )


class CustomerOrdersResult(BaseModel):
    total: int = Field(description="number of the customer's matching orders, beyond size")
    hits: list[Order] = Field(description="newest placed_at first, then highest id")

    @classmethod
    def from_orders(cls, orders: CustomerOrders) -> CustomerOrdersResult:
        return cls.model_validate(orders, from_attributes=True)


router = APIRouter(prefix="/customers", tags=["customers"])


@router.get("/{customer_id}", response_model=Customer, responses=error_responses(404, 422, 502, 503, 504))
async def get_customer(customer_id: CustomerId, customers: Customers, token: ConsistencyToken = None) -> Customer:
    """One customer with the totals of their orders that are not cancelled."""
    return Customer.model_validate(await customers.get(customer_id, token))


@router.get("/{customer_id}/orders", response_model=CustomerOrdersResult, responses=error_responses(404, 422, 503, 504))
async def get_customer_orders(
    customer_id: CustomerId,
    params: Annotated[CustomerOrdersParams, Query()],
    customers: Customers,
    token: ConsistencyToken = None,
) -> CustomerOrdersResult:
    """The customer's orders, newest first; 404 if the customer does not exist (or was
    erased). With a token, waits for both the customers and the orders projections."""
    found = await customers.orders(customer_id, params.statuses(), params.size, token)
    return CustomerOrdersResult.from_orders(found)
