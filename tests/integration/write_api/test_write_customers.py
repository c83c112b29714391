"""Customer commands through the HTTP API against PostgreSQL: register, update, erase."""

from __future__ import annotations

import pytest

from services.write_api.domain.consistency import decode_token

pytestmark = pytest.mark.integration


def test_register_answers_id_and_token_in_body_and_header(api, db):
    response = api.post("/customers", json={"email": "ada@example.com", "name": "Ada", "country": "GB"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "consistency_token"}
    assert response.headers["X-Consistency-Token"] == body["consistency_token"]
    decode_token(body["consistency_token"])
    row = db.execute("SELECT email, name, country FROM customers WHERE id = %s", (body["id"],)).fetchone()
    assert row == ("ada@example.com", "Ada", "GB")


def test_register_refuses_a_taken_email_ignoring_case(api, customer, snapshot):
    customer(email="ada@example.com")
    before = snapshot()
    response = api.post("/customers", json={"email": "ADA@example.com", "name": "Other", "country": "FR"})
    assert response.status_code == 409
    assert response.json() == {"detail": "a customer with this email is already registered"}
    assert snapshot() == before


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"email": "not-an-email", "name": "Ada", "country": "GB"}, "email"),
        ({"email": "ada@example.com", "name": "Ada", "country": "gb"}, "country"),
        ({"email": "ada@example.com", "name": "Ada", "country": "GBR"}, "country"),
        ({"email": "ada@example.com", "name": "", "country": "GB"}, "name"),
        ({"email": "ada@example.com", "country": "GB"}, "name: field required"),
    ],
)
def test_register_refuses_invalid_input(api, snapshot, body, reason):
    response = api.post("/customers", json=body)
    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert snapshot()["customers"] == []


def test_update_changes_only_the_given_fields(api, customer, db):
    cid = customer(email="ada@example.com", name="Ada", country="GB")
    response = api.patch(f"/customers/{cid}", json={"name": "Ada King"})
    assert response.status_code == 200 and response.json()["id"] == cid
    row = db.execute(
        "SELECT email, name, country, updated_at > created_at FROM customers WHERE id = %s", (cid,)
    ).fetchone()
    assert row == ("ada@example.com", "Ada King", "GB", True)


def test_update_unknown_customer_is_404(api):
    response = api.patch("/customers/999", json={"name": "Nobody"})
    assert response.status_code == 404
    assert response.json() == {"detail": "customer 999 does not exist"}


def test_update_to_a_taken_email_is_409(api, customer, snapshot):
    customer(email="ada@example.com")
    grace = customer(email="grace@example.com")
    before = snapshot()
    response = api.patch(f"/customers/{grace}", json={"email": "Ada@Example.com"})
    assert response.status_code == 409
    assert snapshot() == before


@pytest.mark.parametrize(
    "body, reason",
    [
        ({}, "nothing to update"),
        ({"name": None}, "name cannot be null"),
        ({"country": "Germany"}, "country"),
        ({"nickname": "x"}, "unknown field 'nickname'"),
    ],
)
def test_update_refuses_invalid_input(api, customer, snapshot, body, reason):
    cid = customer()
    before = snapshot()
    response = api.patch(f"/customers/{cid}", json=body)
    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert snapshot() == before


def test_erase_deletes_the_customer_and_anonymises_their_orders(api, customer, product, db):
    ada, grace = customer(email="ada@example.com"), customer(email="grace@example.com")
    pid = product()
    ada_order = api.post("/orders", json={"customer_id": ada, "items": [{"product_id": pid, "quantity": 1}]})
    grace_order = api.post("/orders", json={"customer_id": grace, "items": [{"product_id": pid, "quantity": 1}]})
    response = api.delete(f"/customers/{ada}")
    assert response.status_code == 200 and response.json()["id"] == ada
    assert db.execute("SELECT count(*) FROM customers WHERE id = %s", (ada,)).fetchone() == (0,)
    orders = dict(db.execute("SELECT id, customer_id FROM orders").fetchall())
    assert orders == {ada_order.json()["id"]: None, grace_order.json()["id"]: grace}
    moved = db.execute("SELECT updated_at > placed_at FROM orders WHERE id = %s", (ada_order.json()["id"],)).fetchone()
    assert moved == (True,)


def test_erase_unknown_customer_is_404(api):
    response = api.delete("/customers/42")
    assert response.status_code == 404
    assert response.json() == {"detail": "customer 42 does not exist"}


def test_erased_email_can_register_again(api, customer):
    cid = customer(email="ada@example.com")
    assert api.delete(f"/customers/{cid}").status_code == 200
    assert customer(email="ada@example.com") != cid


def test_erasure_leaves_no_personal_data_in_idempotency_answers(api, customer, db):
    customer(email="ada@example.com", name="Ada Lovelace")
    api.post(
        "/customers",
        json={"email": "ada@example.com", "name": "Ada Lovelace", "country": "GB"},
        headers={"Idempotency-Key": "dup-1"},
    )
    stored = db.execute("SELECT fingerprint, response_body::text FROM idempotency_keys").fetchall()
    assert stored and all("ada" not in str(row).lower() for row in stored)
