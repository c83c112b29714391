"""The shop mix's load process (ryw_mix.py): the demo's live command mix on an open-loop schedule,
each command read back with its consistency token from the read model it changed, and checked.

Each process owns a share of the shop (its orders use only its customers and products), so it
knows every change to what it reads. As in the demo, an order is claimed only while a command on
it is in flight, and customers and products are not claimed: a read may also show a write that
overlapped this one (in flight when it was sent, or sent before the read answered). So a status,
name or price passes if it is this write's or an overlapping write's, and stock must lie between
the settled stock plus this change and that plus any subset of the overlapping changes. A write
whose outcome is unknown (error, timeout) overlaps everything after it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import aiohttp
from ryw_clients import TOKEN_HEADER, open_loop

from infra.demo.catalog import to_cents
from infra.demo.workload import EXPECTED_REFUSALS, Command, ProductInfo, ShopState

MODELS = ("orders", "customers", "products", "sales")
ORDER_STATUS = {"place_order": "placed", "pay_order": "paid", "ship_order": "shipped", "cancel_order": "cancelled"}
PRODUCT_KINDS = {"rename_product", "reprice_product", "adjust_stock"}


@dataclass(eq=False)
class Change:
    """One write's effect on one product, customer or order."""

    start: float  # monotonic, when the write was sent
    done: float | None = None  # when it answered 2xx; None: in flight or outcome unknown
    name: str | None = None
    price: str | None = None
    delta: int = 0
    base: int = 0  # the product's settled stock when the write was sent
    erase: bool = False
    status: str | None = None  # an order's, after the write


@dataclass
class MixSpec:
    rate: float
    seconds: float
    start_at: float  # time.time() of the first command
    customers: dict[int, str]  # this process's share: id -> name
    products: dict[int, tuple[str, int, int]]  # id -> (category, price cents, on hand)
    max_inflight: int
    label: str  # unique per phase and process
    wait_s: float
    stats_every: int = 10  # every n-th placed order also reads /stats/sales

    async def drive(self, write_url: str, query_url: str, write_token: str) -> dict:
        return await Mix(self).run(write_url, query_url, write_token)


@dataclass
class Read:
    model: str
    key: tuple[str, int]  # what it reads, in the history
    path: str
    params: dict | None = None
    status: int | str | None = None
    doc: object = None
    ms: float = 0.0
    at: float = 0.0


