"""Consistency tokens come from the WAL position after COMMIT and only move forward."""

from __future__ import annotations

import psycopg
import pytest

from services.write_api.domain.consistency import decode_token, lsn_from_text

pytestmark = pytest.mark.integration


def wal_position(db) -> int:
    return lsn_from_text(db.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0])


def test_token_is_past_the_wal_position_before_the_write(api, db):
    before = wal_position(db)
    response = api.post("/customers", json={"email": "t@example.com", "name": "T", "country": "DE"})
    token = decode_token(response.headers["X-Consistency-Token"])
    assert before < token <= wal_position(db)


def test_token_covers_the_commit_record_logical_decoding_reports(api, db):
    """What the read side will compare against: the commit LSN a logical decoder emits."""
    try:  # a temporary slot disappears with this session, whatever happens
        db.execute("SELECT pg_create_logical_replication_slot('write_api_token_test', 'test_decoding', true)")
    except (
        psycopg.errors.InsufficientPrivilege,
        psycopg.errors.UndefinedFile,
        psycopg.errors.ObjectNotInPrerequisiteState,
    ) as exc:
        pytest.skip(f"needs wal_level=logical, REPLICATION and test_decoding: {exc}")
    response = api.post("/customers", json={"email": "t@example.com", "name": "T", "country": "DE"})
    token = decode_token(response.json()["consistency_token"])
    commits = db.execute(
        "SELECT lsn::text FROM pg_logical_slot_peek_changes('write_api_token_test', NULL, NULL) "
        "WHERE data LIKE 'COMMIT%%'"
    ).fetchall()
    assert len(commits) == 1
    assert lsn_from_text(commits[0][0]) <= token


def test_tokens_of_successive_commands_increase(api, customer, product):
    cid, pid = customer(), product(initial_stock=100)
    tokens = []
    for _ in range(5):
        response = api.post("/orders", json={"customer_id": cid, "items": [{"product_id": pid, "quantity": 1}]})
        tokens.append(decode_token(response.json()["consistency_token"]))
        tokens.append(decode_token(api.post(f"/orders/{response.json()['id']}/pay").json()["consistency_token"]))
    assert tokens == sorted(tokens) and len(set(tokens)) == len(tokens)


def test_refusals_carry_no_token(api):
    response = api.post("/orders/1/pay")
    assert response.status_code == 404
    assert "X-Consistency-Token" not in response.headers
    assert "consistency_token" not in response.json()
