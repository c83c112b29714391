"""Orders and their lines in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from ..domain.model import Order, OrderLine, OrderStatus


class PostgresOrders:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def add(self, customer_id: int, lines: Sequence[OrderLine]) -> int:
        row = self._conn.execute("INSERT INTO orders (customer_id) VALUES (%s) RETURNING id", (customer_id,)).fetchone()
        assert row is not None
        self._conn.execute(
            "INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) "
            "SELECT %s, * FROM unnest(%s::integer[], %s::bigint[], %s::integer[], "
            "%s::numeric[])",
            (
                row[0],
                [line.line_no for line in lines],
                [line.product_id for line in lines],
                [line.quantity for line in lines],
                [line.unit_price for line in lines],
            ),
        )
        return int(row[0])

    def lock(self, order_id: int) -> Order | None:
        row = self._conn.execute("SELECT status FROM orders WHERE id = %s FOR NO KEY UPDATE", (order_id,)).fetchone()
        if row is None:
            return None
        lines = self._conn.execute(
            "SELECT line_no, product_id, quantity, unit_price FROM order_items WHERE order_id = %s ORDER BY line_no",
            (order_id,),
        ).fetchall()
        return Order(order_id, OrderStatus(row[0]), [OrderLine(*line) for line in lines])

    def save_status(self, order: Order) -> None:
        self._conn.execute(
            "UPDATE orders SET status = %s, updated_at = now() WHERE id = %s", (order.status.value, order.order_id)
        )
