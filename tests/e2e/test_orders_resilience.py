"""The orders and customers read models stay exact through a SIGKILLed worker and a randomized workload."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.pipeline import assert_verified, kill_worker_during
from tests.support.workload import run_workload

pytestmark = pytest.mark.e2e


def _burst_of_orders(shop, customers: list[int], products: list[int], orders: int, seed: int) -> None:
    """Orders from 4 clients at once; some are paid, some cancelled, so every figure moves."""

    def client(i: int) -> None:
        rng = random.Random(seed + i)
        for _ in range(orders // 4):
            items = [{"product_id": p, "quantity": rng.randint(1, 3)} for p in rng.sample(products, 2)]
            placed = shop.write.post("/orders", json={"customer_id": rng.choice(customers), "items": items})
            assert placed.status_code in (201, 409), placed.text  # 409: stock ran out
            if placed.status_code == 201 and rng.random() < 0.3:
                move = rng.choice(["pay", "cancel"])
                shop.write.post(f"/orders/{placed.json()['id']}/{move}")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(client, range(4)))


def test_a_worker_killed_during_a_burst_of_orders_restarts_and_verify_shows_no_difference(stack, shop):
    customers = [shop.add_customer()["id"] for _ in range(5)]
    products = [shop.add_product(initial_stock=1000)["id"] for _ in range(4)]
    kill_worker_during(stack, lambda: _burst_of_orders(shop, customers, products, 240, 31), after_events=150)
    assert_verified()


def test_a_randomized_workload_across_all_commands_leaves_no_difference(shop):
    outcomes = run_workload(shop, clients=4, steps=60, seed=4242)
    done = {key.split()[0] for key, n in outcomes.items() if key.split()[1].startswith("2")}
    assert {"place_order", "add_customer", "rename_customer"} <= done, outcomes
    assert_verified()
