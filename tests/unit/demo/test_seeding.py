"""Seeding: customers, then products, then orders that use their real ids; what the live workload inherits."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from infra.demo.catalog import plan_shop
from infra.demo.clients import Answer, DemoError
from infra.demo.seeding import for_each, seed_shop, state_after_seed
from infra.demo.workload import Command


class FakeWrite:
    """Accepts every command with a fresh id (ids start far from positions, to catch mix-ups)."""

    def __init__(self, refuse=lambda command: None):
        self.sent: list[tuple[Command, int]] = []
        self._ids = itertools.count(1000)
        self._refuse = refuse

    async def send(self, command: Command) -> Answer:
        await asyncio.sleep(0)  # let the other workers interleave, as real requests do
        status = self._refuse(command)
        if status:
            self.sent.append((command, 0))
            return Answer(status, {"detail": "refused"}, 0.001)
        new_id = next(self._ids)
        self.sent.append((command, new_id))
        return Answer(201, {"id": new_id, "consistency_token": f"v1.{new_id:011d}"}, 0.001)


@pytest.fixture(scope="module")
def plan():
    return plan_shop(3, "t3st", customers=20, products=15, orders=120)


def seed(plan, write, ticks=None):
    return asyncio.run(seed_shop(write, plan, (ticks if ticks is not None else []).append, workers=4))


def test_customers_then_products_then_orders_with_their_moves(plan):
    write = FakeWrite()
    result = seed(plan, write)
    kinds = [c.kind for c, _ in write.sent]
    first_product, first_order = kinds.index("add_product"), kinds.index("place_order")
    assert set(kinds[:first_product]) == {"register_customer"}
    assert set(kinds[first_product:first_order]) == {"add_product"}
    assert len(write.sent) == result.commands == plan.command_count
    assert result.last_token is not None


def test_orders_use_the_ids_the_write_api_gave(plan):
    write = FakeWrite()
    result = seed(plan, write)
    ids = {c.body["email"]: i for c, i in write.sent if c.kind == "register_customer"}
    assert result.customer_ids == [ids[c.email] for c in plan.customers]
    skus = {c.body["sku"]: i for c, i in write.sent if c.kind == "add_product"}
    assert result.product_ids == [skus[p.sku] for p in plan.products]
    placed = [c.body for c, _ in write.sent if c.kind == "place_order"]
    expected = [
        {
            "customer_id": result.customer_ids[o.customer],
            "items": [{"product_id": result.product_ids[p], "quantity": q} for p, q in o.items],
        }
        for o in plan.orders
    ]
    assert sorted(map(repr, placed)) == sorted(map(repr, expected))


def test_every_order_ends_in_its_planned_status(plan):
    result = seed(plan, FakeWrite())
    expected = {"placed": 0, "paid": 0, "shipped": 0, "cancelled": 0}
    for order in plan.orders:
        status = {(): "placed", ("pay",): "paid", ("pay", "ship"): "shipped"}.get(order.moves, "cancelled")
        expected[status] += 1
    assert {k: v for k, v in expected.items() if v} == dict(result.orders_by_status)
    assert (len(result.placed), len(result.paid)) == (expected["placed"], expected["paid"])


def test_progress_ticks_once_per_command_by_phase(plan):
    ticks: list[str] = []
    seed(plan, FakeWrite(), ticks)
    assert ticks.count("customers") == 20 and ticks.count("products") == 15
    assert ticks.count("orders") == plan.command_count - 35


def test_a_refused_order_is_counted_not_fatal(plan):
    result = seed(plan, FakeWrite(refuse=lambda c: 409 if c.kind == "place_order" else None))
    assert dict(result.orders_by_status) == {"refused": 120}


def test_a_refused_registration_stops_the_demo_with_the_reason(plan):
    with pytest.raises(DemoError, match=r"registering .*\+t3st-.* was refused \(409"):
        seed(plan, FakeWrite(refuse=lambda c: 409 if c.kind == "register_customer" else None))


def test_the_live_workload_starts_from_what_was_seeded(plan):
    result = seed(plan, FakeWrite())
    state = state_after_seed(plan, result, "t3st")
    assert sorted(state.customers) == sorted(result.customer_ids)
    assert sorted(state.products) == sorted(result.product_ids)
    assert sorted(state.placed) == sorted(result.placed) and sorted(state.paid) == sorted(result.paid)
    assert state.next_customer_index == len(plan.customers)  # new registrations get fresh emails


def test_for_each_handles_every_item_once_whatever_the_number_of_workers():
    done: list[int] = []

    async def work(item: int) -> None:
        await asyncio.sleep(0)
        done.append(item)

    asyncio.run(for_each(range(5), work, workers=8))
    assert sorted(done) == [0, 1, 2, 3, 4]
