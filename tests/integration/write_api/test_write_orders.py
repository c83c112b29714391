"""Order commands through the HTTP API: place, pay, ship, cancel, with stock and prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytestmark = pytest.mark.integration


def place(api, customer_id, *items):
    return api.post(
        "/orders",
        json={"customer_id": customer_id, "items": [{"product_id": pid, "quantity": qty} for pid, qty in items]},
    )


def test_place_prices_lines_from_current_prices_and_takes_stock(api, customer, product, db, on_hand):
    teapot, cup = product(price="19.90", initial_stock=5), product(price="3.50", initial_stock=10)
    api.patch(f"/products/{cup}", json={"price": "4.00"})
    response = place(api, customer(), (teapot, 2), (cup, 3), (teapot, 1))
    assert response.status_code == 201
    oid = response.json()["id"]
    lines = db.execute(
        "SELECT line_no, product_id, quantity, unit_price FROM order_items WHERE order_id = %s ORDER BY line_no", (oid,)
    ).fetchall()
    assert lines == [(1, teapot, 2, Decimal("19.90")), (2, cup, 3, Decimal("4.00")), (3, teapot, 1, Decimal("19.90"))]
    assert db.execute("SELECT status FROM orders WHERE id = %s", (oid,)).fetchone() == ("placed",)
    assert (on_hand(teapot), on_hand(cup)) == (2, 7)


def test_unknown_customer_is_404(api, product, snapshot):
    pid = product()
    before = snapshot()
    response = place(api, 99, (pid, 1))
    assert response.status_code == 404
    assert response.json() == {"detail": "customer 99 does not exist"}
    assert snapshot() == before


def test_unknown_product_is_404_and_nothing_is_taken(api, customer, product, snapshot):
    pid, cid = product(), customer()
    before = snapshot()
    response = place(api, cid, (pid, 1), (404, 1))
    assert response.status_code == 404
    assert response.json() == {"detail": "product 404 does not exist"}
    assert snapshot() == before


def test_insufficient_stock_is_409_and_nothing_is_taken(api, customer, product, snapshot):
    plenty, scarce, cid = product(initial_stock=50), product(initial_stock=2), customer()
    before = snapshot()
    response = place(api, cid, (plenty, 1), (scarce, 2), (scarce, 1))
    assert response.status_code == 409
    assert response.json() == {"detail": f"product {scarce} has 2 in stock; 3 requested"}
    assert snapshot() == before


def test_discontinued_product_is_409(api, customer, product, snapshot):
    pid, cid = product(), customer()
    api.patch(f"/products/{pid}", json={"active": False})
    before = snapshot()
    response = place(api, cid, (pid, 1))
    assert response.status_code == 409
    assert "discontinued" in response.json()["detail"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"customer_id": 1, "items": []}, "items"),
        ({"customer_id": 1}, "items: field required"),
        ({"customer_id": 1, "items": [{"product_id": 1, "quantity": 0}]}, "items.0.quantity"),
        ({"customer_id": 1, "items": [{"product_id": 1}]}, "items.0.quantity: field required"),
        ({"customer_id": "1", "items": [{"product_id": 1, "quantity": 1}]}, "customer_id"),
    ],
)
def test_invalid_orders_are_422(api, customer, product, snapshot, body, reason):
    customer(), product()
    before = snapshot()
    response = api.post("/orders", json=body)
    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert snapshot() == before


def status_of(db, oid):
    return db.execute("SELECT status FROM orders WHERE id = %s", (oid,)).fetchone()[0]


def test_pay_then_ship(api, customer, product, db):
    oid = place(api, customer(), (product(), 1)).json()["id"]
    assert api.post(f"/orders/{oid}/pay").status_code == 200
    assert status_of(db, oid) == "paid"
    assert api.post(f"/orders/{oid}/ship").status_code == 200
    assert status_of(db, oid) == "shipped"


@pytest.mark.parametrize(
    "moves, refused, reason",
    [
        ([], "ship", "is placed; it cannot be shipped"),
        (["pay"], "pay", "is paid; it cannot be paid"),
        (["pay", "ship"], "cancel", "is shipped; it cannot be cancelled"),
        (["cancel"], "pay", "is cancelled; it cannot be paid"),
        (["cancel"], "cancel", "is cancelled; it cannot be cancelled"),
    ],
)
def test_illegal_transitions_are_409(api, customer, product, db, moves, refused, reason):
    oid = place(api, customer(), (product(), 1)).json()["id"]
    for move in moves:
        assert api.post(f"/orders/{oid}/{move}").status_code == 200
    before = status_of(db, oid)
    response = api.post(f"/orders/{oid}/{refused}")
    assert response.status_code == 409
    assert response.json() == {"detail": f"order {oid} {reason}"}
    assert status_of(db, oid) == before


@pytest.mark.parametrize("move", ["pay", "ship", "cancel"])
def test_moves_on_unknown_orders_are_404(api, move):
    response = api.post(f"/orders/12/{move}")
    assert response.status_code == 404
    assert response.json() == {"detail": "order 12 does not exist"}


@pytest.mark.parametrize("paid_first", [False, True])
def test_cancel_restocks(api, customer, product, db, paid_first, on_hand):
    a, b = product(initial_stock=5), product(initial_stock=5)
    oid = place(api, customer(), (a, 2), (b, 1), (a, 1)).json()["id"]
    if paid_first:
        api.post(f"/orders/{oid}/pay")
    assert (on_hand(a), on_hand(b)) == (2, 4)
    assert api.post(f"/orders/{oid}/cancel").status_code == 200
    assert (on_hand(a), on_hand(b)) == (5, 5)
    assert status_of(db, oid) == "cancelled"


def test_orders_of_an_erased_customer_can_still_move(api, customer, product, db):
    cid = customer()
    oid = place(api, cid, (product(), 1)).json()["id"]
    api.delete(f"/customers/{cid}")
    assert api.post(f"/orders/{oid}/cancel").status_code == 200
