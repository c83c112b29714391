"""The live workload's command mix: what the shop knows, which command comes next, what an answer changes (pure)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra.demo.catalog import family_name, format_cents, new_customer, product_name, to_cents

# Relative frequency of each command kind; a kind with nothing to act on falls back to place_order.
MIX: dict[str, int] = {
    "place_order": 30,
    "pay_order": 14,
    "ship_order": 10,
    "cancel_order": 5,
    "reprice_product": 8,
    "rename_product": 4,
    "adjust_stock": 10,
    "rename_customer": 5,
    "register_customer": 6,
    "erase_customer": 1,
}
# Refusals a correct write side gives a concurrent random workload: stock ran out, an order or
# customer someone else just changed or erased. Counted, never fatal.
EXPECTED_REFUSALS = frozenset({404, 409})


@dataclass(frozen=True)
class Command:
    kind: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    subject: int | None = None  # the id this command claimed from the state, if any

    def claimed(self) -> int:
        """The id claimed by a command that acts on a known row (all but place_order and register_customer)."""
        assert self.subject is not None, self.kind
        return self.subject

    def sent(self, name: str) -> Any:
        """A field of the body a command with a body sends."""
        assert self.body is not None, self.kind
        return self.body[name]


@dataclass
class ProductInfo:
    category: str
    price_cents: int


@dataclass
class ShopState:
    """What the workload knows of the shop. Picking a command claims its order or customer, so two
    concurrent workers never move the same order; recording the answer returns or drops the claim."""

    tag: str
    customers: dict[int, str] = field(default_factory=dict)  # id → name
    products: dict[int, ProductInfo] = field(default_factory=dict)
    placed: list[int] = field(default_factory=list)  # orders that can be paid or cancelled
    paid: list[int] = field(default_factory=list)  # orders that can be shipped or cancelled
    next_customer_index: int = 0

    def next_command(self, rng: random.Random) -> Command:
        kinds = list(MIX)
        kind = rng.choices(kinds, weights=[MIX[k] for k in kinds])[0]
        return self._builders()[kind](rng) or self._place_order(rng)

    def record(self, command: Command, status: int, new_id: int | None = None) -> None:
        """Apply a command's answer. A claimed order that was refused is dropped: its state is unknown."""
        if not 200 <= status < 300:
            if command.kind == "rename_customer" and status == 404:
                self.customers.pop(command.claimed(), None)  # erased meanwhile
            return
        if command.kind == "place_order" and new_id is not None:
            self.placed.append(new_id)
        elif command.kind == "pay_order":
            self.paid.append(command.claimed())
        elif command.kind == "register_customer" and new_id is not None:
            self.customers[new_id] = command.sent("name")
        elif command.kind == "rename_customer" and command.subject in self.customers:
            self.customers[command.claimed()] = command.sent("name")  # unless erased while renamed
        elif command.kind == "reprice_product":
            self.products[command.claimed()].price_cents = to_cents(command.sent("price"))

    # ---- builders: each returns None when the shop has nothing for it -----------------------
    def _builders(self) -> dict[str, Callable[[random.Random], Command | None]]:
        return {
            "place_order": self._place_order,
            "pay_order": lambda rng: self._move_order(rng, "pay_order", "pay", (self.placed,)),
            "ship_order": lambda rng: self._move_order(rng, "ship_order", "ship", (self.paid,)),
            "cancel_order": lambda rng: self._move_order(rng, "cancel_order", "cancel", (self.placed, self.paid)),
            "reprice_product": self._reprice_product,
            "rename_product": self._rename_product,
            "adjust_stock": self._adjust_stock,
            "rename_customer": self._rename_customer,
            "register_customer": self._register_customer,
            "erase_customer": self._erase_customer,
        }

    def _place_order(self, rng: random.Random) -> Command:
        customer = rng.choice(list(self.customers))
        products = rng.sample(
            list(self.products), min(rng.choices((1, 2, 3), weights=(6, 3, 1))[0], len(self.products))
        )
        items = [{"product_id": p, "quantity": rng.choices((1, 2, 3), weights=(7, 2, 1))[0]} for p in products]
        return Command("place_order", "POST", "/orders", {"customer_id": customer, "items": items})

    def _move_order(self, rng: random.Random, kind: str, move: str, pools: tuple[list[int], ...]) -> Command | None:
        candidates = [pool for pool in pools if pool]
        if not candidates:
            return None
        pool = rng.choice(candidates)
        picked = rng.randrange(len(pool))
        pool[picked], pool[-1] = pool[-1], pool[picked]  # swap to the end: claiming is O(1)
        order = pool.pop()
        return Command(kind, "POST", f"/orders/{order}/{move}", subject=order)

    def _reprice_product(self, rng: random.Random) -> Command:
        product = rng.choice(list(self.products))
        cents = self.products[product].price_cents
        new_cents = max(100, round(cents * rng.uniform(0.85, 1.15)))  # a sale or a price rise
        return Command(
            "reprice_product", "PATCH", f"/products/{product}", {"price": format_cents(new_cents)}, subject=product
        )

    def _rename_product(self, rng: random.Random) -> Command:
        product = rng.choice(list(self.products))
        name = product_name(rng, self.products[product].category)
        return Command("rename_product", "PATCH", f"/products/{product}", {"name": name}, subject=product)

    def _adjust_stock(self, rng: random.Random) -> Command:
        product = rng.choice(list(self.products))
        delta = rng.randint(5, 40) if rng.random() < 0.8 else -rng.randint(1, 5)  # mostly restocks
        return Command("adjust_stock", "POST", f"/products/{product}/stock", {"delta": delta}, subject=product)

    def _rename_customer(self, rng: random.Random) -> Command:
        customer = rng.choice(list(self.customers))
        first = self.customers[customer].split(" ", 1)[0]
        return Command(
            "rename_customer",
            "PATCH",
            f"/customers/{customer}",
            {"name": f"{first} {family_name(rng)}"},
            subject=customer,
        )

    def _register_customer(self, rng: random.Random) -> Command:
        spec = new_customer(rng, self.next_customer_index, self.tag)
        self.next_customer_index += 1
        return Command("register_customer", "POST", "/customers", spec.body())

    def _erase_customer(self, rng: random.Random) -> Command | None:
        if len(self.customers) < 2:  # keep someone to place orders
            return None
        customer = rng.choice(list(self.customers))
        del self.customers[customer]
        return Command("erase_customer", "DELETE", f"/customers/{customer}", subject=customer)
