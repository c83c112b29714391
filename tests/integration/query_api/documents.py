"""Read model documents as the pipelines write them, loaded into a session index; a search helper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from search_client import Elasticsearch, helpers


def product(
    product_id: int,
    name: str,
    price: str,
    *,
    category: str = "kitchen",
    description: str = "",
    on_hand: int = 5,
    units_sold: int = 0,
    active: bool = True,
    sku: str | None = None,
    brand: str | None = None,
) -> dict[str, Any]:
    """A document as the products pipeline writes it."""
    cents = int(round(float(price) * 100))
    return {
        "id": product_id,
        "sku": sku or f"SKU-{product_id:05d}",
        "name": name,
        "description": description,
        "category": category,
        "brand": brand,
        "price": price,
        "price_cents": cents,
        "active": active,
        "on_hand": on_hand,
        "in_stock": on_hand > 0,
        "units_sold": units_sold,
        "source_lsn": 1,
        "source_ts_ms": 0,
        "indexed_at": "2026-01-01T00:00:00Z",
    }


def order(
    order_id: int,
    placed_at: str,
    *,
    customer: dict[str, Any] | None = None,
    status: str = "placed",
    lines: list[tuple[int, str, str, int, str]] = (),
    updated_at: str | None = None,
) -> dict[str, Any]:
    """An order document as the orders pipeline writes it; `customer` is a customer() document
    (or None: no customer), each line is (product_id, sku, name, quantity, unit_price)."""
    items, total_cents = [], 0
    for line_no, (product_id, sku, name, quantity, unit_price) in enumerate(lines, start=1):
        cents = quantity * int(round(float(unit_price) * 100))
        total_cents += cents
        items.append(
            {
                "line_no": line_no,
                "product_id": product_id,
                "sku": sku,
                "name": name,
                "quantity": quantity,
                "unit_price": unit_price,
                "line_total": f"{cents / 100:.2f}",
                "line_total_cents": cents,
            }
        )
    embedded = None if customer is None else {k: customer[k] for k in ("id", "name", "email", "country")}
    return {
        "id": order_id,
        "status": status,
        "customer_id": None if customer is None else customer["id"],
        "customer": embedded,
        "items": items,
        "total": f"{total_cents / 100:.2f}",
        "total_cents": total_cents,
        "placed_at": placed_at,
        "updated_at": updated_at or placed_at,
        "source_lsn": 1,
        "source_ts_ms": 0,
        "indexed_at": "2026-01-01T00:00:00Z",
    }


def customer(
    customer_id: int,
    name: str,
    email: str,
    country: str = "GB",
    *,
    order_count: int = 0,
    lifetime_value: str = "0.00",
    last_order_at: str | None = None,
) -> dict[str, Any]:
    """A customer document as the customers pipeline writes it."""
    return {
        "id": customer_id,
        "email": email,
        "name": name,
        "country": country,
        "order_count": order_count,
        "lifetime_value": lifetime_value,
        "lifetime_value_cents": int(round(float(lifetime_value) * 100)),
        "last_order_at": last_order_at,
        "source_lsn": 1,
        "source_ts_ms": 0,
        "indexed_at": "2026-01-01T00:00:00Z",
    }


def sales_bucket(day: str, category: str, orders: int, units: int, revenue: str) -> dict[str, Any]:
    """A sales_daily document as the sales pipeline writes it (docs/API.md, 'Meaning of the numbers')."""
    return {
        "day": day,
        "category": category,
        "orders": orders,
        "units": units,
        "revenue": revenue,
        "revenue_cents": int(round(float(revenue) * 100)),
        "source_lsn": 1,
        "source_ts_ms": 0,
        "indexed_at": "2026-01-01T00:00:00Z",
    }


def product_sales_bucket(day: str, product_id: int, units: int, revenue: str) -> dict[str, Any]:
    """A product_sales_daily document as the sales pipeline writes it."""
    return {
        "day": day,
        "product_id": product_id,
        "units": units,
        "revenue": revenue,
        "revenue_cents": int(round(float(revenue) * 100)),
        "source_lsn": 1,
        "source_ts_ms": 0,
        "indexed_at": "2026-01-01T00:00:00Z",
    }


def review(
    review_id: int, product_id: int, body: str, *, rating: int = 4, customer_id: int = 1, created_at: str | None = None
) -> dict[str, Any]:
    """A document of the reviews read model (models/reviews.py) as the declared engine writes it."""
    return {
        "id": review_id,
        "product_id": product_id,
        "customer_id": customer_id,
        "rating": rating,
        "body": body,
        "created_at": created_at or "2026-01-01T00:00:00.000Z",
        "source_lsn": 1,
        "source_ts_ms": 0,
        "indexed_at": "2026-01-01T00:00:00Z",
    }


def by_id(doc: dict[str, Any]) -> str:
    return str(doc["id"])


def by_day_and(field: str) -> Callable[[dict[str, Any]], str]:
    """The _id of an aggregate document: "<day>|<category or product id>"."""
    return lambda doc: f"{doc['day']}|{doc[field]}"


class Documents:
    """The documents in one session index; each test loads its own. `key` gives a document's _id."""

    def __init__(self, es: Elasticsearch, alias: str, key: Callable[[dict[str, Any]], str] = by_id) -> None:
        self.es, self.alias, self.key = es, alias, key

    def load(self, docs: list[dict[str, Any]]) -> None:
        self.es.indices.refresh(index=self.alias)
        existing = self.es.search(index=self.alias, size=10_000, source=False)["hits"]["hits"]
        helpers.bulk(
            self.es, [{"_op_type": "delete", "_index": self.alias, "_id": h["_id"]} for h in existing], refresh=True
        )
        self.put(*docs)

    def put(self, *docs: dict[str, Any], refresh: bool = True) -> None:
        helpers.bulk(self.es, [{"_index": self.alias, "_id": self.key(d), "_source": d} for d in docs], refresh=refresh)

    def delete(self, doc_id: int | str) -> None:
        self.es.delete(index=self.alias, id=str(doc_id), refresh=True)


def search(api, **params):
    """GET /products/search, asserting a 200, and return the body."""
    response = api.get("/products/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()
