"""The write API as `readside up` runs it: token from the data folder, commands over HTTP, token header."""

from __future__ import annotations

import uuid

import httpx
import psycopg
import pytest

from infra.secrets import write_token
from services.write_api.domain.consistency import decode_token

pytestmark = pytest.mark.e2e


@pytest.fixture
def write_api(stack):
    url = f"http://{stack.settings.host}:{stack.settings.write_api_port}"
    headers = {"Authorization": f"Bearer {write_token(stack.settings)}"}
    with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
        yield client


def test_the_running_write_api_reports_a_reachable_database(write_api):
    assert write_api.get("/health").json() == {"status": "ok", "database": "reachable"}


def test_a_command_commits_and_answers_only_an_id_and_a_consistency_token(stack, write_api):
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
    response = write_api.post("/customers", json={"email": email, "name": "Ada E2E", "country": "GB"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "consistency_token"}
    assert response.headers["X-Consistency-Token"] == body["consistency_token"]
    with psycopg.connect(stack.postgres_dsn) as conn:
        lsn_after = conn.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()[0]
        row = conn.execute("SELECT email FROM customers WHERE id = %s", (body["id"],)).fetchone()
    assert row == (email,)
    assert 0 < decode_token(body["consistency_token"]) <= lsn_after


def test_a_request_without_the_token_is_refused(stack, write_api):
    response = httpx.post(
        f"{write_api.base_url}/customers", json={"email": "x@example.com", "name": "X", "country": "GB"}
    )
    assert response.status_code == 401
