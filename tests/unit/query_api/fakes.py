"""In-memory stand-ins for the read model indices and the consistency waiter (unit tests only)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.query_api.consistency.waiter import Projection
from services.query_api.domain.errors import ReadModelBehind, SnapshotExpired


def product_doc(product_id: int, price_cents: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": product_id,
        "sku": f"SKU-{product_id}",
        "name": f"Product {product_id}",
        "description": "",
        "category": "kitchen",
        "price": f"{price_cents / 100:.2f}",
        "price_cents": price_cents,
        "active": True,
        "on_hand": 1,
        "in_stock": True,
        "units_sold": 0,
        **fields,
    }


def order_doc(
    order_id: int,
    placed_at: str = "2026-11-26T10:00:00Z",
    *,
    customer_id: int | None = 3,
    status: str = "placed",
    **fields: Any,
) -> dict[str, Any]:
    """An order document as the orders pipeline writes it: one line of two units at 19.90."""
    customer = (
        None if customer_id is None else {"id": customer_id, "name": "Ada", "email": "ada@x.org", "country": "GB"}
    )
    return {
        "id": order_id,
        "status": status,
        "customer_id": customer_id,
        "customer": customer,
        "items": [
            {
                "line_no": 1,
                "product_id": 5,
                "sku": "SKU-5",
                "name": "Lamp",
                "quantity": 2,
                "unit_price": "19.90",
                "line_total": "39.80",
                "line_total_cents": 3980,
            }
        ],
        "total": "39.80",
        "total_cents": 3980,
        "placed_at": placed_at,
        "updated_at": placed_at,
        "source_lsn": 10,
        "source_ts_ms": 0,
        "indexed_at": "2026-11-26T10:00:01Z",
        **fields,
    }


def review_doc(review_id: int, product_id: int = 5, rating: int = 4, body: str = "sturdy and bright") -> dict[str, Any]:
    """A review document as the declared engine writes it (models/reviews.py, reviews_v1.json)."""
    return {
        "id": review_id,
        "product_id": product_id,
        "customer_id": 3,
        "rating": rating,
        "body": body,
        "created_at": "2026-11-26T10:00:00.000Z",
        "source_lsn": 10,
        "source_ts_ms": 0,
        "indexed_at": "2026-11-26T10:00:01Z",
    }


def by_price(doc: dict[str, Any]) -> tuple[int, ...]:
    return (doc["price_cents"], doc["id"])


def by_id(doc: dict[str, Any]) -> tuple[int, ...]:
    """A declared read model's order (score, id), with every score the same, as without q."""
    return (0, doc["id"])


def newest_first(doc: dict[str, Any]) -> tuple[int, ...]:
    """Orders' sort (placed_at desc, id desc), as ascending keys the fake can compare."""
    placed = datetime.fromisoformat(doc["placed_at"])
    return (-int(placed.timestamp() * 1000), -doc["id"])


class FakeIndex:
    """Sorts by `key` (ascending) whatever the body asks; honours size and search_after, and
    keeps the bodies it was asked to search."""

    def __init__(self, docs: list[dict[str, Any]], key: Callable[[dict[str, Any]], tuple[int, ...]] = by_price) -> None:
        self.docs = {d["id"]: d for d in docs}
        self.key = key
        self.bodies: list[dict[str, Any]] = []
        self.opened: list[str] = []
        self.closed: list[str] = []
        self.searched_with: list[str | None] = []
        self.expired: set[str] = set()
        self.refreshes = 0
        self.error: Exception | None = None
        self.rejections: dict[int, dict[str, Any]] = {}

    async def get(self, doc_id: int) -> dict[str, Any] | None:
        if self.error:
            raise self.error
        return self.docs.get(doc_id)

    async def rejection(self, doc_id: int) -> dict[str, Any] | None:
        return self.rejections.get(doc_id)

    async def refresh(self) -> None:
        self.refreshes += 1

    async def open_snapshot(self) -> str:
        pit_id = f"pit{len(self.opened) + 1}"
        self.opened.append(pit_id)
        return pit_id

    async def close_snapshot(self, pit_id: str) -> None:
        self.closed.append(pit_id)

    async def search(self, body: dict[str, Any], pit_id: str | None) -> dict[str, Any]:
        if self.error:
            raise self.error
        if pit_id in self.expired:
            raise SnapshotExpired(pit_id)
        self.searched_with.append(pit_id)
        self.bodies.append(body)
        rows = sorted(self.docs.values(), key=self.key)
        if "search_after" in body:
            rows = [d for d in rows if self.key(d) > tuple(body["search_after"])]
        hits = [{"_id": str(d["id"]), "_source": d, "sort": [*self.key(d), 7]} for d in rows[: body["size"]]]
        response: dict[str, Any] = {
            "hits": {"total": {"value": len(self.docs)}, "hits": hits},
            "aggregations": {"category": {"buckets": [{"key": "kitchen", "doc_count": len(self.docs)}]}},
        }
        if pit_id is not None:
            response["pit_id"] = pit_id
        return response


class FakeWaiter:
    """`behind`: True for every projection, or the names of the projections that lag."""

    def __init__(self, behind: bool | set[str] = False) -> None:
        self.behind = behind
        self.waited_for: list[int] = []
        self.projections: list[str] = []

    async def wait_for(self, projection: Projection, lsn: int, token: str) -> None:
        self.waited_for.append(lsn)
        self.projections.append(projection.name)
        if self.behind is True or (isinstance(self.behind, set) and projection.name in self.behind):
            raise ReadModelBehind(token, 0.1, f"test says {projection.name} lags")


def sales_bucket(period: str, category: str, orders: int, units: int, revenue_cents: int) -> dict[str, Any]:
    """One composite bucket as Elasticsearch answers it (sums are doubles)."""
    return {
        "key": {"period": period, "category": category},
        "doc_count": 1,
        "orders": {"value": float(orders)},
        "units": {"value": float(units)},
        "revenue_cents": {"value": float(revenue_cents)},
    }


def product_bucket(product_id: int, units: int, revenue_cents: int) -> dict[str, Any]:
    return {
        "key": product_id,
        "doc_count": 1,
        "units": {"value": float(units)},
        "revenue_cents": {"value": float(revenue_cents)},
    }


class FakeAggregates:
    """An aggregate index: answers each search with the next of `answers` (aggregations only),
    and keeps the bodies it was asked to search."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = list(answers)
        self.bodies: list[dict[str, Any]] = []
        self.refreshes = 0
        self.error: Exception | None = None

    async def refresh(self) -> None:
        self.refreshes += 1

    async def search(self, body: dict[str, Any], pit_id: str | None) -> dict[str, Any]:
        if self.error:
            raise self.error
        self.bodies.append(body)
        aggregations = self.answers.pop(0) if self.answers else {}
        return {"hits": {"hits": []}, "aggregations": aggregations}


class FakeCatalogue:
    """The products index as /stats/top-products reads it: sources by id."""

    def __init__(self, docs: dict[int, dict[str, Any]]) -> None:
        self.docs = docs
        self.asked: list[tuple[list[int], list[str]]] = []

    async def get_many(self, doc_ids, fields) -> dict[int, dict[str, Any]]:
        self.asked.append((list(doc_ids), list(fields)))
        return {i: {f: self.docs[i][f] for f in fields if f in self.docs[i]} for i in doc_ids if i in self.docs}
