"""Sales statistics: checked parameters, and the rows the API answers with.

See docs/API.md "GET /stats/sales" and "GET /stats/top-products": figures count only orders that are not
cancelled, bucketed by UTC day.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

from .errors import InvalidQuery
from .money import money_text

DEFAULT_TOP_PRODUCTS = 10
MAX_TOP_PRODUCTS = 100
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class StatsInterval(str, enum.Enum):
    day = "day"
    month = "month"


def parse_day(text: str | None, name: str) -> date | None:
    """A calendar date spelt YYYY-MM-DD (None when absent); anything else is a 422."""
    if text is None:
        return None
    if not _DAY.fullmatch(text):
        raise InvalidQuery(f"{name} must be a date like 2026-11-26 (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidQuery(f"{name} is not a calendar date ({text})") from None


@dataclass(frozen=True)
class DayRange:
    """Both ends inclusive, either may be open."""

    first: date | None = None
    last: date | None = None

    @classmethod
    def from_params(cls, first: str | None, last: str | None) -> DayRange:
        start, end = parse_day(first, "from"), parse_day(last, "to")
        if start is not None and end is not None and start > end:
            raise InvalidQuery(f"from ({first}) must not be after to ({last})")
        return cls(start, end)


@dataclass(frozen=True)
class SalesQuery:
    days: DayRange = DayRange()
    interval: StatsInterval = StatsInterval.day
    category: str | None = None

    @classmethod
    def from_params(
        cls, *, first: str | None, last: str | None, interval: str = "day", category: str | None = None
    ) -> SalesQuery:
        try:
            chosen = StatsInterval(getattr(interval, "value", interval))
        except ValueError:
            raise InvalidQuery("interval must be day or month") from None
        if category is not None and not category.strip():
            raise InvalidQuery("category must not be blank")
        return cls(DayRange.from_params(first, last), chosen, category)


@dataclass(frozen=True)
class TopProductsQuery:
    days: DayRange = DayRange()
    limit: int = DEFAULT_TOP_PRODUCTS

    @classmethod
    def from_params(cls, *, first: str | None, last: str | None, limit: int = DEFAULT_TOP_PRODUCTS) -> TopProductsQuery:
        if not 1 <= limit <= MAX_TOP_PRODUCTS:
            raise InvalidQuery(f"limit must be between 1 and {MAX_TOP_PRODUCTS}")
        return cls(DayRange.from_params(first, last), limit)


def revenue_text(cents: int) -> str:
    """Revenue in whole cents as the API shows money: 1234 → "12.34"."""
    return money_text(None, cents) or "0.00"


@dataclass(frozen=True)
class SalesRow:
    period: str  # "YYYY-MM-DD" or "YYYY-MM"
    category: str
    orders: int  # distinct orders with a line in the category (an order lies in one day)
    units: int
    revenue: str  # two decimal places


@dataclass(frozen=True)
class TopProduct:
    product_id: int
    sku: str | None  # None when the products index has no such product (or not yet)
    name: str | None
    units: int
    revenue: str
