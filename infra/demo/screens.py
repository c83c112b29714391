"""What the demo shows, as rich renderables built from plain data (no I/O here)."""

from __future__ import annotations

from collections import Counter

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from infra.demo.catalog import ShopPlan
from infra.demo.live import LiveStats
from infra.demo.sales import sales_table
from infra.demo.seeding import SeedResult

PIPELINE = "write API → PostgreSQL → Debezium → Kafka → Faust workers → Elasticsearch → query API"


def intro(plan: ShopPlan, duration_s: float, seed: int, quick: bool) -> Panel:
    lines = [
        "[bold]readside[/] keeps read models exact: every command commits to PostgreSQL, Debezium captures",
        "the change into Kafka, Faust workers fold it into Elasticsearch documents, and the query API",
        "serves them, with read-your-writes on request.",
        f"[dim]{PIPELINE}[/]",
        "",
        f"This demo seeds a shop ({len(plan.customers)} customers, {len(plan.products)} products, "
        f"{len(plan.orders)} orders; seed {seed}), runs a live mixed workload for {duration_s:.0f} s, shows",
        "searches and a read-your-writes round trip, then checks every read model against PostgreSQL.",
    ]
    title = "readside demo" + (" (quick)" if quick else "")
    return Panel("\n".join(lines), title=f"[bold]{title}[/]", border_style="cyan", expand=False)


def seed_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("  {task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("commands"),
        TimeElapsedColumn(),
        console=console,
    )


def seed_summary(result: SeedResult) -> Text:
    orders = ", ".join(f"{n} {status}" for status, n in result.orders_by_status.most_common())
    rate = result.commands / result.seconds if result.seconds else 0
    return Text.from_markup(
        f"[green]✓[/] seeded {sum(1 for c in result.customer_ids if c)} customers, "
        f"{sum(1 for p in result.product_ids if p)} products and orders ({orders}): "
        f"{result.commands} commands in {result.seconds:.1f} s ({rate:.0f}/s)"
    )


def live_view(stats: LiveStats) -> RenderableType:
    done = min(stats.elapsed_s / stats.duration_s, 1.0) if stats.duration_s else 1.0
    bar = f"[cyan]{'━' * int(done * 40)}[/][dim]{'━' * (40 - int(done * 40))}[/]"
    head = Text.from_markup(
        f"  {bar} {stats.elapsed_s:4.0f}/{stats.duration_s:.0f} s   "
        f"[bold]{stats.commands}[/] commands   [bold]{stats.rate():.0f}[/]/s"
    )
    read_side = Text.from_markup(
        f"  read side: a write is readable with its token after {_probe(stats, '[bold]', '[/]')}"
        + "   Kafka lag: "
        + ("[dim]unknown[/]" if stats.kafka_lag is None else f"[bold]{stats.kafka_lag}[/] messages")
    )
    parts: list[RenderableType] = [head, read_side, command_table(stats.ok, stats.refused)]
    sales = sales_table(stats.sales)  # the hook: None until the /stats endpoints exist
    if sales is not None:
        parts.append(sales)
    return Group(*parts)


def live_line(stats: LiveStats) -> str:
    """One plain line for logs (no terminal, so no live redraw)."""
    fresh = _probe(stats)
    lag = "unknown" if stats.kafka_lag is None else str(stats.kafka_lag)
    return (
        f"  {stats.elapsed_s:4.0f}/{stats.duration_s:.0f} s  {stats.commands} commands  "
        f"{stats.rate():.0f}/s  write→readable {fresh}  Kafka lag {lag}"
    )


def _probe(stats: LiveStats, bold: str = "", end: str = "") -> str:
    if stats.last_probe_s is not None:
        return f"{bold}{stats.last_probe_s * 1000:.0f} ms{end}"
    return "behind (no answer within the query API's wait)" if stats.behind else "…"


def command_table(ok: Counter, refused: Counter) -> Table:
    table = Table("command", "accepted", "refused (404/409)", box=None, padding=(0, 2))
    for kind in sorted(ok.keys() | refused.keys(), key=lambda k: -(ok[k] + refused[k])):
        table.add_row(kind.replace("_", " "), str(ok[kind]), f"[dim]{refused[kind]}[/]" if refused[kind] else "")
    return table


