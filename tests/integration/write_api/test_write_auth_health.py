"""Bearer-token auth on every command, /health, /docs, and start-up against a missing database."""

from __future__ import annotations

import logging
import time

import psycopg
import pytest
from fastapi.testclient import TestClient

from services.write_api.adapters.migrations import migrate
from services.write_api.domain.consistency import decode_token
from services.write_api.entrypoints.app import create_app
from services.write_api.settings import WriteApiSettings

pytestmark = pytest.mark.integration

COMMANDS = [
    ("post", "/customers", {"email": "a@example.com", "name": "A", "country": "DE"}),
    ("patch", "/customers/1", {"name": "B"}),
    ("delete", "/customers/1", None),
    ("post", "/products", {"sku": "S", "name": "P", "category": "c", "price": "1.00"}),
    ("patch", "/products/1", {"price": "2.00"}),
    ("post", "/products/1/stock", {"delta": 1}),
    ("delete", "/products/1", None),
    ("post", "/orders", {"customer_id": 1, "items": [{"product_id": 1, "quantity": 1}]}),
    ("post", "/orders/1/pay", None),
    ("post", "/orders/1/ship", None),
    ("post", "/orders/1/cancel", None),
]


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token-wrong-token", "Basic dXNlcjpwYXNz", "Bearer", "bearer "]
)
@pytest.mark.parametrize("method, path, body", COMMANDS)
def test_commands_without_the_right_token_are_401(api, snapshot, method, path, body, authorization):
    before = snapshot()
    headers = {"Authorization": authorization or ""}
    response = api.request(method, path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "bearer token" in response.json()["detail"]
    assert snapshot() == before


def test_malformed_body_without_token_is_still_401(api):
    response = api.post(
        "/customers", content=b"{not json", headers={"Authorization": "", "Content-Type": "application/json"}
    )
    assert response.status_code == 401


def test_health_needs_no_token(api):
    response = api.get("/health", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "reachable"}


def test_openapi_and_docs_are_served(api):
    assert api.get("/docs", headers={"Authorization": ""}).status_code == 200
    schema = api.get("/openapi.json", headers={"Authorization": ""}).json()
    assert {"/customers", "/orders", "/products/{product_id}/stock"} <= set(schema["paths"])


def test_unreachable_database_gives_503_then_recovers_never_500(create_database, db, caplog):
    dsn = create_database("readside_write_gone")
    migrate(dsn)
    settings = WriteApiSettings(
        database_url=dsn,
        write_token="t0123456789abcdef",
        write_api_pool_min_size=1,
        write_api_pool_max_size=2,
        write_api_pool_timeout_s=1,
        write_api_health_timeout_s=1,
    )
    name = psycopg.conninfo.conninfo_to_dict(dsn)["dbname"]
    auth = {"Authorization": "Bearer t0123456789abcdef"}
    with TestClient(create_app(settings), headers=auth) as client:
        assert client.get("/health").status_code == 200
        with psycopg.connect(psycopg.conninfo.make_conninfo(dsn, dbname="postgres"), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            health = client.get("/health")
            assert health.status_code == 503
            assert health.json() == {"status": "unavailable", "database": "unreachable"}
            command = client.post("/customers", json={"email": "a@example.com", "name": "A", "country": "DE"})
            assert command.status_code == 503
            assert command.json() == {"detail": "the database is unavailable; retry shortly"}
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        # The pool reconnects in the background with backoff; poll with a deadline.
        deadline = time.monotonic() + 20
        while client.get("/health").status_code != 200:
            assert time.monotonic() < deadline, "the pool never reconnected"
        recovered = client.post("/customers", json={"email": "a@example.com", "name": "A", "country": "DE"})
        assert recovered.status_code == 201
        decode_token(recovered.json()["consistency_token"])


def test_start_up_gives_up_on_a_database_that_never_answers():
    settings = WriteApiSettings(
        database_url="postgresql://nobody@127.0.0.1:1/none", write_token="t0123456789abcdef", write_api_db_wait_s=0.5
    )
    with pytest.raises(psycopg.OperationalError):
        with TestClient(create_app(settings)):
            pass


def test_an_unexpected_database_error_is_a_json_500_and_is_logged(api, db, snapshot, caplog):
    db.execute(
        "CREATE FUNCTION fail_on_purpose() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'boom from a test trigger'; END $$"
    )
    db.execute(
        "CREATE TRIGGER fail_on_purpose BEFORE INSERT ON customers FOR EACH ROW EXECUTE FUNCTION fail_on_purpose()"
    )
    try:
        with caplog.at_level(logging.ERROR):
            response = api.post("/customers", json={"email": "a@example.com", "name": "A", "country": "DE"})
    finally:
        db.execute("DROP TRIGGER fail_on_purpose ON customers")
        db.execute("DROP FUNCTION fail_on_purpose()")
    assert response.status_code == 500
    assert response.json() == {"detail": "unexpected database error; the write API log has details"}
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert logged and "boom from a test trigger" in repr(logged[0].exc_info[1].__cause__)
    assert snapshot()["customers"] == []
