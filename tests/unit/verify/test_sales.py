"""The sales checks' pure parts: which figures are compared, and how a difference is named."""

from __future__ import annotations

import pytest

from infra.verify.diff import diff_documents
from infra.verify.runner import CHECKS
from models.sales import daily_sales_sql

SALES_FIELDS = CHECKS["sales"].fields
PRODUCT_SALES_FIELDS = CHECKS["product_sales"].fields

ROW = {
    "day": "2026-11-26",
    "category": "lighting",
    "product_id": 5,
    "orders": 3,
    "units": 7,
    "revenue": "123.40",
    "revenue_cents": 12340,
}


def test_a_product_bucket_is_compared_without_an_order_count():
    # The SQL yields orders for both checks; product documents do not carry it.
    got = {k: v for k, v in ROW.items() if k not in ("orders", "category")}
    assert (
        diff_documents("product_sales", {"2026-11-26|5": ROW}, {"2026-11-26|5": got}, PRODUCT_SALES_FIELDS).count == 0
    )


def test_a_stale_bucket_names_its_day_category_and_figure():
    stale = {**ROW, "orders": 2}
    d = diff_documents(
        "sales", {"2026-11-26|lighting": ROW}, {"2026-11-26|lighting": stale, "2026-11-25|desk": ROW}, SALES_FIELDS
    )
    assert [(f.doc_id, f.field, f.expected, f.actual) for f in d.fields] == [("2026-11-26|lighting", "orders", 3, 2)]
    assert d.extra == ["2026-11-25|desk"] and d.count == 2


def test_buckets_are_keyed_by_category_or_product_only():
    assert "p.category AS category" in daily_sales_sql("category")
    assert "oi.product_id AS product_id" in daily_sales_sql("product_id")
    with pytest.raises(KeyError):
        daily_sales_sql("customer_id")
