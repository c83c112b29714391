"""The customers read model recomputed from Postgres with SQL: profile plus counted-order figures."""

from __future__ import annotations

from typing import Any

from infra.verify.sources import expected_documents

FIELDS = ["email", "name", "country", "order_count", "lifetime_value", "lifetime_value_cents", "last_order_at"]
INSTANTS = ["last_order_at"]

# Counted orders only (status <> 'cancelled', docs/API.md 'Meaning of the numbers'). Order totals are summed
# per order first, so joining lines cannot multiply the order count. Erased customers have no row, hence no
# document.
EXPECTED_SQL = """
SELECT c.id, c.email, c.name, c.country,
       COALESCE(s.order_count, 0) AS order_count,
       round(COALESCE(s.value, 0), 2)::text AS lifetime_value,
       (COALESCE(s.value, 0) * 100)::bigint AS lifetime_value_cents,
       s.last_order_at
FROM customers c
LEFT JOIN (SELECT o.customer_id, count(*) AS order_count, sum(t.total) AS value,
                  max(o.placed_at) AS last_order_at
           FROM orders o
           LEFT JOIN (SELECT order_id, sum(quantity * unit_price) AS total
                      FROM order_items GROUP BY order_id) t ON t.order_id = o.id
           WHERE o.status <> 'cancelled' AND o.customer_id IS NOT NULL
           GROUP BY o.customer_id) s ON s.customer_id = c.id
"""


def expected_customers(dsn: str) -> dict[str, dict[str, Any]]:
    return expected_documents(dsn, EXPECTED_SQL)
