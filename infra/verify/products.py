"""The products read model recomputed from Postgres with SQL."""

from __future__ import annotations

from typing import Any

from infra.verify.sources import expected_documents

FIELDS = [
    "sku",
    "name",
    "description",
    "category",
    "brand",
    "price",
    "price_cents",
    "active",
    "on_hand",
    "in_stock",
    "units_sold",
]

EXPECTED_SQL = """
SELECT p.id, p.sku, p.name, p.description, p.category, p.brand, p.price::text AS price,
       (p.price * 100)::bigint AS price_cents, p.active,
       COALESCE(i.on_hand, 0) AS on_hand, COALESCE(i.on_hand, 0) > 0 AS in_stock,
       COALESCE(s.units, 0) AS units_sold
FROM products p
LEFT JOIN inventory i ON i.product_id = p.id
LEFT JOIN (SELECT oi.product_id, sum(oi.quantity)::bigint AS units
           FROM order_items oi JOIN orders o ON o.id = oi.order_id
           WHERE o.status <> 'cancelled'
           GROUP BY oi.product_id) s ON s.product_id = p.id
"""


def expected_products(dsn: str) -> dict[str, dict[str, Any]]:
    return expected_documents(dsn, EXPECTED_SQL)
