"""The `readside` command line: up, down, status, connectors."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from infra.cli.operations import connectors_app, deadletters_app, slot_app
from infra.cli.output import err, fail, out
from infra.cli.read_models import backfill, verify_read_models
from infra.cli.rebuild import rebuild_command
from infra.cli.services import serve_app
from infra.native.process import RELOADS_IN_PLACE, RESTART_TIMEOUT_S, StackError, reload_workers
from infra.native.stack import NativeStack
from infra.polling import DeadlineExceeded
from infra.secrets import postgres_password
from infra.settings import StackMode, StackSettings
from infra.status import all_healthy, collect_status

T = TypeVar("T")

app = typer.Typer(
    help="readside: a CQRS read-model pipeline on PostgreSQL, Debezium, Kafka and Elasticsearch.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(connectors_app, name="connectors")
app.add_typer(serve_app, name="serve")
app.add_typer(slot_app, name="slot")
app.add_typer(deadletters_app, name="deadletters")


def _native(settings: StackSettings, action: str) -> NativeStack:
    if settings.stack is not StackMode.native:
        fail(f"READSIDE_STACK={settings.stack.value}: readside {action} manages only the native stack")
    return NativeStack(settings, err)


@app.command()
def up(
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=8, help="pipeline worker processes in one consumer group (READSIDE_WORKERS)"),
    ] = None,
) -> None:
    """Fetch what is missing, start PostgreSQL, Kafka, Connect + Debezium and Elasticsearch, register connectors."""
    settings = StackSettings() if workers is None else StackSettings(workers=workers)
    began = time.monotonic()
    try:
        _native(settings, "up").up()
    except StackError as exc:
        fail(str(exc))
    err.print(f"[bold green]stack up[/] in {time.monotonic() - began:.1f}s")
    _print_status(collect_status(settings))


@app.command()
def down(purge: Annotated[bool, typer.Option(help="also delete the data folder (downloads are kept)")] = False) -> None:
    """Stop everything `up` started. Nothing of ours stays running or listening."""
    settings = StackSettings()
    try:
        stopped = _native(settings, "down").down(purge=purge)
    except StackError as exc:
        fail(str(exc))
    err.print(f"[bold green]stack down[/] ({', '.join(stopped) or 'nothing was running'})")


@app.command()
def restart(
    units: Annotated[list[str], typer.Argument(help="servers or services, e.g. pipeline write-api query-api")],
) -> None:
    """Stop each named part and start it again, one at a time (new code or settings, a rolling upgrade). The
    write and query APIs are not stopped: each of their workers is replaced by a new one that already serves
    (uvicorn's SIGHUP), so no request fails."""
    from infra.native.stack import BY_NAME

    unknown = [unit for unit in units if unit not in BY_NAME]
    if unknown:
        fail(f"unknown part(s): {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    settings = StackSettings()
    native = _native(settings, "restart")
    try:
        for unit in units:
            began = time.monotonic()
            state = native.process(unit).state()
            # No child while the supervisor waits out a restart backoff: then a stop and a start, as for the rest.
            if unit in RELOADS_IN_PLACE and state is not None and state.child_pid is not None:
                try:
                    reload_workers(state.child_pid, RESTART_TIMEOUT_S)
                except DeadlineExceeded as exc:
                    fail(f"{unit}: {exc}; its log is {native.process(unit).log_file}")
            else:
                native.down(only=[unit])
                native.up()
            err.print(f"[bold green]{unit} restarted[/] in {time.monotonic() - began:.1f}s")
    except StackError as exc:
        fail(str(exc))


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="one JSON object, for programs")] = False) -> None:
    """Each component's state, address, version and pid, and each connector's task states."""
    settings = StackSettings()
    try:
        report = collect_status(settings)
    except StackError as exc:
        fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        _print_status(report)
    if not all_healthy(report):
        raise typer.Exit(1)


