"""Order documents to the order views the API answers with; internal fields are dropped."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .money import money_text

_WHOLE = re.compile(r"-?[0-9]{1,19}")


class OrderStatus(str, enum.Enum):
    placed = "placed"
    paid = "paid"
    shipped = "shipped"
    cancelled = "cancelled"


@dataclass(frozen=True)
class OrderCustomerView:
    """Name, email and country may be null for a moment while events are still arriving."""

    id: int
    name: str | None
    email: str | None
    country: str | None


@dataclass(frozen=True)
class OrderLineView:
    line_no: int
    product_id: int
    sku: str | None  # null for a moment while the product's row is still arriving
    name: str | None
    quantity: int
    unit_price: str
    line_total: str


@dataclass(frozen=True)
class OrderView:
    id: int
    status: str
    customer: OrderCustomerView | None  # null when the order has no customer (erased)
    items: list[OrderLineView]
    total: str
    placed_at: str  # ISO-8601 UTC, as the pipeline stored it
    updated_at: str


@dataclass(frozen=True)
class OrderPage:
    total: int
    hits: list[OrderView]
    next_cursor: str | None


@dataclass(frozen=True)
class CustomerOrders:
    total: int
    hits: list[OrderView]


def whole_number(value: object) -> int | None:
    """An integer document field (a long may come back as 5 or "5"), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        return int(value)
    return None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _customer(source: Mapping[str, Any]) -> OrderCustomerView | None:
    raw = source.get("customer")
    if isinstance(raw, Mapping) and whole_number(raw.get("id")) is not None:
        return OrderCustomerView(
            int(raw["id"]), _text(raw.get("name")), _text(raw.get("email")), _text(raw.get("country"))
        )
    customer_id = whole_number(source.get("customer_id"))
    if customer_id is not None:  # the customer's row has not arrived yet
        return OrderCustomerView(customer_id, None, None, None)
    return None


def _line(raw: object) -> OrderLineView | None:
    if not isinstance(raw, Mapping):
        return None
    line_no, product_id, quantity = (whole_number(raw.get(f)) for f in ("line_no", "product_id", "quantity"))
    unit_price = money_text(raw.get("unit_price"))
    line_total = money_text(raw.get("line_total"), raw.get("line_total_cents"))
    if line_no is None or product_id is None or quantity is None or unit_price is None or line_total is None:
        return None
    return OrderLineView(
        line_no, product_id, _text(raw.get("sku")), _text(raw.get("name")), quantity, unit_price, line_total
    )


def order_from_source(doc_id: str, source: Mapping[str, Any]) -> OrderView | None:
    """The order a document describes, or None while it lacks the order row's fields (or holds
    a line that is not one)."""
    status, placed_at, updated_at = (source.get(f) for f in ("status", "placed_at", "updated_at"))
    if not all(isinstance(v, str) for v in (status, placed_at, updated_at)):
        return None
    lines = [_line(raw) for raw in source.get("items") or ()]
    total = money_text(source.get("total"), source.get("total_cents"))
    if total is None or any(line is None for line in lines):
        return None
    items = sorted((line for line in lines if line is not None), key=lambda line: line.line_no)
    order_id = whole_number(source.get("id"))
    return OrderView(
        id=order_id if order_id is not None else int(doc_id),
        status=str(status),
        customer=_customer(source),
        items=items,
        total=total,
        placed_at=str(placed_at),
        updated_at=str(updated_at),
    )
