"""Sales per UTC day and category over counted orders: orders, units and revenue, exact under updates,
cancellations, deletes and replays."""

from catalog.vocabulary import Field, Hooks, Join, ReadModel, Role, keyed


def daily_sales_sql(key: str) -> str:
    """One row per (UTC day of placed_at, `key`) over counted orders (status <> 'cancelled'),
    _id "<YYYY-MM-DD>|<key>". `key` is "category" (the product's current category) or
    "product_id". An order lies in one day, so counting distinct orders per bucket is exact;
    a bucket without lines has no row, as the pipeline writes no document for it."""
    column = {"category": "p.category", "product_id": "oi.product_id"}[key]
    return f"""
SELECT to_char(b.day, 'YYYY-MM-DD') || '|' || b.{key} AS id, to_char(b.day, 'YYYY-MM-DD') AS day,
       b.{key}, b.orders, b.units, round(b.revenue, 2)::text AS revenue,
       (b.revenue * 100)::bigint AS revenue_cents
FROM (SELECT (o.placed_at AT TIME ZONE 'UTC')::date AS day, {column} AS {key},
             count(DISTINCT o.id) AS orders, sum(oi.quantity)::bigint AS units,
             sum(oi.quantity * oi.unit_price) AS revenue
      FROM order_items oi
      JOIN orders o ON o.id = oi.order_id
      JOIN products p ON p.id = oi.product_id
      WHERE o.status <> 'cancelled'
      GROUP BY 1, 2) b
"""


def sampled_buckets_sql(key: str) -> str:
    """Up to %(n)s bucket ids ("<YYYY-MM-DD>|<key>") of random order lines."""
    column = {"category": "p.category", "product_id": "oi.product_id"}[key]
    return f"""
SELECT to_char((o.placed_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') || '|' || {column}
FROM order_items oi JOIN orders o ON o.id = oi.order_id JOIN products p ON p.id = oi.product_id
ORDER BY random() LIMIT %(n)s
"""


BUCKET_TABLES = (
    Join("order_items", key="order_id", to="orders.id", many=True),
    Join("products", key="id", to="order_items.product_id"),
)

MODEL = ReadModel(
    name="sales",
    alias="sales_daily",
    root="orders",
    version=1,
    joins=BUCKET_TABLES,
    fields=(
        keyed("day", Role.FILTER),
        keyed("category", Role.FILTER),
        Field("orders"),
        Field("units"),
        Field("revenue"),
        Field("revenue_cents"),
    ),
    # A bucket is (day, category), not a row of a table; the sales stage of the orders pipeline keeps it.
    hooks=Hooks(
        documents_sql=daily_sales_sql("category"),
        sample_sql=sampled_buckets_sql("category"),
        stage="orders",
        drop=("id",),
    ),
)