def _print_status(report: dict) -> None:
    table = Table(title=f"readside stack ({report['stack']}, data in {report['data_dir']})")
    for column in ("component", "state", "address", "version", "pid", "restarts", "detail"):
        table.add_column(column)
    for name, c in [*report["components"].items(), *report["services"].items()]:
        state = "[green]healthy[/]" if c["healthy"] else "[red]down[/]"
        restarts = f"{c['restarts']} (last: {c['last_exit']})" if c.get("restarts") else "0"
        table.add_row(name, state, c["url"], c["version"] or "-", str(c["pid"] or "-"), restarts, c["detail"])
    out.print(table)
    if report["connectors"]:
        conns = Table(title="connectors")
        for column in ("connector", "state", "tasks"):
            conns.add_column(column)
        for name, c in report["connectors"].items():
            tasks = ", ".join(f"{t['id']}:{t['state']}" for t in c["tasks"]) or "no tasks"
            conns.add_row(name, c["state"], tasks)
        out.print(conns)
    for slot in report["replication_slots"]:
        colour = {"ok": "green", "unknown": "yellow"}.get(slot["level"], "red")
        out.print(f"replication slot {slot['name']}: [{colour}]{slot['level']}[/] {slot['detail']}", highlight=False)
    pipeline = report.get("pipeline")
    if pipeline:
        lag = ", ".join(f"{topic} {n}" for topic, n in (pipeline["lag"] or {}).items()) or "unknown"
        age = pipeline["newest_applied_change_age_s"]
        out.print(f"pipeline lag (messages): {lag}")
        out.print(f"newest applied change: {'unknown' if age is None else f'{age} s ago'}")
        if pipeline.get("source_paused"):
            out.print("[yellow]source topics paused: a backfill is indexing (the pause ends by itself)[/]")
        for projection, parts in (pipeline.get("pending_handovers") or {}).items():
            floors = ", ".join(f"{p} (since LSN {lsn})" for p, lsn in parts.items())
            out.print(
                f"[yellow]{projection}: partitions {floors} wait for a backfill's handover and index "
                f"nothing; if no backfill runs, run `readside backfill {projection}` again[/]"
            )
    models = report.get("read_models") or {}
    if models:
        out.print(
            "read models: "
            + ", ".join(f"{alias} → {', '.join(m['live']) or 'no index'}" for alias, m in models.items())
        )
    for alias, m in models.items():
        if m["also_written"]:
            out.print(
                f"  {alias}: also written, for `readside rebuild --rollback` or by an unfinished rebuild: "
                f"{', '.join(m['also_written'])} (`readside rebuild --drop-previous` ends it)"
            )
    console = report["services"].get("console")
    if console:
        out.print(f"status page: {console['url']}/ ({'live' if console['healthy'] else 'down'})")
    out.print(f"write API token: {report['write_token']}")


@app.command()
def migrate() -> None:
    """Apply pending SQL migrations (schemas/migrations) to the stack's database, once each."""
    from services.write_api.adapters.migrations import MigrationError, migrate as apply_migrations

    settings = StackSettings()
    try:
        applied = apply_migrations(settings.postgres_dsn(postgres_password(settings)))
    except (MigrationError, StackError) as exc:
        fail(str(exc))
    err.print(f"[green]✓[/] applied: {', '.join(applied)}" if applied else "[green]✓[/] migrations up to date")


@app.command()
def demo(
    quick: Annotated[
        bool, typer.Option(help="CI size: tens of customers and products, a few hundred orders, 10 s of live load")
    ] = False,
    duration: Annotated[float | None, typer.Option(help="seconds of live workload (default 60, quick 10)")] = None,
    customers: Annotated[int | None, typer.Option(help="customers to seed (default 300, quick 40)")] = None,
    products: Annotated[int | None, typer.Option(help="products to seed (default 200, quick 30)")] = None,
    orders: Annotated[int | None, typer.Option(help="orders to seed (default 2000, quick 300)")] = None,
    seed: Annotated[int, typer.Option(help="random seed: the same seed makes the same shop")] = 42,
) -> None:
    """Bring the stack up, seed a shop, run a live workload, show searches and read-your-writes, verify."""
    from infra.demo.clients import DemoError
    from infra.demo.run import DemoOptions, run_demo

    settings = StackSettings()
    try:
        options = DemoOptions.resolve(quick, seed, duration, customers, products, orders)
        clean = run_demo(settings, options, out)
    except (DemoError, StackError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err.print("[yellow]demo interrupted[/]: the stack keeps running; `readside down` stops it")
        raise typer.Exit(130) from None
    if not clean:
        raise typer.Exit(1)


app.command("verify")(verify_read_models)
app.command()(backfill)
app.command("rebuild")(rebuild_command)

if __name__ == "__main__":
    app()