class Mix:
    def __init__(self, spec: MixSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.label)
        self.state = ShopState(tag=spec.label.lower())  # registrations: first.last+<label>-<n>@…
        self.state.customers.update(spec.customers)
        self.state.products.update({p: ProductInfo(c, cents) for p, (c, cents, _) in spec.products.items()})
        self.stock = {p: on_hand for p, (_, _, on_hand) in spec.products.items()}
        self.history: dict[tuple[str, int], list[Change]] = {}
        self.items: dict[int, list[tuple[int, int]]] = {}  # order id -> (product, quantity)
        self.placed = 0
        self.res: dict = {
            "issued": 0,
            "dropped": 0,
            "accepted": 0,
            "ok": 0,
            "e504": 0,
            "stale": 0,
            "kinds": Counter(),
            "refused": Counter(),
            "errors": Counter(),
            "reads": Counter(),
            "stale_by": Counter(),
            "e504_by": Counter(),
            "errors_by": Counter(),
            "examples": [],
            "rt": {m: [] for m in MODELS},
            "overall": [],
            "write_ms": [],
            "first": None,
            "last": None,
        }

    # --- what a command changes, and whether a read shows it ------------------------------

    def claim(self, command: Command, now: float) -> dict[tuple[str, int], Change]:
        """The changes a command is about to make, entered in the history as in flight."""
        kind, body, subject = command.kind, command.body or {}, command.subject
        out: dict[tuple[str, int], Change] = {}
        if kind == "place_order":
            out = {("product", i["product_id"]): Change(now, delta=-i["quantity"]) for i in body["items"]}
        elif kind in ORDER_STATUS:
            out = {
                ("product", p): Change(now, delta=q) for p, q in self.items.get(subject, []) if kind == "cancel_order"
            }
            out[("order", subject)] = Change(now, status=ORDER_STATUS[kind])
        elif kind in PRODUCT_KINDS:
            out = {
                ("product", subject): Change(
                    now, name=body.get("name"), price=body.get("price"), delta=body.get("delta", 0)
                )
            }
        elif kind in ("rename_customer", "erase_customer"):
            out = {("customer", subject): Change(now, name=body.get("name"), erase=kind == "erase_customer")}
        for key, change in out.items():
            if key[0] == "product":
                change.base = self.stock[key[1]]
            self.history.setdefault(key, []).append(change)
        return out

    def created(self, command: Command, new_id: int, changes: dict, began: float) -> None:
        """A new order or customer: its own change, for the writes that may overlap its read."""
        if command.kind == "place_order":
            changes[("order", new_id)] = Change(began, status="placed")
            self.items[new_id] = [(i["product_id"], i["quantity"]) for i in command.body["items"]]
        elif command.kind == "register_customer":
            changes[("customer", new_id)] = Change(began, name=command.body["name"])
        for key in (("order", new_id), ("customer", new_id)):
            if key in changes:
                self.history.setdefault(key, []).append(changes[key])

    def settle(self, changes: dict, applied: bool) -> None:
        now = time.monotonic()
        for key, change in changes.items():
            if applied:
                change.done = now
                if key[0] == "product":
                    self.stock[key[1]] += change.delta
            else:  # refused: it changed nothing
                self.history[key].remove(change)

    def overlapping(self, key: tuple[str, int], own: Change, at: float) -> list[Change]:
        return [
            c
            for c in self.history.get(key, [])
            if c is not own and c.start < at and (c.done is None or c.done > own.start)
        ]

    def fresh(self, read: Read, command: Command, key: tuple[str, int], changes: dict) -> bool | None:
        """True: the answer reflects the write; False: stale; None: an unexpected status."""
        kind, doc, body = command.kind, read.doc, command.body or {}
        own = changes[key]
        later = self.overlapping(key, own, read.at)
        if read.model == "sales":
            if read.status != 200:
                return None
            if any(c.status == "cancelled" for c in later):
                return True  # cancelled meanwhile: the sales may rightly leave it out
            wanted = Counter()
            for i in body["items"]:
                wanted[self.state.products[i["product_id"]].category] += i["quantity"]
            return all(sum(r["units"] for r in doc if r["category"] == c) >= q for c, q in wanted.items())
        if read.model == "orders":
            if read.status != 200:
                return None
            same = doc["status"] in {own.status, *(c.status for c in later)}
            if kind == "place_order":
                same &= sorted((i["product_id"], i["quantity"]) for i in doc["items"]) == sorted(
                    (i["product_id"], i["quantity"]) for i in body["items"]
                )
            return same
        if read.model == "customers":
            if read.status == 404:
                return own.erase or any(c.erase for c in later)
            if read.status != 200:
                return None
            if own.erase:
                return False
            return doc["name"] in {own.name, *(c.name for c in later)} and (
                kind != "register_customer" or doc["email"].lower() == body["email"].lower()
            )
        if read.status != 200:  # a product
            return None
        if kind == "rename_product" and doc["name"] not in {own.name, *(c.name for c in later)}:
            return False
        if kind == "reprice_product" and to_cents(doc["price"]) not in {
            to_cents(p) for p in (own.price, *(c.price for c in later)) if p
        }:
            return False
        low = own.base + own.delta + sum(min(c.delta, 0) for c in later)
        high = own.base + own.delta + sum(max(c.delta, 0) for c in later)
        return low <= doc["on_hand"] <= high

    # --- one command: write, then its token reads ------------------------------------------

    async def get(self, q: aiohttp.ClientSession, read: Read, token: str, t1: float) -> Read:
        try:
            async with q.get(read.path, params=read.params, headers={TOKEN_HEADER: token}) as r:
                read.status = r.status
                read.doc = await r.json() if r.status == 200 else await r.read()
        except TimeoutError:
            read.status = "client timeout"
        except (aiohttp.ClientError, ValueError) as error:
            read.status = type(error).__name__
        read.at, read.ms = time.monotonic(), (time.perf_counter() - t1) * 1000
        return read

    def reads_of(self, command: Command, new_id: int | None) -> list[Read]:
        kind, subject = command.kind, new_id or command.subject
        if kind in ORDER_STATUS:
            reads = [Read("orders", ("order", subject), f"/orders/{subject}")]
            if kind == "place_order":
                self.placed += 1
                if self.placed % self.spec.stats_every == 0:
                    now = datetime.now(UTC)
                    days = [(now + timedelta(minutes=m)).strftime("%Y-%m-%d") for m in (-2, 2)]
                    reads.append(Read("sales", ("order", subject), "/stats/sales", {"from": days[0], "to": days[1]}))
            return reads
        if kind in PRODUCT_KINDS:
            return [Read("products", ("product", subject), f"/products/{subject}")]
        return [Read("customers", ("customer", subject), f"/customers/{subject}")]

    async def one(self, w: aiohttp.ClientSession, q: aiohttp.ClientSession, command: Command) -> None:
        began = time.monotonic()
        changes, status, new_id, recorded = self.claim(command, began), None, None, False
        try:
            t0 = time.perf_counter()
            async with w.request(command.method, command.path, json=command.body) as r:
                status, body = r.status, await r.json(content_type=None)
            t1 = time.perf_counter()
            self.res["write_ms"].append((t1 - t0) * 1000)
            if status in EXPECTED_REFUSALS:
                self.settle(changes, applied=False)
                self.res["refused"][f"{command.kind} {status}"] += 1
                return
            if not 200 <= status < 300:
                self.res["errors"][f"write {status}"] += 1  # outcome unknown: changes stay open
                return
            new_id = body["id"] if command.kind in ("place_order", "register_customer") else None
            self.created(command, new_id, changes, began)
            self.settle(changes, applied=True)
            self.res["accepted"] += 1
            self.state.record(command, status, new_id)  # as the demo: its order is free again
            recorded = True
            reads = await asyncio.gather(
                *(self.get(q, read, body["consistency_token"], t1) for read in self.reads_of(command, new_id))
            )
            self.res["overall"].append(max(read.ms for read in reads))
            self.res["ok"] += all([self.judge(read, command, changes) for read in reads])
        except TimeoutError:
            self.res["errors"]["write client timeout"] += 1
        except (aiohttp.ClientError, ValueError, KeyError, TypeError) as error:
            self.res["errors"][f"write {type(error).__name__}"] += 1
        finally:
            if not recorded:
                self.state.record(command, status or 599, new_id)  # drops a claimed order
            self.inflight -= 1
            self.res["last"] = time.time()

    def judge(self, read: Read, command: Command, changes: dict) -> bool:
        res = self.res
        res["reads"][read.model] += 1
        res["rt"][read.model].append(read.ms)
        if read.status == 504:
            res["e504"] += 1
            res["e504_by"][read.model] += 1
            return False
        fresh = self.fresh(read, command, read.key, changes) if isinstance(read.status, int) else None
        if fresh is None:
            res["errors"][f"read {read.model} {read.status}"] += 1
            res["errors_by"][read.model] += 1
        elif not fresh:
            res["stale"] += 1
            res["stale_by"][read.model] += 1
            if len(res["examples"]) < 3:
                res["examples"].append(
                    f"{command.kind} {command.path} -> {read.path} {read.status}: {str(read.doc)[:200]}"
                )
        return bool(fresh)

    # --- the schedule ------------------------------------------------------------------------

    def unique(self, command: Command, seq: int) -> Command:
        """Renames get a name no other write uses, so a stale read cannot pass by chance."""
        if command.kind in ("rename_product", "rename_customer"):
            name = f"{command.body['name']} {self.spec.label}x{seq}"
            return replace(command, body={"name": name})
        return command

    async def run(self, write_url: str, query_url: str, write_token: str) -> dict:
        spec, res = self.spec, self.res
        self.inflight, limit = 0, spec.max_inflight

        def launch(w: aiohttp.ClientSession, q: aiohttp.ClientSession, seq: int) -> asyncio.Task | None:
            if self.inflight >= limit:
                res["dropped"] += 1
                return None
            command = self.unique(self.state.next_command(self.rng), seq)
            res["kinds"][command.kind] += 1
            self.inflight += 1
            return asyncio.create_task(self.one(w, q, command))

        await open_loop(spec, res, write_url, query_url, write_token, launch)
        return res
