"""The demo shop as data: customers, products and order plans, the same for the same seed (pure)."""

from __future__ import annotations

import itertools
import math
import random
import re
import unicodedata
from dataclasses import dataclass

from infra.demo.vocabulary import BRANDS, CATEGORIES, CLOSING_LINES, EMAIL_DOMAINS, PEOPLE

# An order's life after it is placed: the moves the seeder makes, with how often each happens.
FATES: tuple[tuple[tuple[str, ...], int], ...] = (
    ((), 15),
    (("pay",), 20),
    (("pay", "ship"), 55),
    (("cancel",), 5),
    (("pay", "cancel"), 5),
)
_TAG = re.compile(r"[a-z0-9]{1,12}")


@dataclass(frozen=True)
class CustomerSpec:
    email: str
    name: str
    country: str

    def body(self) -> dict:
        return {"email": self.email, "name": self.name, "country": self.country}


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    description: str
    category: str
    price: str  # the wire form: two decimals
    initial_stock: int

    def body(self) -> dict:
        return {
            "sku": self.sku,
            "name": self.name,
            "description": self.description,
            "category": self.category,
            "price": self.price,
            "initial_stock": self.initial_stock,
        }


@dataclass(frozen=True)
class OrderPlan:
    """An order by position in the plan's lists (ids are known only once they exist)."""

    customer: int
    items: tuple[tuple[int, int], ...]  # (product position, quantity)
    moves: tuple[str, ...]  # after placing: "pay", "ship", "cancel", in order


@dataclass(frozen=True)
class ShopPlan:
    customers: tuple[CustomerSpec, ...]
    products: tuple[ProductSpec, ...]
    orders: tuple[OrderPlan, ...]

    @property
    def command_count(self) -> int:
        return len(self.customers) + len(self.products) + sum(1 + len(order.moves) for order in self.orders)


def plan_shop(seed: int, tag: str, customers: int, products: int, orders: int) -> ShopPlan:
    """The whole seed. `tag` only makes emails and SKUs unique per run, so a second demo never collides."""
    if not _TAG.fullmatch(tag):
        raise ValueError("tag must be 1-12 lowercase letters or digits")
    if customers < 1 or products < 1 or orders < 0:
        raise ValueError("a shop needs at least one customer and one product")
    rng = random.Random(seed)
    people = tuple(new_customer(rng, i, tag) for i in range(customers))
    popularity = _skewed_cum_weights(rng, products, 0.7)  # a few bestsellers, a long tail
    loyalty = _skewed_cum_weights(rng, customers, 0.6)  # some customers order far more often
    plans = tuple(_order_plan(rng, popularity, loyalty) for _ in range(orders))
    demand = [0] * products
    for plan in plans:
        for position, quantity in plan.items:
            demand[position] += quantity
    # Enough stock for the seeded orders plus a margin, so seeding is never refused for stock.
    catalog = tuple(new_product(rng, i, tag, stock=demand[i] + rng.randint(10, 120)) for i in range(products))
    return ShopPlan(people, catalog, plans)


def new_customer(rng: random.Random, index: int, tag: str) -> CustomerSpec:
    countries = list(PEOPLE)
    country = rng.choices(countries, weights=[PEOPLE[c][0] for c in countries])[0]
    _, firsts, lasts = PEOPLE[country]
    first, last = rng.choice(firsts), rng.choice(lasts)
    local = f"{_ascii(first)}.{_ascii(last)}+{tag}-{index}"
    return CustomerSpec(f"{local}@{rng.choice(EMAIL_DOMAINS)}", f"{first} {last}", country)


def new_product(rng: random.Random, index: int, tag: str, stock: int) -> ProductSpec:
    category = rng.choice(sorted(CATEGORIES))
    line = CATEGORIES[category]
    brand, quality, noun = rng.choice(BRANDS), rng.choice(line.qualities), rng.choice(line.nouns)
    features = " ".join(rng.sample(line.features, 2))
    description = f"{quality} {noun.lower()} by {brand}. {features} {rng.choice(CLOSING_LINES)}"
    return ProductSpec(
        f"{line.sku_prefix}-{index:05d}-{tag.upper()}",
        f"{brand} {quality} {noun}",
        description,
        category,
        new_price(rng, category),
        stock,
    )


def product_name(rng: random.Random, category: str) -> str:
    """A fresh name in the same category (the workload renames products)."""
    line = CATEGORIES[category]
    return f"{rng.choice(BRANDS)} {rng.choice(line.qualities)} {rng.choice(line.nouns)}"


def family_name(rng: random.Random) -> str:
    return rng.choice(PEOPLE[rng.choice(sorted(PEOPLE))][2])


def new_price(rng: random.Random, category: str) -> str:
    low, high = CATEGORIES[category].price_cents
    units = rng.randint(low, high) // 100
    return format_cents(max(units * 100 + rng.choice((99, 95, 50, 0)), low))


def format_cents(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def to_cents(price: str) -> int:
    units, _, fraction = price.partition(".")
    return int(units) * 100 + int((fraction + "00")[:2])


def _order_plan(rng: random.Random, popularity: list[float], loyalty: list[float]) -> OrderPlan:
    lines = min(rng.choices((1, 2, 3, 4), weights=(55, 28, 12, 5))[0], len(popularity))
    chosen: list[int] = []
    while len(chosen) < lines:
        position = rng.choices(range(len(popularity)), cum_weights=popularity)[0]
        if position not in chosen:
            chosen.append(position)
    items = tuple((p, rng.choices((1, 2, 3, 4), weights=(70, 20, 7, 3))[0]) for p in chosen)
    moves = rng.choices([f for f, _ in FATES], weights=[w for _, w in FATES])[0]
    customer = rng.choices(range(len(loyalty)), cum_weights=loyalty)[0]
    return OrderPlan(customer, items, moves)


def _skewed_cum_weights(rng: random.Random, n: int, exponent: float) -> list[float]:
    """Cumulative Zipf-like weights 1/rank^exponent over a shuffled order of the n positions."""
    ranks = list(range(1, n + 1))
    rng.shuffle(ranks)
    return list(itertools.accumulate(1 / math.pow(rank, exponent) for rank in ranks))


def _ascii(text: str) -> str:
    """Lowercase ASCII for an email address: accents dropped, spaces and apostrophes removed."""
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()
