"""Products and their stock rows in PostgreSQL, with the row locks pricing and stock rely on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import errors

from ..domain.errors import ProductHasOrders, SkuTaken
from ..domain.model import ProductForSale
from .database import update_row_statement

_UPDATABLE = frozenset({"name", "description", "category", "brand", "price", "active"})


class PostgresProducts:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def add(
        self,
        sku: str,
        name: str,
        description: str,
        category: str,
        price: Decimal,
        initial_stock: int,
        brand: str | None = None,
    ) -> int:
        try:
            row = self._conn.execute(
                "INSERT INTO products (sku, name, description, category, brand, price) "
                "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                (sku, name, description, category, brand, price),
            ).fetchone()
        except errors.UniqueViolation as exc:
            if exc.diag.constraint_name == "products_sku_key":
                raise SkuTaken(sku) from exc
            raise
        assert row is not None
        self._conn.execute("INSERT INTO inventory (product_id, on_hand) VALUES (%s, %s)", (row[0], initial_stock))
        return int(row[0])

    def update(self, product_id: int, changes: Mapping[str, Any]) -> bool:
        query = update_row_statement("products", changes, _UPDATABLE)
        return self._conn.execute(query, (*changes.values(), product_id)).fetchone() is not None

    def lock(self, product_id: int) -> bool:
        """Exclusive: waits for orders in flight that reference the product."""
        return (
            self._conn.execute("SELECT 1 FROM products WHERE id = %s FOR UPDATE", (product_id,)).fetchone() is not None
        )

    def lock_for_sale(self, product_ids: Sequence[int]) -> dict[int, ProductForSale]:
        """Price, active flag and stock of the products that exist, locked in id order.

        The sort runs before the locks are taken, so rows lock in ascending id and two
        baskets naming the same products in different orders cannot deadlock. Products are
        share-locked (a concurrent price change waits, other orders do not), stock rows
        exclusively. If a row changed while we waited, READ COMMITTED hands us its new version.
        """
        rows = self._conn.execute(
            "SELECT p.id, p.price, p.active, i.on_hand "
            "FROM products p JOIN inventory i ON i.product_id = p.id "
            "WHERE p.id = ANY(%s) ORDER BY p.id "
            "FOR SHARE OF p FOR NO KEY UPDATE OF i",
            (list(product_ids),),
        ).fetchall()
        return {pid: ProductForSale(pid, price, active, on_hand) for pid, price, active, on_hand in rows}

    def lock_stock(self, product_ids: Sequence[int]) -> dict[int, int]:
        """On-hand level of existing products, stock rows locked in ascending id."""
        rows = self._conn.execute(
            "SELECT product_id, on_hand FROM inventory WHERE product_id = ANY(%s) "
            "ORDER BY product_id FOR NO KEY UPDATE",
            (list(product_ids),),
        ).fetchall()
        return dict(rows)

    def set_stock(self, levels: Mapping[int, int]) -> None:
        """Write on-hand levels of stock rows this transaction already locked."""
        if not levels:
            return
        self._conn.execute(
            "UPDATE inventory AS i SET on_hand = v.on_hand, updated_at = now() "
            "FROM unnest(%s::bigint[], %s::integer[]) AS v (product_id, on_hand) "
            "WHERE i.product_id = v.product_id",
            (list(levels), list(levels.values())),
        )

    def has_been_ordered(self, product_id: int) -> bool:
        row = self._conn.execute(
            "SELECT EXISTS (SELECT 1 FROM order_items WHERE product_id = %s)", (product_id,)
        ).fetchone()
        return bool(row and row[0])

    def delete(self, product_id: int) -> None:
        try:
            self._conn.execute("DELETE FROM products WHERE id = %s", (product_id,))
        except errors.ForeignKeyViolation as exc:  # backstop for the check in the handler
            raise ProductHasOrders(product_id) from exc
