"""Reads worth seeing: product, order and customer searches, and a read-your-writes round trip."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter

from rich.console import Console

from infra.demo import screens
from infra.demo.catalog import ShopPlan, product_name
from infra.demo.clients import Answer, DemoError, QueryApi, RouteNotDeployed, WriteApi
from infra.demo.workload import Command, ShopState


def search_terms(plan: ShopPlan) -> tuple[str, str]:
    """A two-word query (quality + the commonest noun) that ranks full matches above partial ones, and the
    category with the most products: searches that find something in any seeded shop."""
    nouns = Counter(spec.name.rsplit(" ", 1)[-1] for spec in plan.products)
    noun = nouns.most_common(1)[0][0]
    example = next(spec for spec in plan.products if spec.name.endswith(noun))
    quality = example.name.removesuffix(noun).split()[-1]
    category = Counter(spec.category for spec in plan.products).most_common(1)[0][0]
    return f"{quality} {noun}".lower(), category


async def catch_up(query: QueryApi, token: str | None, console: Console) -> None:
    """Wait, visibly, until the products read model has applied the workload's last write."""
    if token is None:
        return
    began = time.perf_counter()
    with console.status("the read side is applying the last writes…"):
        await _read(query, "/products/search", {"size": 1}, token)
    console.print(
        f"[green]✓[/] the read side reflects the last write {time.perf_counter() - began:.1f} s "
        "after the workload stopped"
    )


async def show_searches(
    query: QueryApi, plan: ShopPlan, regular: tuple[int, str] | None, token: str | None, console: Console
) -> None:
    """Three product searches, then (when deployed) an orders search and a lookup of `regular` (id, name)."""
    words, category = search_terms(plan)
    found = await _read(query, "/products/search", {"q": words, "size": 5}, token)
    facets = ", ".join(f"{b['value']} {b['count']}" for b in found.body["facets"].get("category", [])[:5])
    console.print(
        screens.read_result(
            f"GET /products/search?q={words}",
            f"{found.body['total']} match(es), best first",
            screens.products_table(found.body["hits"]),
            f"{_ms(found)} · read with the last write's consistency token, so it reflects every command above · "
            f"category facet: {facets}",
        )
    )
    params = {"category": category, "in_stock": "true", "max_price": "50.00", "sort": "price_asc", "size": 5}
    cheap = await _read(query, "/products/search", params, token)
    console.print(
        screens.read_result(
            "GET /products/search?" + "&".join(f"{k}={v}" for k, v in params.items() if k != "size"),
            f"{cheap.body['total']} match(es), cheapest first",
            screens.products_table(cheap.body["hits"]),
            f"{_ms(cheap)} · filters and sorts run on the read model, never on PostgreSQL",
        )
    )
    best = await _read(query, "/products/search", {"sort": "popularity", "size": 5}, token)
    console.print(
        screens.read_result(
            "GET /products/search?sort=popularity",
            "bestsellers",
            screens.products_table(best.body["hits"]),
            f"{_ms(best)} · units sold are folded in from order lines; cancelled orders do not count",
        )
    )
    if regular:
        await _show_customer_reads(query, *regular, token, console)


async def _show_customer_reads(
    query: QueryApi, customer_id: int, name: str, token: str | None, console: Console
) -> None:
    """Orders and customers read models may not be deployed yet: a missing route is a note, not a failure."""
    family = name.split(" ", 1)[-1]
    try:
        orders = await _read(query, "/orders/search", {"q": family, "size": 5}, token)
        console.print(
            screens.read_result(
                f"GET /orders/search?q={family}",
                f"{orders.body['total']} order(s)",
                screens.orders_table(orders.body["hits"]),
                f"{_ms(orders)} · each order document carries its customer and product names, joined by the pipeline",
            )
        )
    except RouteNotDeployed:
        console.print("[dim]  (GET /orders/search is not deployed on this query API yet: skipped)[/]")
    try:
        customer = await _read(query, f"/customers/{customer_id}", None, token)
        console.print(
            screens.read_result(
                f"GET /customers/{customer_id}",
                "a regular",
                screens.customer_card(customer.body),
                f"{_ms(customer)} · order count and lifetime value follow every order placed, paid or cancelled",
            )
        )
    except RouteNotDeployed:
        console.print("[dim]  (GET /customers/{id} is not deployed on this query API yet: skipped)[/]")


