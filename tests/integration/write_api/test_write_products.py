"""Product commands through the HTTP API: add, update, adjust stock, delete."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytestmark = pytest.mark.integration


def test_add_creates_product_and_stock_row(api, db, on_hand):
    response = api.post(
        "/products",
        json={
            "sku": "TEA-1",
            "name": "Teapot",
            "description": "holds tea",
            "category": "kitchen",
            "price": "19.90",
            "initial_stock": 7,
        },
    )
    assert response.status_code == 201
    pid = response.json()["id"]
    row = db.execute(
        "SELECT sku, name, description, category, price, active FROM products WHERE id = %s", (pid,)
    ).fetchone()
    assert row == ("TEA-1", "Teapot", "holds tea", "kitchen", Decimal("19.90"), True)
    assert on_hand(pid) == 7


def test_add_defaults_description_and_stock(api, on_hand):
    response = api.post("/products", json={"sku": "TEA-2", "name": "Cup", "category": "kitchen", "price": 3})
    assert response.status_code == 201
    assert on_hand(response.json()["id"]) == 0


def test_add_refuses_a_taken_sku(api, product, snapshot):
    product(sku="TEA-1")
    before = snapshot()
    response = api.post("/products", json={"sku": "TEA-1", "name": "Other", "category": "kitchen", "price": "1.00"})
    assert response.status_code == 409
    assert response.json() == {"detail": "a product with sku 'TEA-1' already exists"}
    assert snapshot() == before


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"price": "19.999"}, "price: must be a decimal amount with at most two decimals"),
        ({"price": -1}, "price: must not be negative"),
        ({"initial_stock": -1}, "initial_stock"),
        ({"sku": "has space"}, "sku"),
        ({"category": ""}, "category"),
    ],
)
def test_add_refuses_invalid_input(api, snapshot, change, reason):
    body = {"sku": "TEA-1", "name": "Teapot", "category": "kitchen", "price": "1.00", **change}
    response = api.post("/products", json=body)
    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert snapshot()["products"] == []


def test_update_changes_price_name_and_discontinues(api, product, db):
    pid = product(price="19.90")
    response = api.patch(f"/products/{pid}", json={"price": "24.50", "name": "Big teapot", "active": False})
    assert response.status_code == 200
    row = db.execute("SELECT price, name, active, category FROM products WHERE id = %s", (pid,)).fetchone()
    assert row == (Decimal("24.50"), "Big teapot", False, "kitchen")


def test_update_unknown_product_is_404(api):
    response = api.patch("/products/5", json={"price": "1.00"})
    assert response.status_code == 404
    assert response.json() == {"detail": "product 5 does not exist"}


@pytest.mark.parametrize(
    "body, reason",
    [
        ({}, "nothing to update"),
        ({"sku": "NEW"}, "unknown field 'sku'"),
        ({"active": "no"}, "active"),
        ({"price": None}, "price cannot be null"),
        ({"price": "1e3"}, "price"),
    ],
)
def test_update_refuses_invalid_input(api, product, snapshot, body, reason):
    pid = product()
    before = snapshot()
    response = api.patch(f"/products/{pid}", json=body)
    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert snapshot() == before


def test_adjust_stock_up_and_down_to_zero(api, product, db, on_hand):
    pid = product(initial_stock=3)
    assert api.post(f"/products/{pid}/stock", json={"delta": 5}).status_code == 200
    assert on_hand(pid) == 8
    assert api.post(f"/products/{pid}/stock", json={"delta": -8}).status_code == 200
    assert on_hand(pid) == 0


def test_adjust_stock_below_zero_is_409(api, product, db, on_hand):
    pid = product(initial_stock=3)
    response = api.post(f"/products/{pid}/stock", json={"delta": -4})
    assert response.status_code == 409
    assert "would take it below 0" in response.json()["detail"]
    assert on_hand(pid) == 3


def test_adjust_stock_of_unknown_product_is_404(api):
    response = api.post("/products/77/stock", json={"delta": 1})
    assert response.status_code == 404


def test_delete_a_never_ordered_product(api, product, db):
    pid = product()
    response = api.delete(f"/products/{pid}")
    assert response.status_code == 200 and response.json()["id"] == pid
    assert db.execute("SELECT count(*) FROM products").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM inventory").fetchone() == (0,)


def test_delete_an_ordered_product_is_409(api, customer, product, snapshot):
    pid = product()
    api.post("/orders", json={"customer_id": customer(), "items": [{"product_id": pid, "quantity": 1}]})
    before = snapshot()
    response = api.delete(f"/products/{pid}")
    assert response.status_code == 409
    assert "discontinue it instead" in response.json()["detail"]
    assert snapshot() == before


def test_delete_unknown_product_is_404(api):
    assert api.delete("/products/3").status_code == 404
