"""Request parameters and response bodies of the customer reads (shown at /docs)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ...domain.customers import CustomerOrders
from ...domain.orders import OrderStatus, parse_statuses
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
