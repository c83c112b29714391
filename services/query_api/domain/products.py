"""Products: search parameters (money to cents, the sort orders, the fingerprint) and documents to product views.

The view's own fields are written out below; any further field the products declaration adds (models/products.py)
rides along in `extras`, as the document holds it."""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from .errors import InvalidQuery
from .money import money_text
from .paging import MAX_QUERY_TEXT

MONEY_PATTERN = r"^\d{1,10}(\.\d{1,2})?$"  # numeric(12,2) on the write side, never negative
_MONEY = re.compile(MONEY_PATTERN)
_REQUIRED = ("sku", "name", "category")  # a document without them is not a product yet


class SortOrder(str, enum.Enum):
    relevance = "relevance"
    price_asc = "price_asc"
    price_desc = "price_desc"
    popularity = "popularity"  # units_sold, most sold first


def money_to_cents(text: str, name: str) -> int:
    """ "19.9" → 1990. The text was pattern-checked at the edge; checked again for direct calls."""
    if not _MONEY.fullmatch(text):
        raise InvalidQuery(f"{name} must be a decimal amount like 19.90")
    return int(Decimal(text) * 100)


@dataclass(frozen=True)
class ProductSearch:
    """One search's filters and order (the page size and cursor are not part of it)."""

    text: str | None = None
    categories: tuple[str, ...] = ()
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    in_stock: bool | None = None
    include_inactive: bool = False
    sort: SortOrder = SortOrder.relevance
    brands: tuple[str, ...] = ()

    @property
    def scored(self) -> bool:
        """Whether pages are ordered by relevance score (a cursor then holds a float)."""
        return self.sort is SortOrder.relevance

    @classmethod
    def from_params(
        cls,
        *,
        q: str | None,
        categories: list[str] | None,
        min_price: str | None,
        max_price: str | None,
        in_stock: bool | None,
        include_inactive: bool,
        sort: SortOrder,
        brands: list[str] | None = None,
    ) -> ProductSearch:
        text = q.strip() if q is not None else None
        if text is not None and len(text) > MAX_QUERY_TEXT:
            raise InvalidQuery(f"q must be at most {MAX_QUERY_TEXT} characters")
        low = money_to_cents(min_price, "min_price") if min_price is not None else None
        high = money_to_cents(max_price, "max_price") if max_price is not None else None
        if low is not None and high is not None and low > high:
            raise InvalidQuery(f"min_price ({min_price}) must not exceed max_price ({max_price})")
        return cls(
            text=text or None,
            categories=tuple(sorted(set(categories or ()))),
            min_price_cents=low,
            max_price_cents=high,
            in_stock=in_stock,
            include_inactive=include_inactive,
            sort=sort,
            brands=tuple(sorted(set(brands or ()))),
        )

    def fingerprint(self) -> str:
        """A short digest of everything that decides which documents come in which order; a
        cursor carries it so it cannot be replayed against a different search."""
        canonical = json.dumps(
            [
                self.text,
                list(self.categories),
                self.min_price_cents,
                self.max_price_cents,
                self.in_stock,
                self.include_inactive,
                self.sort.value,
                list(self.brands),
            ],
            separators=(",", ":"),
            ensure_ascii=True,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ProductView:
    id: int
    sku: str
    name: str
    description: str
    category: str
    brand: str | None
    price: str  # two decimal places, e.g. "19.90"
    active: bool
    on_hand: int
    in_stock: bool
    units_sold: int
    extras: dict[str, Any] = field(default_factory=dict)  # declared beyond the fields above; None if not stored

    def as_document(self) -> dict[str, Any]:
        """The view as one flat document: its own fields, then the extras."""
        own = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extras"}
        return {**own, **self.extras}


# The declared fields the view above shows: its own, and price_cents as `price` (the API answers money only as
# decimal strings: docs/API.md, "Money").
SHOWN_FIELDS = frozenset({f.name for f in fields(ProductView) if f.name != "extras"} | {"price_cents"})


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class SearchPage:
    total: int
    hits: list[ProductView]
    facets: dict[str, list[FacetValue]]
    next_cursor: str | None


def product_from_source(doc_id: str, source: Mapping[str, Any], extras: Sequence[str] = ()) -> ProductView | None:
    """The product a document describes, or None while it lacks the product row's fields; `extras`: the
    further declared fields it carries."""
    price = money_text(source.get("price"), source.get("price_cents"))
    if price is None or any(source.get(field) is None for field in _REQUIRED):
        return None
    on_hand = int(source.get("on_hand") or 0)
    in_stock = source.get("in_stock")
    return ProductView(
        id=int(source.get("id") or doc_id),
        sku=str(source["sku"]),
        name=str(source["name"]),
        description=str(source.get("description") or ""),
        category=str(source["category"]),
        brand=source.get("brand"),
        price=price,
        active=bool(source.get("active", True)),
        on_hand=on_hand,
        in_stock=bool(in_stock) if in_stock is not None else on_hand > 0,
        units_sold=int(source.get("units_sold") or 0),
        extras={name: source.get(name) for name in extras},
    )
