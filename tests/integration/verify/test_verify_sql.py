"""The verify SQL against a real Postgres: a throwaway migrated database, rows written with plain SQL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from infra.verify.diff import diff_documents
from infra.verify.runner import CHECKS, ReadModelCheck

from .conftest import as_indexed, migrated_database

pytestmark = pytest.mark.integration

T = [datetime(2026, 11, 20 + day, 10, 0, 0, 123456, tzinfo=UTC) for day in range(6)]

# Customer 3 is erased after ordering; order 1's lines are inserted out of order; order 2 is
# cancelled and the newest; order 5 has no lines.
ROWS = """
INSERT INTO customers (id, email, name, country) OVERRIDING SYSTEM VALUE VALUES
    (1, 'ada@x.org', 'Ada', 'GB'), (2, 'bob@x.org', 'Bob', 'US'), (3, 'eve@x.org', 'Eve', 'FR');
INSERT INTO products (id, sku, name, category, price) OVERRIDING SYSTEM VALUE VALUES
    (1, 'LAMP-1', 'Lamp', 'lighting', 19.90), (2, 'MUG-2', 'Mug', 'kitchen', 3.33);
INSERT INTO inventory (product_id, on_hand) VALUES (1, 5), (2, 5);
INSERT INTO orders (id, customer_id, status, placed_at, updated_at) OVERRIDING SYSTEM VALUE VALUES
    (1, 1, 'placed', %(t1)s, %(t2)s), (2, 1, 'cancelled', %(t5)s, %(t5)s), (3, 1, 'paid', %(t0)s, %(t1)s),
    (4, 3, 'shipped', %(t3)s, %(t4)s), (5, 2, 'cancelled', %(t0)s, %(t0)s);
INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) VALUES
    (1, 2, 2, 3, 3.33), (1, 1, 1, 2, 19.90), (2, 1, 1, 1, 19.90), (3, 1, 2, 10, 0.10), (4, 1, 1, 1, 19.90);
DELETE FROM customers WHERE id = 3;
"""


@pytest.fixture(scope="module")
def dsn(postgres_admin_dsn: str) -> Iterator[str]:
    with migrated_database(postgres_admin_dsn, ROWS, {f"t{i}": t for i, t in enumerate(T)}) as made:
        yield made


def item(line_no, product_id, sku, name, quantity, unit_price, line_total, cents) -> dict:
    return {
        "line_no": line_no,
        "product_id": product_id,
        "sku": sku,
        "name": name,
        "quantity": quantity,
        "unit_price": unit_price,
        "line_total": line_total,
        "line_total_cents": cents,
    }


def test_orders_carry_customer_lines_in_order_and_exact_totals(dsn):
    docs = CHECKS["orders"].expected(dsn)
    assert sorted(docs, key=int) == ["1", "2", "3", "4", "5"]
    first = docs["1"]
    assert first["customer"] == {"id": 1, "name": "Ada", "email": "ada@x.org", "country": "GB"}
    assert first["items"] == [
        item(1, 1, "LAMP-1", "Lamp", 2, "19.90", "39.80", 3980),
        item(2, 2, "MUG-2", "Mug", 3, "3.33", "9.99", 999),
    ]
    assert (first["status"], first["customer_id"], first["total"], first["total_cents"]) == ("placed", 1, "49.79", 4979)
    assert (first["placed_at"], first["updated_at"]) == (T[1], T[2])
    assert docs["3"]["items"] == [item(1, 2, "MUG-2", "Mug", 10, "0.10", "1.00", 100)]


def test_an_erased_customers_order_has_no_customer_and_an_order_without_lines_totals_zero(dsn):
    docs = CHECKS["orders"].expected(dsn)
    assert (docs["4"]["customer_id"], docs["4"]["customer"], docs["4"]["total"]) == (None, None, "19.90")
    assert (docs["5"]["items"], docs["5"]["total"], docs["5"]["total_cents"]) == ([], "0.00", 0)


def test_customers_count_only_counted_orders(dsn):
    docs = CHECKS["customers"].expected(dsn)
    assert sorted(docs) == ["1", "2"]  # the erased customer has no document
    assert docs["1"] == {
        "id": 1,
        "email": "ada@x.org",
        "name": "Ada",
        "country": "GB",
        "order_count": 2,
        "lifetime_value": "50.79",
        "lifetime_value_cents": 5079,
        "last_order_at": T[1],
    }
    assert docs["2"] == {
        "id": 2,
        "email": "bob@x.org",
        "name": "Bob",
        "country": "US",
        "order_count": 0,
        "lifetime_value": "0.00",
        "lifetime_value_cents": 0,
        "last_order_at": None,
    }


@pytest.mark.parametrize("model", ["orders", "customers"])
def test_documents_indexed_as_json_match_what_postgres_says(dsn, model):
    check = CHECKS[model]
    want = check.expected(dsn)
    got = as_indexed(want)
    assert diff_documents(model, want, got, check.fields, instants=check.instants, list_keys=check.list_keys).count == 0
    got["1"]["total" if model == "orders" else "lifetime_value"] = "0.01"
    assert diff_documents(model, want, got, check.fields, instants=check.instants, list_keys=check.list_keys).count == 1


def test_a_missing_index_in_a_real_elasticsearch_is_reported(stack, dsn):
    index = f"readside_verify_absent_{secrets.token_hex(4)}"
    check = ReadModelCheck("orders", index, CHECKS["orders"].fields, CHECKS["orders"].sql)
    d = check.diff(dsn, stack.elasticsearch_url)
    assert d.count == 1 and f"{index!r} does not exist" in d.problem and "5 document(s) expected" in d.problem
