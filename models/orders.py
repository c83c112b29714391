"""Orders: one document per order with its customer and its lines (each with the product's sku and name).
A change to any joined row (a customer renamed, a product renamed, a line changed) reaches every order
that holds it."""

from catalog.vocabulary import Field, Hooks, Join, ReadModel, Role, keyed

# Money stays numeric until the final ::text, so "39.80" keeps its two places and cents are exact.
# customer is NULL when the order has none (erased customers leave orders.customer_id NULL).
DOCUMENTS_SQL = """
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

MODEL = ReadModel(
    name="orders",
    root="orders",
    version=1,
    joins=(
        Join("order_items", key="order_id", to="orders.id", many=True),
        Join("customers", key="id", to="orders.customer_id"),
        Join("products", key="id", to="order_items.product_id"),
    ),
    fields=(
        keyed("status", Role.FILTER),
        keyed("customer_id", Role.FILTER),
        Field("customer"),  # {id, name, email, country}, null once erased; name and email are full text
        Field("items"),  # [{line_no, product_id, sku, name, quantity, unit_price, line_total}]
        Field("total"),
        Field("total_cents"),
        keyed("placed_at", Role.FILTER, Role.SORT),
        Field("updated_at"),
    ),
    # Lines nest in the document: a list the declaration's one-to-many aggregates cannot say.
    hooks=Hooks(stage="orders", documents_sql=DOCUMENTS_SQL, list_keys={"items": "line_no"}),
)
