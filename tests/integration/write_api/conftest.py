"""Write API integration fixtures: a fresh migrated database per session, emptied per test."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from psycopg.conninfo import make_conninfo

from services.write_api.adapters.migrations import migrate
from services.write_api.entrypoints.app import create_app
from services.write_api.settings import WriteApiSettings

WRITE_TOKEN = "test-" + secrets.token_urlsafe(24)
DOMAIN_TABLES = ("customers", "products", "inventory", "orders", "order_items", "idempotency_keys")


@pytest.fixture(scope="session")
def write_admin_dsn(request: pytest.FixtureRequest) -> str:
    """A role with CREATEDB: READSIDE_TEST_ADMIN_DSN if set, else the stack's fixture."""
    dsn = os.environ.get("READSIDE_TEST_ADMIN_DSN")
    if dsn:
        return dsn
    try:
        return str(request.getfixturevalue("postgres_admin_dsn"))
    except pytest.FixtureLookupError:
        pytest.fail(
            "no Postgres for the write API tests: set READSIDE_TEST_ADMIN_DSN to a DSN "
            "of a role with CREATEDB, or run with the stack's tests/conftest.py"
        )


@pytest.fixture(scope="session")
def create_database(write_admin_dsn: str) -> Iterator[Callable[[str], str]]:
    """Factory: create an empty database with a random name, return its DSN; all are dropped
    at the end of the session."""
    created: list[str] = []

    def create(prefix: str = "readside_write_test") -> str:
        name = f"{prefix}_{secrets.token_hex(4)}"
        with psycopg.connect(write_admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return make_conninfo(write_admin_dsn, dbname=name)

    yield create
    with psycopg.connect(write_admin_dsn, autocommit=True) as conn:
        for name in created:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def write_db_dsn(create_database: Callable[[str], str]) -> str:
    dsn = create_database("readside_write_test")
    migrate(dsn)
    return dsn


@pytest.fixture(scope="session")
def write_settings(write_db_dsn: str) -> WriteApiSettings:
    return WriteApiSettings(
        database_url=write_db_dsn,
        write_token=WRITE_TOKEN,
        write_api_pool_min_size=2,
        write_api_pool_max_size=24,
        write_api_db_wait_s=10,
    )


@pytest.fixture(scope="session")
def session_client(write_settings: WriteApiSettings) -> Iterator[TestClient]:
    app = create_app(write_settings)
    with TestClient(app, headers={"Authorization": f"Bearer {WRITE_TOKEN}"}) as client:
        yield client


@pytest.fixture
def db(write_db_dsn: str) -> Iterator[psycopg.Connection]:
    """A separate autocommit connection for looking at (and setting up) the database."""
    with psycopg.connect(write_db_dsn, autocommit=True) as conn:
        yield conn


@pytest.fixture
def api(session_client: TestClient, db: psycopg.Connection) -> TestClient:
    """The app, authenticated, against emptied tables with ids starting at 1 again."""
    db.execute(
        sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, DOMAIN_TABLES)))
    )
    return session_client


@pytest.fixture
def snapshot(db: psycopg.Connection) -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    """Every row of every domain table, for "the database is unchanged" assertions."""

    def take() -> dict[str, list[tuple[Any, ...]]]:
        return {
            table: db.execute(sql.SQL("SELECT * FROM {} ORDER BY 1, 2").format(sql.Identifier(table))).fetchall()
            for table in DOMAIN_TABLES
        }

    return take


@pytest.fixture
def customer(api: TestClient) -> Callable[..., int]:
    """Factory: register a customer through the API, return its id."""
    count = iter(range(1, 1_000_000))

    def register(**fields: Any) -> int:
        body = {"email": f"c{next(count)}@example.com", "name": "Ada Lovelace", "country": "GB", **fields}
        response = api.post("/customers", json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    return register


@pytest.fixture
def product(api: TestClient) -> Callable[..., int]:
    """Factory: add a product through the API, return its id."""
    count = iter(range(1, 1_000_000))

    def add(**fields: Any) -> int:
        body = {
            "sku": f"SKU-{next(count):05d}",
            "name": "Teapot",
            "description": "holds tea",
            "category": "kitchen",
            "price": "19.90",
            "initial_stock": 10,
            **fields,
        }
        response = api.post("/products", json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    return add


@pytest.fixture
def on_hand(db: psycopg.Connection) -> Callable[[int], int]:
    """The stock level of a product, read straight from the database."""

    def level(product_id: int) -> int:
        row = db.execute("SELECT on_hand FROM inventory WHERE product_id = %s", (product_id,)).fetchone()
        assert row is not None, f"product {product_id} has no stock row"
        return int(row[0])

    return level
