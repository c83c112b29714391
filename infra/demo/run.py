"""The demo's story, step by step: stack, seed, live workload, reads, read-your-writes, verify, what next."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import TypedDict

import httpx
import psycopg
from rich.console import Console
from rich.live import Live

from infra.demo import screens
from infra.demo.catalog import ShopPlan, plan_shop
from infra.demo.clients import DemoError, QueryApi, WriteApi
from infra.demo.live import LiveStats, run_live
from infra.demo.seeding import SeedResult, seed_shop, state_after_seed
from infra.demo.showcase import catch_up, show_read_your_writes, show_searches
from infra.demo.workload import ShopState
from infra.native.stack import NativeStack
from infra.pipeline_status import seconds_since_last_checkpoint
from infra.polling import DeadlineExceeded, poll_until
from infra.secrets import postgres_password, write_token, write_token_source
from infra.settings import StackMode, StackSettings


class Sizes(TypedDict):
    customers: int
    products: int
    orders: int
    duration_s: float


SIZES: dict[bool, Sizes] = {
    False: {"customers": 300, "products": 200, "orders": 2000, "duration_s": 60.0},
    True: {"customers": 40, "products": 30, "orders": 300, "duration_s": 10.0},
}
VERIFY_WAIT_S = 60.0


@dataclass(frozen=True)
class DemoOptions:
    customers: int
    products: int
    orders: int
    duration_s: float
    seed: int = 42
    quick: bool = False
    workers: int = 8

    @classmethod
    def resolve(
        cls,
        quick: bool,
        seed: int,
        duration_s: float | None = None,
        customers: int | None = None,
        products: int | None = None,
        orders: int | None = None,
    ) -> DemoOptions:
        """--quick picks smaller defaults; any size given explicitly wins."""
        sizes = SIZES[quick]
        customers = sizes["customers"] if customers is None else customers
        products = sizes["products"] if products is None else products
        orders = sizes["orders"] if orders is None else orders
        duration_s = sizes["duration_s"] if duration_s is None else duration_s
        if customers < 1 or products < 1 or orders < 0 or duration_s < 0:
            raise DemoError("--customers and --products must be at least 1, --orders and --duration at least 0")
        return cls(seed=seed, quick=quick, customers=customers, products=products, orders=orders, duration_s=duration_s)


def run_demo(settings: StackSettings, options: DemoOptions, console: Console) -> bool:
    """Tell the whole story; True when verify found 0 differences."""
    tag = uuid.uuid4().hex[:6]  # keeps this run's emails and SKUs apart from earlier runs' (same seed, same shop)
    plan = plan_shop(options.seed, tag, options.customers, options.products, options.orders)
    console.print(screens.intro(plan, options.duration_s, options.seed, options.quick))

    _section(console, 1, "the stack", "PostgreSQL, Kafka, Kafka Connect + Debezium, Elasticsearch, our services")
    bring_up(settings, console)
    asyncio.run(_drive(settings, options, plan, tag, console))

    _section(console, 6, "verify", "recompute every read model from PostgreSQL with SQL and diff it with Elasticsearch")
    clean = _verify(settings, console)

    native = settings.stack is StackMode.native
    console.print(
        screens.closing(
            _url(settings, settings.write_api_port),
            _url(settings, settings.query_api_port),
            _url(settings, settings.pipeline_metrics_port),
            _url(settings, settings.console_port),
            write_token_source(settings),
            native,
        )
    )
    return clean


def bring_up(settings: StackSettings, console: Console) -> None:
    """`readside up` for the native stack (harmless when up); otherwise the stack must already run."""
    if settings.stack is StackMode.native:
        began = time.monotonic()
        NativeStack(settings, console).up()
        console.print(
            f"[green]✓[/] stack up in {time.monotonic() - began:.1f} s; watch it live at "
            f"{_url(settings, settings.console_port)}/"
        )
    else:
        console.print(f"READSIDE_STACK={settings.stack.value}: using the stack that is already running")
    wait_until_serving(settings, console, 60 if settings.stack is StackMode.native else 15)


def wait_until_serving(settings: StackSettings, console: Console, timeout_s: float) -> None:
    for name, port in (("write API", settings.write_api_port), ("query API", settings.query_api_port)):
        url = f"{_url(settings, port)}/health"
        try:
            with console.status(f"waiting for the {name}…"):
                poll_until(lambda: _answers(url), timeout_s, f"the {name} at {url}", 0.5)
        except DeadlineExceeded as exc:
            raise DemoError(f"{exc}: is the stack up? `readside status` shows it, `readside up` starts it") from None
    try:
        with console.status("waiting for the pipeline worker to apply changes…"):
            poll_until(
                lambda: (age := seconds_since_last_checkpoint(settings)) is not None and age < 15,
                timeout_s,
                "the pipeline worker to record progress",
                0.5,
            )
    except DeadlineExceeded as exc:
        raise DemoError(f"{exc}: see `readside status` and the pipeline log in {settings.data / 'logs'}") from None
    console.print("[green]✓[/] write API, query API and pipeline worker are serving")


async def _drive(settings: StackSettings, options: DemoOptions, plan: ShopPlan, tag: str, console: Console) -> None:
    write = WriteApi(_url(settings, settings.write_api_port), write_token(settings), options.workers)
    query = QueryApi(_url(settings, settings.query_api_port), options.workers)
    try:
        _section(
            console,
            2,
            "seed a shop",
            f"{plan.command_count} commands through the write API, {options.workers} at a time",
        )
        seeded = await _seed(write, plan, console, options.workers)
        state = state_after_seed(plan, seeded, tag)

        _section(console, 3, "live workload", "customers order, pay, cancel; the shop reprices, restocks, renames")
        stats = await _live(write, query, state, settings, options, console)

        _section(
            console,
            4,
            "searches",
            "the query API over the Elasticsearch read models; each read carries the "
            "consistency token of the workload's last write, so it reflects all of it",
        )
        token = stats.last_token or seeded.last_token
        await catch_up(query, token, console)
        await show_searches(query, plan, _regular_customer(plan, seeded, state), token, console)

        _section(console, 5, "read your writes", "X-Consistency-Token: a read that waits for its own write")
        await show_read_your_writes(write, query, state, options.seed, console)
    finally:
        await write.aclose()
        await query.aclose()


async def _seed(write: WriteApi, plan: ShopPlan, console: Console, workers: int) -> SeedResult:
    with screens.seed_progress(console) as progress:
        tasks = {
            "customers": progress.add_task("customers", total=len(plan.customers)),
            "products": progress.add_task("products", total=len(plan.products)),
            "orders": progress.add_task("orders", total=sum(1 + len(o.moves) for o in plan.orders)),
        }
        seeded = await seed_shop(write, plan, lambda phase: progress.advance(tasks[phase]), workers)
    console.print(screens.seed_summary(seeded))
    return seeded


async def _live(
    write: WriteApi, query: QueryApi, state: ShopState, settings: StackSettings, options: DemoOptions, console: Console
) -> LiveStats:
    if console.is_terminal:
        with Live(console=console, refresh_per_second=4) as live:
            stats = await run_live(
                write,
                query,
                state,
                settings,
                options.duration_s,
                options.seed,
                lambda s: live.update(screens.live_view(s)),
                options.workers,
            )
    else:  # logs: a plain line every few seconds instead of a redrawn screen
        printed = [0.0]

        def show(s: LiveStats) -> None:
            if s.elapsed_s - printed[0] >= 5:
                printed[0] = s.elapsed_s
                console.print(screens.live_line(s), highlight=False)

        stats = await run_live(write, query, state, settings, options.duration_s, options.seed, show, options.workers)
        console.print(screens.command_table(stats.ok, stats.refused))
        sales = screens.sales_table(stats.sales)  # the live view shows it as it changes; logs get the last one
        if sales is not None:
            console.print(sales)
    console.print(screens.live_summary(stats))
    return stats


def _verify(settings: StackSettings, console: Console) -> bool:
    from infra.verify.runner import CHECKS, render, verify

    try:
        with console.status("comparing read models with PostgreSQL…") as spinner:
            diffs = verify(
                settings.postgres_dsn(postgres_password(settings)),
                settings.elasticsearch_url,
                list(CHECKS),
                VERIFY_WAIT_S,
                on_attempt=lambda ds: spinner.update(
                    "waiting for the read side: " + ", ".join(f"{d.model} {d.count} diff(s)" for d in ds)
                ),
            )
    except (psycopg.Error, httpx.HTTPError) as exc:
        raise DemoError(f"verify could not read PostgreSQL or Elasticsearch: {exc}") from None
    render(diffs, console)
    total = sum(d.count for d in diffs)
    if total == 0:
        console.print(
            f"[bold green]✓ 0 differences[/] across {len(diffs)} read model(s): {', '.join(d.model for d in diffs)}"
        )
    else:
        console.print(f"[bold red]✗ {total} difference(s) remain after {VERIFY_WAIT_S:.0f} s[/]")
    return total == 0


def _regular_customer(plan: ShopPlan, seeded: SeedResult, state: ShopState) -> tuple[int, str] | None:
    """The seeded customer with the most orders who is still registered, as (id, current name)."""
    for position, _ in Counter(order.customer for order in plan.orders).most_common():
        customer_id = seeded.customer_ids[position]
        if customer_id in state.customers:
            return customer_id, state.customers[customer_id]
    return None


def _section(console: Console, number: int, title: str, subtitle: str) -> None:
    console.print()
    console.rule(f"[bold cyan]{number} · {title}[/]", align="left")
    console.print(f"[dim]{subtitle}[/]")


def _url(settings: StackSettings, port: int) -> str:
    return f"http://{settings.host}:{port}"


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=3).status_code == 200
    except httpx.HTTPError:
        return False
