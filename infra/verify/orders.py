"""The orders read model recomputed from Postgres with SQL: each order with its customer and lines."""

from __future__ import annotations

from typing import Any

from infra.verify.sources import expected_documents

FIELDS = ["status", "customer_id", "customer", "items", "total", "total_cents", "placed_at", "updated_at"]
INSTANTS = ["placed_at", "updated_at"]
LIST_KEYS = {"items": "line_no"}  # lines are matched by line_no, so a diff names the line

# Money stays numeric until the final ::text, so "39.80" keeps its two places and cents are exact.
# customer is NULL when the order has none (erased customers leave orders.customer_id NULL).
EXPECTED_SQL = """
SELECT o.id, o.status, o.customer_id,
       CASE WHEN c.id IS NULL THEN NULL
            ELSE json_build_object('id', c.id, 'name', c.name, 'email', c.email,
                                   'country', c.country) END AS customer,
       COALESCE(l.items, '[]'::json) AS items,
       round(COALESCE(l.total, 0), 2)::text AS total,
       (COALESCE(l.total, 0) * 100)::bigint AS total_cents,
       o.placed_at, o.updated_at
FROM orders o
LEFT JOIN customers c ON c.id = o.customer_id
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object(
               'line_no', oi.line_no, 'product_id', oi.product_id, 'sku', p.sku, 'name', p.name,
               'quantity', oi.quantity, 'unit_price', oi.unit_price::text,
               'line_total', round(oi.quantity * oi.unit_price, 2)::text,
               'line_total_cents', (oi.quantity * oi.unit_price * 100)::bigint)
             ORDER BY oi.line_no) AS items,
           sum(oi.quantity * oi.unit_price) AS total
    FROM order_items oi JOIN products p ON p.id = oi.product_id
    WHERE oi.order_id = o.id) l ON true
"""


def expected_orders(dsn: str) -> dict[str, dict[str, Any]]:
    return expected_documents(dsn, EXPECTED_SQL)
