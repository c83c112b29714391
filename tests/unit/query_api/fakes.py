"""In-memory stand-ins for the products index and the consistency waiter (unit tests only)."""
from __future__ import annotations

from typing import Any

from services.query_api.consistency.waiter import Projection
from services.query_api.domain.errors import ReadModelBehind, SnapshotExpired


def product_doc(product_id: int, price_cents: int, **fields: Any) -> dict[str, Any]:
    return {"id": product_id, "sku": f"SKU-{product_id}", "name": f"Product {product_id}",
            "description": "", "category": "kitchen", "price": f"{price_cents / 100:.2f}",
            "price_cents": price_cents, "active": True, "on_hand": 1, "in_stock": True,
            "units_sold": 0, **fields}


class FakeIndex:
    """Sorts by (price_cents, id) whatever the body asks; honours size and search_after."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = {d["id"]: d for d in docs}
        self.opened: list[str] = []
        self.closed: list[str] = []
        self.searched_with: list[str | None] = []
        self.expired: set[str] = set()
        self.refreshes = 0
        self.error: Exception | None = None

    async def get(self, product_id: int) -> dict[str, Any] | None:
        if self.error:
            raise self.error
        return self.docs.get(product_id)

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
        rows = sorted(self.docs.values(), key=lambda d: (d["price_cents"], d["id"]))
        if "search_after" in body:
            rows = [d for d in rows if (d["price_cents"], d["id"]) > tuple(body["search_after"])]
        hits = [{"_id": str(d["id"]), "_source": d, "sort": [d["price_cents"], d["id"], 7]}
                for d in rows[:body["size"]]]
        response: dict[str, Any] = {"hits": {"total": {"value": len(self.docs)}, "hits": hits},
                                    "aggregations": {"category": {"buckets": [
                                        {"key": "kitchen", "doc_count": len(self.docs)}]}}}
        if pit_id is not None:
            response["pit_id"] = pit_id
        return response


class FakeWaiter:
    def __init__(self, behind: bool = False) -> None:
        self.behind = behind
        self.waited_for: list[int] = []

    async def wait_for(self, projection: Projection, lsn: int, token: str) -> None:
        self.waited_for.append(lsn)
        if self.behind:
            raise ReadModelBehind(token, 0.1, "test says so")
