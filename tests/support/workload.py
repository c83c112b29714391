"""A randomized shop workload through the write API (tests): concurrent clients, every command."""

from __future__ import annotations

import random
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from infra.polling import poll_until
from tests.support.clients import Shop

# Refusals a correct system gives to a random workload (stock ran out, illegal moves, ordered products).
EXPECTED_REFUSALS = {404, 409}


def run_client(shop: Shop, seed: int, steps: int) -> dict[str, int]:
    rng = random.Random(seed)
    products: list[int] = [
        shop.add_product(price=f"{rng.randint(100, 9999) / 100:.2f}", initial_stock=rng.randint(0, 20))["id"]
        for _ in range(3)
    ]
    customers = [shop.add_customer()["id"]]
    orders: list[int] = []
    outcomes: dict[str, int] = {}
    for _ in range(steps):
        action, method, path, body = _pick(rng, products, customers, orders)
        response = shop.write.request(method, path, json=body)
        assert response.is_success or response.status_code in EXPECTED_REFUSALS, (
            f"{method} {path} {body}: {response.status_code} {response.text}"
        )
        if response.is_success and action == "add_product":
            products.append(response.json()["id"])
        if response.is_success and action == "place_order":
            orders.append(response.json()["id"])
        if response.is_success and action == "delete_product":
            products.remove(int(path.rsplit("/", 1)[1]))
        if response.is_success and action == "add_customer":
            customers.append(response.json()["id"])
        if response.is_success and action == "erase_customer":
            customers.remove(int(path.rsplit("/", 1)[1]))
        outcomes[f"{action} {response.status_code}"] = outcomes.get(f"{action} {response.status_code}", 0) + 1
    return outcomes


def _pick(rng: random.Random, products: list[int], customers: list[int], orders: list[int]):
    pid = rng.choice(products) if products else None
    word = f"{rng.getrandbits(48):x}"
    choices = [
        (
            "add_customer",
            "POST",
            "/customers",
            {"email": f"w-{word}@example.com", "name": f"Client {word}", "country": rng.choice(["DE", "FR", "GB"])},
        )
    ]
    if len(customers) > 1:  # keep one to order with
        cid = rng.choice(customers)
        choices += [
            ("rename_customer", "PATCH", f"/customers/{cid}", {"name": f"Client {word}"}),
            ("move_customer", "PATCH", f"/customers/{cid}", {"country": rng.choice(["ES", "IT"])}),
            ("erase_customer", "DELETE", f"/customers/{cid}", None),
        ]
    choices += [
        (
            "add_product",
            "POST",
            "/products",
            {
                "sku": f"W-{rng.getrandbits(48):x}",
                "name": "Widget",
                "description": "random",
                "category": rng.choice("abc"),
                "price": f"{rng.randint(1, 5000) / 100:.2f}",
                "initial_stock": rng.randint(0, 9),
            },
        )
    ]
    if pid:
        choices += [
            ("reprice", "PATCH", f"/products/{pid}", {"price": f"{rng.randint(1, 5000) / 100:.2f}"}),
            ("rename", "PATCH", f"/products/{pid}", {"name": f"Widget {rng.randint(1, 99)}"}),
            ("toggle", "PATCH", f"/products/{pid}", {"active": rng.random() > 0.2}),
            ("stock", "POST", f"/products/{pid}/stock", {"delta": rng.randint(-3, 6)}),
            ("delete_product", "DELETE", f"/products/{pid}", None),
        ]
        items = [{"product_id": p, "quantity": rng.randint(1, 3)} for p in rng.sample(products, min(2, len(products)))]
        choices += [("place_order", "POST", "/orders", {"customer_id": rng.choice(customers), "items": items})] * 3
    if orders:
        oid = rng.choice(orders)
        choices += [(move, "POST", f"/orders/{oid}/{move}", None) for move in ("pay", "ship", "cancel")]
    return rng.choice(choices)


def run_workload(shop: Shop, clients: int, steps: int, seed: int = 7) -> dict[str, int]:
    totals: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for outcome in pool.map(lambda i: run_client(shop, seed + i, steps), range(clients)):
            for key, count in outcome.items():
                totals[key] = totals.get(key, 0) + count
    return totals


class Renamer(threading.Thread):
    """Renames one product again and again; after each acknowledged rename reads it back with its token.
    A 200 with any other name is a stale read. Orders are placed in between so every read model moves
    (`read_orders`: each is read back with its token too, and must show the product's newest name)."""

    def __init__(self, stack, product: dict, customer: int, read_orders: bool = False):
        super().__init__(daemon=True)
        self.read_orders = read_orders
        self.shop = Shop.connect(stack.settings)
        self.product, self.customer = product, customer
        self.acked, self.statuses, self.stale = 0, {}, []
        self.halt = threading.Event()

    def count(self, what: str, status: int) -> None:
        key = f"{what} {status}"
        self.statuses[key] = self.statuses.get(key, 0) + 1

    def run(self) -> None:
        n = 0
        while not self.halt.is_set():
            n += 1
            name = f"Crash lamp {self.product['word']} {n}"
            try:
                wrote = self.shop.write.patch(f"/products/{self.product['id']}", json={"name": name})
                self.count("write", wrote.status_code)
                order = self.shop.write.post(
                    "/orders",
                    json={"customer_id": self.customer, "items": [{"product_id": self.product["id"], "quantity": 1}]},
                )
                self.count("order", order.status_code)
                if wrote.status_code != 200:
                    self.halt.wait(0.2)
                    continue
                self.acked += 1
                read = self.shop.get(f"/products/{self.product['id']}", wrote.json()["consistency_token"])
                self.count("read", read.status_code)
                if read.status_code == 200 and read.json()["name"] != name:
                    self.stale.append((name, read.json()["name"]))
                if self.read_orders and order.status_code == 201:
                    placed = self.shop.get(f"/orders/{order.json()['id']}", order.json()["consistency_token"])
                    self.count("order read", placed.status_code)
                    if placed.status_code == 200 and placed.json()["items"][0]["name"] != name:
                        self.stale.append((f"order {order.json()['id']}: {name}", placed.json()["items"][0]["name"]))
            except httpx.TransportError as exc:  # an API itself is not killed here: count, go on
                self.count(type(exc).__name__, 0)

    def stop(self) -> None:
        self.halt.set()
        self.join(120)
        self.shop.close()


ANSWERS_WHILE_DOWN = {503, 504}  # a server is gone (503) or the write is not readable in time (504)


def customer_once_writes_work(shop) -> int:
    """A new customer, as soon as the write API takes writes: after an earlier case restarted Postgres, a write
    API worker whose pool was idle may answer 503 for a few seconds more while its pool reconnects."""

    def attempt() -> int | None:
        body = {"email": f"crash-{uuid.uuid4().hex[:10]}@example.com", "name": "Crash customer", "country": "DE"}
        response = shop.write.post("/customers", json=body)
        assert response.status_code in (201, 503), response.text
        return response.json()["id"] if response.status_code == 201 else None

    return poll_until(attempt, 60, "the write API to take writes", 0.5)