def live_summary(stats: LiveStats) -> Text:
    took = max(stats.elapsed_s, 1e-3)
    refused = sum(stats.refused.values())
    text = f"[green]✓[/] {stats.commands} commands in {took:.0f} s ({stats.commands / took:.0f}/s)"
    if refused:
        text += (
            f", {refused} refused as a real shop would (stock ran out, or another client moved the order "
            "or erased the customer first)"
        )
    summary = stats.freshness_summary()
    if summary:
        median, p95, worst = summary
        text += (
            f"\n  write → readable with its token: median [bold]{median * 1000:.0f} ms[/], "
            f"p95 {p95 * 1000:.0f} ms, max {worst * 1000:.0f} ms over {len(stats.freshness_s)} probes"
        )
    if stats.behind:
        text += f"\n  [yellow]{stats.behind} probe(s) found the read side behind by more than the query API's wait[/]"
    return Text.from_markup(text)


def read_result(request: str, summary: str, answer: RenderableType, caption: str) -> Group:
    """A read as the user would make it, its answer, and a note on what it shows."""
    return Group(
        Text.from_markup(f"[bold]{escape(request)}[/]   {summary}"), answer, Text.from_markup(f"[dim]{caption}[/]\n")
    )


def products_table(hits: list[dict]) -> Table:
    table = Table("id", "name", "category", "price", "on hand", "sold")
    for hit in hits:
        table.add_row(
            str(hit["id"]),
            escape(hit["name"]),
            escape(hit["category"]),
            hit["price"],
            str(hit["on_hand"]) if hit["in_stock"] else "[red]sold out[/]",
            str(hit["units_sold"]),
        )
    return table


def orders_table(hits: list[dict]) -> Table:
    table = Table("order", "status", "customer", "items", "total", "placed at (UTC)")
    for hit in hits:
        customer = hit.get("customer") or {}
        items = ", ".join(f"{i['quantity']}× {i['name']}" for i in hit.get("items", []))
        table.add_row(
            str(hit["id"]),
            hit["status"],
            escape(customer.get("name") or "") or "[dim]erased[/]",
            escape(items),
            hit["total"],
            str(hit.get("placed_at", ""))[:19].replace("T", " "),
        )
    return table


def customer_card(doc: dict) -> Panel:
    body = (
        f"[bold]{escape(doc['name'])}[/] <{escape(doc['email'])}> · {doc['country']}\n"
        f"orders: [bold]{doc['order_count']}[/]   lifetime value: [bold]{doc['lifetime_value']}[/]   "
        f"last order: {doc.get('last_order_at') or '-'}"
    )
    return Panel(body, title=f"customer {doc['id']}", title_align="left", expand=False)


def round_trip_table(rows: list[tuple[str, str, str, str]]) -> Table:
    """(request, what it answered, how long it took, verdict) per step."""
    table = Table("request", "answer", "took", "")
    for request, answer, took, verdict in rows:
        table.add_row(escape(request), escape(answer), took, verdict)
    return table


def closing(
    write_url: str, query_url: str, metrics_url: str, console_url: str, token_source: str, native: bool
) -> Panel:
    stop = (
        "  [bold]readside down[/]           stop everything (the data stays for next time)\n"
        "  [bold]readside down --purge[/]   stop and delete the data (downloads are kept)"
        if native
        else "  this stack is not managed by readside (READSIDE_STACK): stop it the way you started it"
    )
    body = (
        "[bold]Explore[/]\n"
        f"  write API   {write_url}/docs   (every command needs the bearer token: {token_source})\n"
        f"  query API   {query_url}/docs   (try {query_url}/products/search?q=lamp)\n"
        f"  status page {console_url}/   (live: health, connectors, slot, freshness, lag)\n"
        f"  metrics     {metrics_url}/metrics and {console_url}/metrics\n\n"
        "[bold]Commands[/]\n"
        "  [bold]readside status[/]         every component, connector, pipeline lag and freshness\n"
        "  [bold]readside verify[/]         recompute every read model from PostgreSQL and diff it\n"
        "  [bold]readside demo --quick[/]   this demo again, shorter\n\n"
        "[bold]Stop[/]\n" + stop
    )
    return Panel(body, title="[bold]where to go from here[/]", border_style="cyan", expand=False)