async def show_read_your_writes(
    write: WriteApi, query: QueryApi, state: ShopState, seed: int, console: Console
) -> None:
    """Rename a product and read it back with the write's token (immediately right), then without one."""
    rng = random.Random(seed)
    product_id = next(iter(state.products))
    category = state.products[product_id].category
    rows: list[tuple[str, str, str, str]] = []

    began = time.perf_counter()
    first_name = product_name(rng, category) + " (limited edition)"
    renamed = await _rename(write, product_id, first_name)
    with_token = await _read(query, f"/products/{product_id}", None, renamed.token)
    total = time.perf_counter() - began
    if with_token.body["name"] != first_name:
        raise DemoError(
            f"a read with the rename's consistency token returned {with_token.body['name']!r}, "
            f"not {first_name!r}: read-your-writes is broken"
        )
    path = f"/products/{product_id}"
    rows.append((f"PATCH {path}", f"name → {first_name}; X-Consistency-Token: {renamed.token}", _ms(renamed), ""))
    rows.append(
        (f"GET {path} with that token", with_token.body["name"], _ms(with_token), "[green]✓ reflects the write[/]")
    )

    second_name = product_name(rng, category) + " (new season)"
    renamed_again = await _rename(write, product_id, second_name)
    written_at = time.perf_counter()
    at_once = await _read(query, path, None, None)
    rows.append((f"PATCH {path}", f"name → {second_name}", _ms(renamed_again), ""))
    rows.append(
        (
            f"GET {path} at once, no token",
            at_once.body["name"],
            _ms(at_once),
            _verdict(at_once.body["name"] == second_name, "already there", "the previous name: eventually consistent"),
        )
    )
    seen_after = await _until_named(query, product_id, second_name, written_at)
    rows.append(
        (
            f"GET {path} again until it shows",
            second_name,
            f"{seen_after * 1000:.0f} ms after the write",
            "[green]✓ caught up[/]",
        )
    )
    console.print(screens.round_trip_table(rows))
    console.print(
        f"  A read with the write's token returned the new name [bold]{total * 1000:.0f} ms[/] after the "
        "write was sent; the query API waits, bounded, until the read model has applied it."
    )


async def _rename(write: WriteApi, product_id: int, name: str) -> Answer:
    answer = await write.send(Command("rename_product", "PATCH", f"/products/{product_id}", {"name": name}))
    if not answer.ok:
        raise DemoError(f"renaming product {product_id} was refused ({answer.status}: {answer.detail})")
    return answer


async def _until_named(query: QueryApi, product_id: int, name: str, since: float, timeout_s: float = 10) -> float:
    while time.perf_counter() - since < timeout_s:
        answer = await _read(query, f"/products/{product_id}", None, None)
        if answer.body["name"] == name:
            return time.perf_counter() - since
        await asyncio.sleep(0.02)  # polling the read side, bounded by timeout_s
    raise DemoError(
        f"product {product_id} did not show its new name within {timeout_s:.0f} s: "
        "the pipeline is not applying changes; see `readside status`"
    )


async def _read(query: QueryApi, path: str, params: dict | None, token: str | None, patience_s: float = 60) -> Answer:
    """A read that must succeed. A 504 means the read side has not reached the token yet (each try
    waits a bounded time on the server); on a busy machine the demo asks again for a while."""
    deadline = time.monotonic() + patience_s
    while True:
        answer = await query.get(path, params, token)
        if answer.status != 504:
            break
        if time.monotonic() >= deadline:
            raise DemoError(
                f"GET {path}: the read side did not reach the write's token within {patience_s:.0f} s "
                f"({answer.detail}); see `readside status`"
            )
    if not answer.ok:
        raise DemoError(f"GET {path} answered {answer.status}: {answer.detail}")
    return answer


def _ms(answer: Answer) -> str:
    return f"{answer.seconds * 1000:.0f} ms"


def _verdict(yes: bool, good: str, otherwise: str) -> str:
    return f"[green]✓ {good}[/]" if yes else f"[yellow]{otherwise}[/]"
