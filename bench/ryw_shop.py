"""The shop of read_your_writes.py's mix phase: its customers and products, seeded once and reused
under a name (`--mix-name`), its history, and its state read back with a token before each rate."""

from __future__ import annotations

import asyncio
import random
import time

import aiohttp
from ryw_clients import TOKEN_HEADER

from infra.demo.catalog import new_customer, new_product, to_cents
from infra.demo.vocabulary import CATEGORIES
from infra.settings import StackSettings

STOCK = 1_000_000
FIELDS = {"customers": "email", "products": "sku"}  # index: the field its seeded documents are found by


def prefixes(name: str) -> dict[str, str]:
    """The sku and email prefixes of shop `name`, by index. A shop gets dearer with its history (a
    product rename re-renders every order holding the product): a new name starts one without."""
    return {"products": f"{name.upper()}-", "customers": f"{name}-"}


async def discover(s: aiohttp.ClientSession, es: str, index: str, prefix: str) -> dict[str, int]:
    """Seeded documents by their sku/email prefix (the query API cannot list customers)."""
    field = FIELDS[index]
    body = {"size": 10000, "_source": ["id", field], "query": {"prefix": {field: prefix}}}
    async with s.post(f"{es}/{index}/_search", json=body) as r:
        r.raise_for_status()
        return {h["_source"][field]: h["_source"]["id"] for h in (await r.json())["hits"]["hits"]}


async def token_get(s: aiohttp.ClientSession, url: str, token: str, bound_s: float = 120):
    """GET with the token until it answers other than 504: (status, document)."""
    started = time.monotonic()
    while True:
        async with s.get(url, headers={TOKEN_HEADER: token}) as r:
            if r.status != 504 or time.monotonic() - started > bound_s:
                return r.status, await r.json(content_type=None)
            await r.read()


async def seed_shop(args) -> tuple[list[int], list[int], int, float]:
    """Customer and product ids of the mix's shop (existing ones reused), how many were created."""
    started, es, prefix = time.monotonic(), StackSettings().elasticsearch_url, prefixes(args.mix_name)
    want = {
        "customers": {f"{prefix['customers']}{i:05d}@example.com": i for i in range(args.mix_customers)},
        "products": {f"{prefix['products']}{i:05d}": i for i in range(args.mix_products)},
    }
    auth = {"Authorization": f"Bearer {args.token}"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as s:
        found = {m: await discover(s, es, m, prefix[m]) for m in want}
        gate, last, created = asyncio.Semaphore(16), None, 0

        def body(model: str, key: str, i: int) -> dict:
            if model == "customers":
                return {**new_customer(random.Random(i), i, args.mix_name).body(), "email": key}
            return {**new_product(random.Random(-1 - i), i, args.mix_name, STOCK).body(), "sku": key}

        async def create(model: str, key: str) -> None:
            nonlocal last, created
            async with (
                gate,
                s.post(f"{args.write_url}/{model}", headers=auth, json=body(model, key, want[model][key])) as r,
            ):
                answer = await r.json(content_type=None)
            if r.status == 201:
                found[model][key], created = answer["id"], created + 1
                last = (f"{args.query_url}/{model}/{answer['id']}", answer["consistency_token"])
            elif r.status != 409:  # 409: it exists, not indexed yet; found again below
                raise SystemExit(f"creating {model} {key}: {r.status} {answer}")

        missing = [(m, k) for m in want for k in want[m] if k not in found[m]]
        await asyncio.gather(*(create(m, k) for m, k in missing[:-1]))
        if missing:
            await create(*missing[-1])  # alone, after the others: its token covers them all
        if last:
            await token_get(s, *last)
        if any(k not in found[m] for m in want for k in want[m]):
            await asyncio.sleep(2)  # the indices refresh every second
            found = {m: {**found[m], **await discover(s, es, m, prefix[m])} for m in want}
    ids = {m: [found[m][k] for k in want[m] if k in found[m]] for m in want}
    if len(ids["products"]) < args.mix_products or len(ids["customers"]) < args.mix_customers:
        raise SystemExit(
            f"the mix's shop is incomplete: {len(ids['customers'])} customers, {len(ids['products'])} products"
        )
    return ids["customers"], ids["products"], created, time.monotonic() - started


async def shop_orders(args) -> int:
    """Orders in the read model holding a product of the shop: its history (the fan-out of a rename)."""
    es = StackSettings().elasticsearch_url
    # items.sku has a lowercase normalizer: the indexed values are lower case.
    body = {"query": {"prefix": {"items.sku": prefixes(args.mix_name)["products"].lower()}}}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as s:
        async with s.post(f"{es}/orders/_count", json=body) as r:
            return int((await r.json())["count"]) if r.status == 200 else -1


async def snapshot(args, customer_ids: list[int], product_ids: list[int]):
    """One restock, then every customer and product read with its token: the state the next rate
    starts from (erased customers left out) and how long the first read waited (the catch-up)."""
    auth = {"Authorization": f"Bearer {args.token}"}
    timeout = aiohttp.ClientTimeout(total=args.wait_bound + 10)
    async with aiohttp.ClientSession(timeout=timeout) as s:
        async with s.post(f"{args.write_url}/products/{product_ids[0]}/stock", json={"delta": 1}, headers=auth) as r:
            r.raise_for_status()
            token = (await r.json())["consistency_token"]
        began = time.monotonic()
        await token_get(s, f"{args.query_url}/products/{product_ids[0]}", token)
        caught, gate = time.monotonic() - began, asyncio.Semaphore(32)

        async def one(model: str, i: int):
            async with gate:
                return model, i, *await token_get(s, f"{args.query_url}/{model}/{i}", token)

        answers = await asyncio.gather(
            *(one("customers", i) for i in customer_ids), *(one("products", i) for i in product_ids)
        )
    customers = {i: d["name"] for m, i, status, d in answers if m == "customers" and status == 200}
    products = {
        i: (d["category"], to_cents(d["price"]), d["on_hand"])
        for m, i, status, d in answers
        if m == "products" and status == 200 and d["category"] in CATEGORIES
    }
    if len(products) < len(product_ids) or len(customers) < 2:
        raise SystemExit(
            f"snapshot: {len(products)} of {len(product_ids)} products, "
            f"{len(customers)} customers readable with token {token}"
        )
    return customers, products, caught
