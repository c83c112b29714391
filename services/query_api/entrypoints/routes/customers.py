"""Customer reads: the customer, and the customer's orders. Both honour X-Consistency-Token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ..dependencies import ConsistencyToken, CustomerId, Customers
from ..errors import error_responses
from ..schemas.customers import Customer, CustomerOrdersParams, CustomerOrdersResult

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
