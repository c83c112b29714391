"""The sales aggregates recomputed from Postgres with SQL: per UTC day and category, and per
UTC day and product (docs/API.md, 'Meaning of the numbers')."""

from __future__ import annotations

from typing import Any

from infra.verify.sources import expected_documents

SALES_FIELDS = ["day", "category", "orders", "units", "revenue", "revenue_cents"]
PRODUCT_SALES_FIELDS = ["day", "product_id", "units", "revenue", "revenue_cents"]


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


def expected_sales_daily(dsn: str) -> dict[str, dict[str, Any]]:
    return expected_documents(dsn, daily_sales_sql("category"))


def expected_product_sales_daily(dsn: str) -> dict[str, dict[str, Any]]:
    return expected_documents(dsn, daily_sales_sql("product_id"))
