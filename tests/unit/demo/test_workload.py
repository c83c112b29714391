"""The live command mix: kinds in proportion, legal order moves only, claims, and what each answer changes."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from infra.demo.workload import MIX, Command, ProductInfo, ShopState
from services.write_api.entrypoints import schemas

BODIES = {
    "place_order": schemas.PlaceOrderBody,
    "register_customer": schemas.RegisterCustomerBody,
    "rename_customer": schemas.UpdateCustomerBody,
    "reprice_product": schemas.UpdateProductBody,
    "rename_product": schemas.UpdateProductBody,
    "adjust_stock": schemas.AdjustStockBody,
}


def shop(orders: int = 0) -> ShopState:
    state = ShopState("t3st", next_customer_index=50)
    state.customers = {i: f"Ada Lovelace{i}" for i in range(1, 51)}
    state.products = {i: ProductInfo("kitchen", 1990) for i in range(101, 141)}
    state.placed = list(range(1000, 1000 + orders))
    state.paid = list(range(5000, 5000 + orders))
    return state


def test_every_kind_occurs_in_about_its_share_of_the_mix():
    state, rng = shop(orders=100_000), random.Random(1)
    kinds = Counter(state.next_command(rng).kind for _ in range(20_000))
    assert set(kinds) == set(MIX)
    total = sum(MIX.values())
    for kind, weight in MIX.items():
        if kind != "erase_customer":  # erasing is limited to keep customers; its share shrinks
            assert abs(kinds[kind] / 20_000 - weight / total) < 0.02, kind


def test_every_command_has_a_body_the_write_api_accepts():
    state, rng = shop(orders=50), random.Random(2)
    for _ in range(2000):
        command = state.next_command(rng)
        if command.kind in BODIES:
            BODIES[command.kind].model_validate(command.body)
        else:
            assert command.body is None and command.method in ("POST", "DELETE")


def test_with_no_orders_to_move_it_places_orders_instead():
    state, rng = shop(orders=0), random.Random(3)
    kinds = {state.next_command(rng).kind for _ in range(2000)}
    assert not kinds & {"pay_order", "ship_order", "cancel_order"}
    assert "place_order" in kinds


def test_only_legal_moves_placed_to_paid_to_shipped_or_cancelled():
    state, rng = shop(), random.Random(4)
    state.placed, state.paid = [1], [2]
    paths = set()
    for _ in range(500):
        command = state.next_command(rng)
        if command.kind.endswith("_order") and command.kind != "place_order":
            paths.add(command.path)
            state.record(command, 409)  # gone: nothing left to move
    assert paths <= {"/orders/1/pay", "/orders/1/cancel", "/orders/2/ship", "/orders/2/cancel"}


def test_a_picked_order_is_claimed_so_no_other_worker_moves_it_at_the_same_time():
    state, rng = shop(), random.Random(5)
    state.placed = [7]
    while (command := state.next_command(rng)).kind not in ("pay_order", "cancel_order"):
        pass
    assert state.placed == [] and command.subject == 7


def test_answers_move_orders_through_their_life():
    state = shop()
    state.record(Command("place_order", "POST", "/orders", {}), 201, new_id=9)
    assert state.placed == [9]
    state.placed.remove(9)  # what picking it does
    state.record(Command("pay_order", "POST", "/orders/9/pay", subject=9), 200)
    assert state.paid == [9]
    state.paid.remove(9)
    state.record(Command("ship_order", "POST", "/orders/9/ship", subject=9), 200)
    assert state.placed == state.paid == []


def test_a_refused_command_changes_nothing():
    state = shop()
    before = (dict(state.customers), {k: v.price_cents for k, v in state.products.items()})
    state.record(Command("place_order", "POST", "/orders", {}), 409)
    state.record(Command("reprice_product", "PATCH", "/products/101", {"price": "5.00"}, subject=101), 404)
    assert (state.customers, {k: v.price_cents for k, v in state.products.items()}) == before
    assert state.placed == []


def test_reprices_and_registrations_are_remembered():
    state = shop()
    state.record(Command("reprice_product", "PATCH", "/products/101", {"price": "24.50"}, subject=101), 200)
    state.record(Command("register_customer", "POST", "/customers", {"name": "Grace Hopper"}), 201, new_id=77)
    assert state.products[101].price_cents == 2450 and state.customers[77] == "Grace Hopper"


def test_a_customer_renamed_while_being_erased_stays_erased():
    state, rng = shop(), random.Random(6)
    while (erase := state.next_command(rng)).kind != "erase_customer":
        pass
    assert erase.subject not in state.customers
    rename = Command(
        "rename_customer", "PATCH", f"/customers/{erase.subject}", {"name": "Late Rename"}, subject=erase.subject
    )
    state.record(rename, 200)
    assert erase.subject not in state.customers


def test_erasing_always_leaves_someone_to_place_orders():
    state, rng = shop(), random.Random(7)
    for _ in range(5000):
        command = state.next_command(rng)
        state.record(command, 200 if command.kind != "register_customer" else 409)
    assert len(state.customers) >= 1


def test_registered_customers_get_fresh_emails():
    state, rng = shop(), random.Random(8)
    emails = [c.body["email"] for c in (state.next_command(rng) for _ in range(3000)) if c.kind == "register_customer"]
    assert emails and len(set(emails)) == len(emails)
    assert all("+t3st-" in email for email in emails)


@pytest.mark.parametrize("seed", range(5))
def test_reprices_stay_positive_and_near_the_old_price(seed):
    state, rng = shop(), random.Random(seed)
    for _ in range(300):
        command = state.next_command(rng)
        if command.kind == "reprice_product":
            cents = int(command.body["price"].replace(".", ""))
            assert 100 <= cents and abs(cents - 1990) <= 0.15 * 1990 + 1
