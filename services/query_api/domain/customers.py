"""Customers: documents to the customer view (identity plus counted-order aggregates), and a customer's orders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .money import money_text
from .orders import OrderView, whole_number

_REQUIRED = ("email", "name", "country")


@dataclass(frozen=True)
class CustomerView:
    id: int
    email: str
    name: str
    country: str
    order_count: int  # counted orders only: status is not cancelled
    lifetime_value: str  # sum of the counted orders' totals, two decimal places
    last_order_at: str | None  # newest placed_at among counted orders (ISO-8601 UTC)


@dataclass(frozen=True)
class CustomerOrders:
    total: int  # every matching order, beyond the ones listed
    hits: list[OrderView]


def customer_from_source(doc_id: str, source: Mapping[str, Any]) -> CustomerView | None:
    """The customer a document describes, or None while it lacks the customer row's fields
    (e.g. order aggregates arrived before the row itself)."""
    if any(not isinstance(source.get(field), str) for field in _REQUIRED):
        return None
    value, cents = source.get("lifetime_value"), source.get("lifetime_value_cents")
    lifetime_value = "0.00" if value is None and cents is None else money_text(value, cents)
    if lifetime_value is None:
        return None
    customer_id = whole_number(source.get("id"))
    last_order_at = source.get("last_order_at")
    return CustomerView(
        id=customer_id if customer_id is not None else int(doc_id),
        email=str(source["email"]),
        name=str(source["name"]),
        country=str(source["country"]),
        order_count=whole_number(source.get("order_count")) or 0,
        lifetime_value=lifetime_value,
        last_order_at=str(last_order_at) if last_order_at is not None else None,
    )
