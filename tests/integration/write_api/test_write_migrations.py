"""The migration runner and the schema it builds: order, idempotence, locking, constraints."""

from __future__ import annotations

import hashlib
import shutil
import threading
from pathlib import Path

import psycopg
import pytest
from psycopg import errors

from services.write_api.adapters.migrations import MIGRATIONS_DIR, MigrationError, migrate

pytestmark = pytest.mark.integration
SHIPPED = sorted(p.name for p in MIGRATIONS_DIR.glob("*.sql"))


@pytest.fixture
def fresh_dsn(create_database) -> str:
    return create_database("readside_write_migrate")


@pytest.fixture
def copy_of_migrations(tmp_path: Path) -> Path:
    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, target)
    return target


def recorded(dsn: str) -> list[tuple[str, str]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT name, checksum FROM schema_migrations ORDER BY name").fetchall()


def test_applies_every_file_in_order_once(fresh_dsn):
    assert SHIPPED[0].startswith("0001_")
    assert migrate(fresh_dsn) == SHIPPED
    assert migrate(fresh_dsn) == []
    assert recorded(fresh_dsn) == [
        (name, hashlib.sha256((MIGRATIONS_DIR / name).read_bytes()).hexdigest()) for name in SHIPPED
    ]


def test_applies_only_new_files(fresh_dsn, copy_of_migrations):
    migrate(fresh_dsn, copy_of_migrations)
    (copy_of_migrations / "9000_extra_table.sql").write_text("CREATE TABLE extra (id int);")
    assert migrate(fresh_dsn, copy_of_migrations) == ["9000_extra_table.sql"]


def test_refuses_an_edited_migration(fresh_dsn, copy_of_migrations):
    migrate(fresh_dsn, copy_of_migrations)
    first = copy_of_migrations / SHIPPED[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    (copy_of_migrations / "9000_never_applied.sql").write_text("CREATE TABLE never (id int);")
    with pytest.raises(MigrationError, match=f"{SHIPPED[0]} changed after it was applied"):
        migrate(fresh_dsn, copy_of_migrations)
    assert [name for name, _ in recorded(fresh_dsn)] == SHIPPED


def test_a_failing_file_leaves_nothing_behind(fresh_dsn, copy_of_migrations):
    (copy_of_migrations / "9000_broken.sql").write_text("CREATE TABLE half_done (id int);\nTHIS IS NOT SQL;")
    with pytest.raises(psycopg.errors.SyntaxError):
        migrate(fresh_dsn, copy_of_migrations)
    assert [name for name, _ in recorded(fresh_dsn)] == SHIPPED
    with psycopg.connect(fresh_dsn) as conn:
        assert conn.execute("SELECT to_regclass('half_done')").fetchone() == (None,)


def test_refuses_misnamed_or_duplicate_numbers(fresh_dsn, copy_of_migrations):
    (copy_of_migrations / "0001_again.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="share the number"):
        migrate(fresh_dsn, copy_of_migrations)
    (copy_of_migrations / "0001_again.sql").unlink()
    (copy_of_migrations / "add-thing.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_snake_case.sql"):
        migrate(fresh_dsn, copy_of_migrations)


def test_concurrent_runners_apply_each_file_once(fresh_dsn):
    barrier, results = threading.Barrier(3), []

    def run() -> None:
        barrier.wait()
        results.append(migrate(fresh_dsn))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [[], [], SHIPPED]


def test_replica_identity_full_where_the_read_side_retracts(db):
    identity = dict(
        db.execute(
            "SELECT relname, relreplident FROM pg_class WHERE relname = ANY(%s)",
            (["customers", "products", "inventory", "orders", "order_items"],),
        ).fetchall()
    )
    assert identity == {"orders": "f", "order_items": "f", "products": "f", "customers": "d", "inventory": "d"}


def test_money_is_numeric_12_2_and_times_are_timestamptz(db):
    columns = db.execute(
        "SELECT table_name || '.' || column_name, data_type, numeric_precision, numeric_scale "
        "FROM information_schema.columns WHERE table_schema = 'public' AND "
        "(data_type LIKE 'timestamp%%' OR data_type = 'numeric')"
    ).fetchall()
    money = {c[0]: (c[2], c[3]) for c in columns if c[1] == "numeric"}
    assert money == {"products.price": (12, 2), "order_items.unit_price": (12, 2)}
    assert {c[1] for c in columns if c[1] != "numeric"} == {"timestamp with time zone"}


@pytest.mark.parametrize(
    "statement, error",
    [
        ("UPDATE inventory SET on_hand = -1", errors.CheckViolation),
        ("UPDATE orders SET status = 'lost'", errors.CheckViolation),
        ("UPDATE order_items SET quantity = 0", errors.CheckViolation),
        ("UPDATE products SET price = -0.01", errors.CheckViolation),
        ("UPDATE customers SET country = 'gb'", errors.CheckViolation),
        ("INSERT INTO customers (email, name, country) VALUES ('ADA@example.com', 'x', 'GB')", errors.UniqueViolation),
        ("INSERT INTO products (sku, name, category, price) VALUES ('S1', 'x', 'c', 1)", errors.UniqueViolation),
        ("INSERT INTO order_items VALUES (1, 2, 999, 1, 1)", errors.ForeignKeyViolation),
        ("INSERT INTO inventory VALUES (999, 1)", errors.ForeignKeyViolation),
        ("DELETE FROM products", errors.ForeignKeyViolation),
    ],
)
def test_constraints_back_the_rules(api, db, statement, error):
    db.execute("INSERT INTO customers (email, name, country) VALUES ('ada@example.com', 'A', 'GB')")
    db.execute("INSERT INTO products (sku, name, category, price) VALUES ('S1', 'T', 'c', 1)")
    db.execute("INSERT INTO inventory VALUES (1, 5)")
    db.execute("INSERT INTO orders (customer_id) VALUES (1)")
    db.execute("INSERT INTO order_items VALUES (1, 1, 1, 2, 1.00)")
    with pytest.raises(error):
        db.execute(statement)


def test_deleting_a_customer_nulls_their_orders(api, db):
    db.execute("INSERT INTO customers (email, name, country) VALUES ('ada@example.com', 'A', 'GB')")
    db.execute("INSERT INTO orders (customer_id) VALUES (1)")
    db.execute("DELETE FROM customers")
    assert db.execute("SELECT customer_id FROM orders").fetchall() == [(None,)]
