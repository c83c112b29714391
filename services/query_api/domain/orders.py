"""Orders: search parameters (statuses, a placed_at window, the fingerprint) and documents to order views."""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import InvalidQuery
from .money import money_text
from .paging import MAX_QUERY_TEXT

MAX_ID = 2**63 - 1  # ids are bigint on the write side
_ORDER_ID = re.compile(r"[0-9]{1,19}")
_INSTANT_EXAMPLE = "2026-11-26T10:00:00Z"
_WHOLE = re.compile(r"-?[0-9]{1,19}")


class OrderStatus(str, enum.Enum):
    placed = "placed"
    paid = "paid"
    shipped = "shipped"
    cancelled = "cancelled"


def parse_instant(text: str, name: str) -> datetime:
    """An ISO-8601 date-time with a UTC offset ("Z" or ±hh:mm), as an aware UTC datetime. A
    bare date or a time without offset is refused: it does not say which instant it means."""
    try:
        value = datetime.fromisoformat(text)
    except (ValueError, TypeError):
        raise InvalidQuery(f"{name} must be an ISO-8601 instant like {_INSTANT_EXAMPLE}") from None
    if value.utcoffset() is None:
        raise InvalidQuery(f"{name} needs a UTC offset (Z or +hh:mm), e.g. {_INSTANT_EXAMPLE}")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise InvalidQuery(f"{name} is out of range") from None


def order_id_in(text: str | None) -> int | None:
    """The order id a free-text search names, when the text is a plain positive integer."""
    if text is None or not _ORDER_ID.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def parse_statuses(values: Iterable[str] | None) -> tuple[str, ...]:
    """A status filter as a sorted set of known statuses; none means every status."""
    allowed = {s.value for s in OrderStatus}
    chosen = {getattr(v, "value", v) for v in values or ()}
    unknown = sorted(str(v) for v in chosen - allowed)
    if unknown:
        raise InvalidQuery(f"status must be one of {', '.join(s.value for s in OrderStatus)} (got {unknown[0]!r})")
    return tuple(sorted(chosen))


def _customer_id(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_ID:
        raise InvalidQuery(f"customer_id must be between 1 and {MAX_ID}")
    return value


@dataclass(frozen=True)
class OrderSearch:
    """One order search's filters; the order is fixed: newest placed_at first, then id."""

    text: str | None = None
    statuses: tuple[str, ...] = ()
    customer_id: int | None = None
    placed_from: datetime | None = None  # inclusive, UTC
    placed_to: datetime | None = None  # inclusive, UTC

    scored = False  # pages follow (placed_at, id), never a relevance score

    @property
    def order_id(self) -> int | None:
        return order_id_in(self.text)

    @classmethod
    def from_params(
        cls,
        *,
        q: str | None,
        statuses: Iterable[str] | None,
        customer_id: int | None,
        placed_from: str | None,
        placed_to: str | None,
    ) -> OrderSearch:
        text = q.strip() if q is not None else None
        if text is not None and len(text) > MAX_QUERY_TEXT:
            raise InvalidQuery(f"q must be at most {MAX_QUERY_TEXT} characters")
        start = parse_instant(placed_from, "placed_from") if placed_from is not None else None
        end = parse_instant(placed_to, "placed_to") if placed_to is not None else None
        if start is not None and end is not None and start > end:
            raise InvalidQuery(f"placed_from ({placed_from}) must not be after placed_to ({placed_to})")
        return cls(
            text=text or None,
            statuses=parse_statuses(statuses),
            customer_id=_customer_id(customer_id),
            placed_from=start,
            placed_to=end,
        )

    def fingerprint(self) -> str:
        """A short digest of everything that decides which orders a search lists; a cursor
        carries it so it cannot be replayed against a different search."""
        instants = [t.isoformat() if t is not None else None for t in (self.placed_from, self.placed_to)]
        canonical = json.dumps(
            ["orders", self.text, list(self.statuses), self.customer_id, *instants],
            separators=(",", ":"),
            ensure_ascii=True,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


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
