"""The sales verify SQL against a real Postgres (throwaway database) and a real Elasticsearch
(throwaway indices made from the mapping files)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import pytest

from infra.settings import PROJECT_ROOT
from infra.verify.diff import diff_documents
from infra.verify.runner import CHECKS, ReadModelCheck
from search_client import Elasticsearch, helpers, sync_client

from .conftest import as_indexed, migrated_database

pytestmark = pytest.mark.integration

# Order 2 is placed late on the 20th in New York, which is the 21st in UTC. Order 3 bought the
# lamp at an older price. Order 4 is cancelled; order 5 has no lines. The mug changes category
# after it sold: sales follow the product's current category.
ROWS = """
INSERT INTO customers (id, email, name, country) OVERRIDING SYSTEM VALUE VALUES (1, 'ada@x.org', 'Ada', 'GB');
INSERT INTO products (id, sku, name, category, price) OVERRIDING SYSTEM VALUE VALUES
    (1, 'LAMP-1', 'Lamp', 'lighting', 19.90), (2, 'MUG-2', 'Mug', 'kitchen', 3.33),
    (3, 'BULB-3', 'Bulb', 'lighting', 2.50);
INSERT INTO orders (id, customer_id, status, placed_at, updated_at) OVERRIDING SYSTEM VALUE VALUES
    (1, 1, 'placed', '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z'),
    (2, 1, 'paid', '2026-11-20T23:30:00-05:00', '2026-11-21T05:00:00Z'),
    (3, NULL, 'shipped', '2026-11-20T00:00:00Z', '2026-11-22T00:00:00Z'),
    (4, 1, 'cancelled', '2026-11-20T12:00:00Z', '2026-11-20T13:00:00Z'),
    (5, 1, 'placed', '2026-11-21T00:00:00Z', '2026-11-21T00:00:00Z');
INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) VALUES
    (1, 1, 1, 2, 19.90), (1, 2, 3, 4, 2.50), (2, 1, 2, 3, 3.33), (3, 1, 1, 1, 18.00),
    (4, 1, 2, 5, 3.33), (4, 2, 1, 1, 19.90);
UPDATE products SET category = 'desk' WHERE id = 2
"""


@pytest.fixture(scope="module")
def dsn(postgres_admin_dsn: str) -> Iterator[str]:
    with migrated_database(postgres_admin_dsn, ROWS, {}) as made:
        yield made


def test_sales_per_utc_day_and_current_category_count_distinct_counted_orders(dsn):
    assert CHECKS["sales"].expected(dsn) == {
        "2026-11-20|lighting": {
            "id": "2026-11-20|lighting",
            "day": "2026-11-20",
            "category": "lighting",
            "orders": 2,
            "units": 7,
            "revenue": "67.80",
            "revenue_cents": 6780,
        },
        "2026-11-21|desk": {
            "id": "2026-11-21|desk",
            "day": "2026-11-21",
            "category": "desk",
            "orders": 1,
            "units": 3,
            "revenue": "9.99",
            "revenue_cents": 999,
        },
    }


def test_product_sales_per_utc_day(dsn):
    docs = CHECKS["product_sales"].expected(dsn)
    assert {doc_id: {f: doc[f] for f in CHECKS["product_sales"].fields} for doc_id, doc in docs.items()} == {
        "2026-11-20|1": {"day": "2026-11-20", "product_id": 1, "units": 3, "revenue": "57.80", "revenue_cents": 5780},
        "2026-11-20|3": {"day": "2026-11-20", "product_id": 3, "units": 4, "revenue": "10.00", "revenue_cents": 1000},
        "2026-11-21|2": {"day": "2026-11-21", "product_id": 2, "units": 3, "revenue": "9.99", "revenue_cents": 999},
    }


@pytest.mark.parametrize("model", ["sales", "product_sales"])
def test_documents_indexed_as_json_match_what_postgres_says(dsn, model):
    check = CHECKS[model]
    want = check.expected(dsn)
    got = {doc_id: {f: doc[f] for f in check.fields} for doc_id, doc in as_indexed(want).items()}
    assert diff_documents(model, want, got, check.fields).count == 0
    next(iter(got.values()))["revenue_cents"] += 1
    assert diff_documents(model, want, got, check.fields).count == 1


@pytest.fixture
def es(stack) -> Iterator[Elasticsearch]:
    client = sync_client(stack.settings.search_engine.value, stack.elasticsearch_url, request_timeout=30)
    yield client
    client.close()


@pytest.mark.parametrize("model,mapping", [("sales", "sales_daily_v1"), ("product_sales", "product_sales_daily_v1")])
def test_a_real_index_of_the_pipelines_documents_shows_no_difference(stack, es, dsn, model, mapping):
    """Documents shaped as the contract says, stored through the mapping file, read back by
    verify: 0 differences; one stale figure: 1."""
    index = f"readside_verify_{model}_{secrets.token_hex(4)}"
    es.indices.create(
        index=index, **json.loads((PROJECT_ROOT / "schemas" / "elasticsearch" / f"{mapping}.json").read_text())
    )
    try:
        check = CHECKS[model]
        docs = as_indexed(check.expected(dsn))
        bookkeeping = {"source_lsn": 1, "source_ts_ms": 0, "indexed_at": "2026-11-26T10:00:00Z"}
        helpers.bulk(
            es,
            [
                {"_index": index, "_id": doc_id, "_source": {**{f: doc[f] for f in check.fields}, **bookkeeping}}
                for doc_id, doc in docs.items()
            ],
            refresh=True,
        )
        at_index = ReadModelCheck(model, index, check.fields, check.sql, check.sample_sql)
        assert at_index.diff(dsn, stack.elasticsearch_url).count == 0
        es.update(index=index, id=next(iter(docs)), doc={"units": 999}, refresh=True)
        assert at_index.diff(dsn, stack.elasticsearch_url).count == 1
    finally:
        es.options(ignore_status=404).indices.delete(index=index)
