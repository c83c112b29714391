"""Concurrent commands on the same rows stay correct: real threads against real PostgreSQL.

Each race lines its requests up on a barrier so they reach the database together; rounds
repeat the race because a single lucky interleaving proves little.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

pytestmark = pytest.mark.integration
ROUNDS = 20
DISPATCHER_LOGGER = "services.write_api.service_layer.dispatcher"


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at the same moment on separate threads; return their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def order_call(api, customer_id: int, *items: tuple[int, int]) -> Callable[[], Any]:
    body = {"customer_id": customer_id, "items": [{"product_id": p, "quantity": q} for p, q in items]}
    return lambda: api.post("/orders", json=body)


@pytest.fixture
def no_retries(caplog):
    """Fails the test if the dispatcher had to retry a deadlock or serialization failure."""
    caplog.set_level(logging.WARNING, logger=DISPATCHER_LOGGER)
    yield
    retried = [r.getMessage() for r in caplog.get_records("call") if r.name == DISPATCHER_LOGGER]
    assert retried == [], "lock ordering let the database abort transactions"


def test_two_orders_for_the_last_unit_exactly_one_wins(api, customer, product, db, on_hand, no_retries):
    ada, grace = customer(), customer()
    for _ in range(ROUNDS):
        pid = product(initial_stock=1)
        answers = race(order_call(api, ada, (pid, 1)), order_call(api, grace, (pid, 1)))
        assert sorted(a.status_code for a in answers) == [201, 409]
        assert on_hand(pid) == 0
        sold = db.execute("SELECT count(*), sum(quantity) FROM order_items WHERE product_id = %s", (pid,)).fetchone()
        assert sold == (1, 1)


def test_many_buyers_for_a_few_units(api, customer, product, on_hand, db, no_retries):
    buyers = [customer() for _ in range(8)]
    for _ in range(5):
        pid = product(initial_stock=3)
        answers = race(*(order_call(api, b, (pid, 1)) for b in buyers))
        assert sorted(a.status_code for a in answers) == [201] * 3 + [409] * 5
        assert on_hand(pid) == 0
        assert db.execute("SELECT count(*) FROM order_items WHERE product_id = %s", (pid,)).fetchone() == (3,)


def test_baskets_naming_products_in_opposite_orders_do_not_deadlock(api, customer, product, on_hand, no_retries):
    cid = customer()
    a, b, c = (product(initial_stock=1000) for _ in range(3))
    for _ in range(ROUNDS):
        answers = race(
            order_call(api, cid, (a, 1), (b, 1), (c, 1)),
            order_call(api, cid, (c, 1), (b, 1), (a, 1)),
            order_call(api, cid, (b, 1), (a, 1)),
        )
        assert [r.status_code for r in answers] == [201, 201, 201]
    assert (on_hand(a), on_hand(b), on_hand(c)) == (1000 - 3 * ROUNDS, 1000 - 3 * ROUNDS, 1000 - 2 * ROUNDS)


def test_orders_never_see_a_price_older_than_one_they_already_saw(api, customer, product, db, no_retries):
    """A price writer raises the price step by step while two buyers order in a loop. Each
    buyer's unit prices must be prices that were set, in non-decreasing order: a line is
    priced from one committed state, never from a stale or torn one."""
    pid, steps = product(price="1.00", initial_stock=10_000), 40
    prices = [Decimal("1.00") + Decimal("0.01") * i for i in range(steps + 1)]

    def writer() -> list[int]:
        return [api.patch(f"/products/{pid}", json={"price": str(p)}).status_code for p in prices[1:]]

    def buyer(cid: int) -> Callable[[], list[Decimal]]:
        def buy() -> list[Decimal]:
            seen = []
            for _ in range(steps):
                response = order_call(api, cid, (pid, 1))()
                assert response.status_code == 201, response.text
                seen.append(db_price(response.json()["id"]))
            return seen

        return buy

    def db_price(order_id: int) -> Decimal:
        with db.cursor() as cur:  # one shared connection: the cursor call is serialised
            with lock:
                row = cur.execute("SELECT unit_price FROM order_items WHERE order_id = %s", (order_id,)).fetchone()
        return row[0]

    lock = threading.Lock()
    written, *seen_by_buyers = race(writer, buyer(customer()), buyer(customer()))
    assert written == [200] * steps
    for seen in seen_by_buyers:
        assert set(seen) <= set(prices)
        assert seen == sorted(seen)
    after = order_call(api, customer(), (pid, 1))()
    assert db_price(after.json()["id"]) == prices[-1]


def test_delete_and_order_racing_for_one_product(api, customer, product, db, no_retries):
    cid = customer()
    for _ in range(ROUNDS):
        pid = product(initial_stock=5)
        ordered, deleted = race(order_call(api, cid, (pid, 1)), lambda p=pid: api.delete(f"/products/{p}"))
        exists = db.execute("SELECT count(*) FROM products WHERE id = %s", (pid,)).fetchone()[0]
        if ordered.status_code == 201:
            assert deleted.status_code == 409 and exists == 1
        else:
            assert (ordered.status_code, deleted.status_code, exists) == (404, 200, 0)


def test_erasure_and_order_racing_for_one_customer(api, customer, product, db, no_retries):
    pid = product(initial_stock=1000)
    for _ in range(ROUNDS):
        cid = customer()
        ordered, erased = race(order_call(api, cid, (pid, 1)), lambda c=cid: api.delete(f"/customers/{c}"))
        assert erased.status_code == 200
        assert ordered.status_code in (201, 404)
        still_named = db.execute("SELECT count(*) FROM orders WHERE customer_id = %s", (cid,)).fetchone()[0]
        assert still_named == 0


def test_mixed_load_keeps_stock_equal_to_its_history(api, customer, product, db, on_hand, no_retries):
    """Orders, cancellations, stock adjustments and price changes from 8 threads at once;
    afterwards every product's stock equals initial + adjustments - units in live orders."""
    products = [product(initial_stock=30) for _ in range(3)]
    buyers = [customer() for _ in range(4)]
    adjustments: list[tuple[int, int]] = []
    record = threading.Lock()

    def worker(seed: int) -> Callable[[], None]:
        def work() -> None:
            rng = random.Random(seed)
            placed: list[int] = []
            for _ in range(15):
                roll, pid = rng.random(), rng.choice(products)
                if roll < 0.5:
                    items = [(p, rng.randint(1, 3)) for p in rng.sample(products, 2)]
                    r = order_call(api, rng.choice(buyers), *items)()
                    assert r.status_code in (201, 409), r.text
                    if r.status_code == 201:
                        placed.append(r.json()["id"])
                elif roll < 0.7 and placed:
                    assert api.post(f"/orders/{placed.pop()}/cancel").status_code == 200
                elif roll < 0.85:
                    delta = rng.randint(-4, 6)
                    r = api.post(f"/products/{pid}/stock", json={"delta": delta})
                    assert r.status_code in (200, 409), r.text
                    if r.status_code == 200:
                        with record:
                            adjustments.append((pid, delta))
                else:
                    r = api.patch(f"/products/{pid}", json={"price": f"{rng.randint(1, 99)}.50"})
                    assert r.status_code == 200, r.text

        return work

    race(*(worker(seed) for seed in range(8)))
    live = dict(
        db.execute(
            "SELECT i.product_id, sum(i.quantity) FROM order_items i JOIN orders o "
            "ON o.id = i.order_id WHERE o.status <> 'cancelled' GROUP BY i.product_id"
        ).fetchall()
    )
    for pid in products:
        adjusted = sum(d for p, d in adjustments if p == pid)
        assert on_hand(pid) == 30 + adjusted - live.get(pid, 0)
        assert on_hand(pid) >= 0
