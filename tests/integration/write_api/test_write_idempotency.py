"""Idempotency-Key: a repeat gets the first answer and changes nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from services.write_api.adapters.idempotency import purge_idempotency_keys
from services.write_api.domain.consistency import decode_token

pytestmark = pytest.mark.integration


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def same_answer(first, again) -> None:
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers.get("X-Consistency-Token") == first.headers.get("X-Consistency-Token")


def test_retried_order_returns_the_first_answer_and_takes_stock_once(api, customer, product, snapshot, on_hand):
    pid = product(initial_stock=5)
    body = {"customer_id": customer(), "items": [{"product_id": pid, "quantity": 2}]}
    first = api.post("/orders", json=body, headers=keyed("order-1"))
    assert first.status_code == 201
    after_first = snapshot()
    again = api.post("/orders", json=body, headers=keyed("order-1"))
    same_answer(first, again)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert snapshot() == after_first
    assert on_hand(pid) == 3


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("post", "/customers", {"email": "new@example.com", "name": "N", "country": "NL"}),
        ("patch", "/customers/1", {"name": "Renamed"}),
        ("delete", "/customers/1", None),
        ("post", "/products", {"sku": "NEW-1", "name": "New", "category": "c", "price": "2.00"}),
        ("patch", "/products/1", {"price": "3.00"}),
        ("post", "/products/1/stock", {"delta": 4}),
        ("post", "/orders/1/pay", None),
        ("post", "/orders/1/cancel", None),
    ],
)
def test_every_command_replays(api, customer, product, snapshot, method, path, body):
    cid, pid = customer(), product()
    api.post("/orders", json={"customer_id": cid, "items": [{"product_id": pid, "quantity": 1}]})
    first = api.request(method, path, json=body, headers=keyed(f"k-{method}-{path}"))
    assert first.status_code in (200, 201), first.text
    after_first = snapshot()
    same_answer(first, api.request(method, path, json=body, headers=keyed(f"k-{method}-{path}")))
    assert snapshot() == after_first


def test_a_refusal_is_the_first_answer_too(api, customer, product, snapshot):
    pid, cid = product(initial_stock=1), customer()
    body = {"customer_id": cid, "items": [{"product_id": pid, "quantity": 2}]}
    first = api.post("/orders", json=body, headers=keyed("short"))
    assert first.status_code == 409
    api.post(f"/products/{pid}/stock", json={"delta": 10})
    before_retry = snapshot()
    again = api.post("/orders", json=body, headers=keyed("short"))
    same_answer(first, again)
    assert snapshot() == before_retry
    assert api.post("/orders", json=body, headers=keyed("short-2")).status_code == 201


def test_same_key_with_a_different_request_is_422(api, customer, product, snapshot):
    pid, cid = product(), customer()
    api.post("/orders", json={"customer_id": cid, "items": [{"product_id": pid, "quantity": 1}]}, headers=keyed("k1"))
    before = snapshot()
    other = api.post(
        "/orders", json={"customer_id": cid, "items": [{"product_id": pid, "quantity": 2}]}, headers=keyed("k1")
    )
    assert other.status_code == 422
    assert "already used for a different request" in other.json()["detail"]
    elsewhere = api.post(f"/products/{pid}/stock", json={"delta": 1}, headers=keyed("k1"))
    assert elsewhere.status_code == 422
    assert snapshot() == before


def test_equivalent_bodies_count_as_the_same_request(api, product):
    body = {"sku": "EQ-1", "name": "Eq", "category": "c", "price": "2.5"}
    first = api.post("/products", json=body, headers=keyed("eq"))
    same_answer(first, api.post("/products", json={**body, "price": "2.50"}, headers=keyed("eq")))


def test_concurrent_duplicates_create_one_order(api, customer, product, db):
    cid, pid = customer(), product(initial_stock=100)
    body = {"customer_id": cid, "items": [{"product_id": pid, "quantity": 1}]}
    for attempt in range(10):
        barrier = threading.Barrier(3)

        def send(_: int, key: str = f"dup-{attempt}"):
            barrier.wait()
            return api.post("/orders", json=body, headers=keyed(key))

        with ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(send, range(3)))
        assert {(a.status_code, a.json()["id"]) for a in answers} == {(201, attempt + 1)}
    assert db.execute("SELECT count(*) FROM orders").fetchone() == (10,)


def test_replay_before_the_token_was_attached_gets_a_later_token(api, customer, db):
    first = api.post("/customers", json={"email": "t@example.com", "name": "T", "country": "DE"}, headers=keyed("tok"))
    db.execute("UPDATE idempotency_keys SET consistency_token = NULL WHERE key = 'tok'")
    again = api.post("/customers", json={"email": "t@example.com", "name": "T", "country": "DE"}, headers=keyed("tok"))
    assert (again.status_code, again.json()["id"]) == (201, first.json()["id"])
    assert decode_token(again.json()["consistency_token"]) >= decode_token(first.json()["consistency_token"])


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "ünicode"])
def test_malformed_keys_are_422(api, snapshot, key):
    response = api.post(
        "/customers",
        json={"email": "k@example.com", "name": "K", "country": "DE"},
        headers={"Idempotency-Key": key.encode("utf-8")},
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert snapshot()["customers"] == []


def test_keys_past_their_retention_are_purged_and_a_retry_then_runs_again(api, db):
    side = api.app.state.write_side
    body = {"email": "kept@example.com", "name": "K", "country": "NL"}
    kept = api.post("/customers", json=body, headers=keyed("recent"))
    old = [
        api.post("/customers", json={**body, "email": f"old{i}@example.com"}, headers=keyed(f"old-{i}"))
        for i in range(5)
    ]
    db.execute("UPDATE idempotency_keys SET created_at = now() - interval '2 days' WHERE key LIKE 'old-%'")
    assert purge_idempotency_keys(side.pool, timedelta(days=1), batch=2) == 5  # three transactions
    assert side.purge_expired_keys() == 0
    assert [k for (k,) in db.execute("SELECT key FROM idempotency_keys")] == ["recent"]
    same_answer(kept, api.post("/customers", json=body, headers=keyed("recent")))
    again = api.post("/customers", json={**body, "email": "old0@example.com"}, headers=keyed("old-0"))
    assert again.status_code == 409 and "Idempotent-Replayed" not in again.headers  # ran again: email taken
    assert old[0].status_code == 201
