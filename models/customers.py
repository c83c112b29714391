"""Customers: a profile with its counted orders' count, lifetime value and last order date."""

from catalog.vocabulary import Field, Hooks, Join, ReadModel, Role, keyed, text

# Counted orders only (status <> 'cancelled', docs/API.md 'Meaning of the numbers'). Order totals are summed
# per order first, so joining lines cannot multiply the order count. Erased customers have no row, hence no
# document.
DOCUMENTS_SQL = """
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

MODEL = ReadModel(
    name="customers",
    root="customers",
    version=1,
    joins=(
        Join("orders", key="customer_id", to="customers.id", many=True),
        Join("order_items", key="order_id", to="orders.id", many=True),
    ),
    fields=(
        keyed("email", Role.FILTER),
        text("name"),
        keyed("country", Role.FILTER),
        Field("order_count"),
        Field("lifetime_value"),
        Field("lifetime_value_cents"),
        Field("last_order_at"),
    ),
    # The money sum over orders' lines and the pipeline's per-order state are the orders stage's work.
    hooks=Hooks(documents_sql=DOCUMENTS_SQL, stage="orders"),
)
