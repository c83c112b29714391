"""Product documents to product views, and what a page of search results holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .money import money_text

_REQUIRED = ("sku", "name", "category")


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


def product_from_source(doc_id: str, source: Mapping[str, Any]) -> ProductView | None:
    """The product a document describes, or None while it lacks the product row's fields."""
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
    )
