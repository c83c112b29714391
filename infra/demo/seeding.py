"""Seed the planned shop through the write API, concurrently, and hand the live workload what now exists."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from infra.demo.catalog import OrderPlan, ShopPlan, to_cents
from infra.demo.clients import Answer, DemoError, WriteApi
from infra.demo.workload import Command, ProductInfo, ShopState

T = TypeVar("T")
_FINAL_STATUS = {(): "placed", ("pay",): "paid", ("pay", "ship"): "shipped"}


@dataclass
class SeedResult:
    customer_ids: list[int | None]
    product_ids: list[int | None]
    orders_by_status: Counter = field(default_factory=Counter)  # placed/paid/shipped/cancelled/refused
    placed: list[int] = field(default_factory=list)
    paid: list[int] = field(default_factory=list)
    commands: int = 0
    last_token: str | None = None
    seconds: float = 0.0


async def for_each(items: Iterable[T], work: Callable[[T], Awaitable[None]], workers: int) -> None:
    """Run `work` on every item with `workers` tasks sharing one iterator (no task per item)."""
    pending = iter(items)

    async def worker() -> None:
        for item in pending:  # next() never awaits, so the tasks never take the same item
            await work(item)

    try:
        async with asyncio.TaskGroup() as group:  # one failure cancels the other workers
            for _ in range(workers):
                group.create_task(worker())
    except* DemoError as failed:
        raise failed.exceptions[0] from None


async def seed_shop(write: WriteApi, plan: ShopPlan, tick: Callable[[str], None], workers: int = 8) -> SeedResult:
    """Customers, then products, then orders with their pay/ship/cancel moves; `tick(phase)` per command."""
    began = time.monotonic()
    result = SeedResult([None] * len(plan.customers), [None] * len(plan.products))

    async def send(command: Command, phase: str) -> Answer:
        answer = await write.send(command)
        result.commands += 1
        result.last_token = answer.token or result.last_token
        tick(phase)
        return answer

    async def add_customer(position: int) -> None:
        spec = plan.customers[position]
        answer = await send(Command("register_customer", "POST", "/customers", spec.body()), "customers")
        if not answer.ok:
            raise DemoError(f"registering {spec.email} was refused ({answer.status}: {answer.detail})")
        result.customer_ids[position] = answer.new_id

    async def add_product(position: int) -> None:
        spec = plan.products[position]
        answer = await send(Command("add_product", "POST", "/products", spec.body()), "products")
        if not answer.ok:
            raise DemoError(f"adding product {spec.sku} was refused ({answer.status}: {answer.detail})")
        result.product_ids[position] = answer.new_id

    async def place(order: OrderPlan) -> None:
        body = {
            "customer_id": result.customer_ids[order.customer],
            "items": [{"product_id": result.product_ids[p], "quantity": q} for p, q in order.items],
        }
        answer = await send(Command("place_order", "POST", "/orders", body), "orders")
        if not answer.ok:
            result.orders_by_status["refused"] += 1
            return
        for move in order.moves:
            moved = await send(Command(f"{move}_order", "POST", f"/orders/{answer.new_id}/{move}"), "orders")
            if not moved.ok:
                result.orders_by_status["refused"] += 1
                return
        status = _FINAL_STATUS.get(order.moves, "cancelled")
        result.orders_by_status[status] += 1
        if status in ("placed", "paid"):
            assert answer.new_id is not None  # the answer to a placed order carries its id
            (result.placed if status == "placed" else result.paid).append(answer.new_id)

    await for_each(range(len(plan.customers)), add_customer, workers)
    await for_each(range(len(plan.products)), add_product, workers)
    await for_each(plan.orders, place, workers)
    result.seconds = time.monotonic() - began
    return result


def state_after_seed(plan: ShopPlan, seeded: SeedResult, tag: str) -> ShopState:
    """What the live workload starts from: every seeded customer and product, the orders it may move."""
    state = ShopState(tag, next_customer_index=len(plan.customers))
    state.customers = {cid: spec.name for cid, spec in zip(seeded.customer_ids, plan.customers, strict=False) if cid}
    state.products = {
        pid: ProductInfo(spec.category, to_cents(spec.price))
        for pid, spec in zip(seeded.product_ids, plan.products, strict=False)
        if pid
    }
    state.placed, state.paid = sorted(seeded.placed), sorted(seeded.paid)
    return state
