"""The `readside` command line: up, down, status, connectors."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from infra.cli.output import err, fail, out
from infra.cli.rebuild import rebuild_command
from infra.native.process import RELOADS_IN_PLACE, RESTART_TIMEOUT_S, StackError, reload_workers
from infra.native.stack import NativeStack
from infra.polling import DeadlineExceeded
from infra.registrar import Registrar, load_connector_files
from infra.secrets import control_token, postgres_password
from infra.settings import StackMode, StackSettings
from infra.status import all_healthy, collect_status

T = TypeVar("T")

app = typer.Typer(
    help="readside: a CQRS read-model pipeline on PostgreSQL, Debezium, Kafka and Elasticsearch.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
connectors_app = typer.Typer(help="Kafka Connect connectors (files in connectors/).", no_args_is_help=True)
serve_app = typer.Typer(help="Run one of readside's services in the foreground.", no_args_is_help=True)
app.add_typer(connectors_app, name="connectors")
app.add_typer(serve_app, name="serve")
slot_app = typer.Typer(help="Debezium's replication slot.", no_args_is_help=True)
app.add_typer(slot_app, name="slot")
deadletters_app = typer.Typer(help="Events the pipeline could not apply: list them, replay them after a fix.")
app.add_typer(deadletters_app, name="deadletters")
_fail = fail
app.command("rebuild")(rebuild_command)


def _native(settings: StackSettings, action: str) -> NativeStack:
    if settings.stack is not StackMode.native:
        _fail(f"READSIDE_STACK={settings.stack.value}: readside {action} manages only the native stack")
    return NativeStack(settings, err)


@app.command()
def up() -> None:
    """Fetch what is missing, start PostgreSQL, Kafka, Connect + Debezium and Elasticsearch, register connectors."""
    settings = StackSettings()
    began = time.monotonic()
    try:
        _native(settings, "up").up()
    except StackError as exc:
        _fail(str(exc))
    err.print(f"[bold green]stack up[/] in {time.monotonic() - began:.1f}s")
    _print_status(collect_status(settings))


@app.command()
def down(purge: Annotated[bool, typer.Option(help="also delete the data folder (downloads are kept)")] = False) -> None:
    """Stop everything `up` started. Nothing of ours stays running or listening."""
    settings = StackSettings()
    try:
        stopped = _native(settings, "down").down(purge=purge)
    except StackError as exc:
        _fail(str(exc))
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
        _fail(f"unknown part(s): {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
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
                    _fail(f"{unit}: {exc}; its log is {native.process(unit).log_file}")
            else:
                native.down(only=[unit])
                native.up()
            err.print(f"[bold green]{unit} restarted[/] in {time.monotonic() - began:.1f}s")
    except StackError as exc:
        _fail(str(exc))


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="one JSON object, for programs")] = False) -> None:
    """Each component's state, address, version and pid, and each connector's task states."""
    settings = StackSettings()
    try:
        report = collect_status(settings)
    except StackError as exc:
        _fail(str(exc))
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
        _fail(str(exc))
    err.print(f"[green]✓[/] applied: {', '.join(applied)}" if applied else "[green]✓[/] migrations up to date")


@app.command("verify")
def verify_read_models(
    model: Annotated[list[str] | None, typer.Option(help="read model(s) to check; default all")] = None,
    wait: Annotated[float, typer.Option(help="seconds to let the read side catch up before reporting")] = 30.0,
    sample: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="compare about N random documents of each side per read model instead of all (quick, on a big shop)",
        ),
    ] = None,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="re-index the documents that differ from Postgres (at a snapshot's version), then compare them again",
        ),
    ] = False,
) -> None:
    """Recompute every read model from Postgres with SQL and diff it with Elasticsearch, field by field."""
    from infra.verify.runner import CHECKS, render, verify

    settings = StackSettings()
    names = model or list(CHECKS)
    unknown = sorted(set(names) - set(CHECKS))
    if unknown:
        _fail(f"unknown read model(s): {', '.join(unknown)}; known: {', '.join(CHECKS)}")
    with err.status("comparing read models with Postgres…") as spinner:
        diffs = verify(
            settings.postgres_dsn(postgres_password(settings)),
            settings.elasticsearch_url,
            names,
            wait,
            on_attempt=lambda ds: spinner.update(
                "waiting for the read side: " + ", ".join(f"{d.model} {d.summary}" for d in ds)
            ),
            sample=sample,
        )
    render(diffs, out)
    if repair and any(d.count for d in diffs):
        diffs = _repair(settings, diffs, names, wait)
    if any(d.count for d in diffs):
        raise typer.Exit(1)


def _repair(settings: StackSettings, diffs: list, names: list[str], wait: float) -> list:
    """Re-index what differs from Postgres, then compare those documents again."""
    from infra.backfill.snapshot import SnapshotError
    from infra.rebuild.repair import differing_ids, repair
    from infra.rebuild.targets import rebuild_targets
    from infra.verify.runner import render, verify
    from pipelines.core.settings import PipelineSettings

    targets = rebuild_targets(PipelineSettings())
    dsn = settings.postgres_dsn(postgres_password(settings))
    ids: dict[str, list[str]] = {}
    for diff in diffs:
        if diff.problem:
            err.print(f"{diff.model}: not repaired ({diff.problem}); `readside rebuild {diff.model}` builds it anew")
        elif diff.count:
            try:
                done = repair(targets[diff.model], diff, dsn, settings.elasticsearch_url)
            except SnapshotError as exc:
                _fail(str(exc))
            ids[diff.model] = differing_ids(diff)
            err.print(
                f"{diff.model}: {done.indexed} document(s) re-indexed and {done.deleted} deleted from Postgres at "
                f"LSN {done.lsn}; {done.newer} already newer"
                + (f"; {len(done.failed)} refused, e.g. {done.failed[0]}" if done.failed else ""),
                highlight=False,
            )
    if not ids:
        return diffs
    again = verify(dsn, settings.elasticsearch_url, list(ids), wait, on_attempt=lambda _: None, ids=ids)
    out.print("after the repair:")
    render(again, out)
    return again


@app.command()
def backfill(
    model: Annotated[str, typer.Argument(help="the read model to index from a Postgres snapshot")] = "products",
    wait: Annotated[float, typer.Option(help="seconds to wait for the stream to catch up with the snapshot")] = 1800.0,
    pause: Annotated[
        bool,
        typer.Option(
            help="pause the worker's source topics while indexing (it resumes by "
            "itself within a minute if the backfill dies)"
        ),
    ] = True,
) -> None:
    """Index a read model straight from a Postgres snapshot, then hand over to the stream (no change lost)."""
    from infra.backfill.handover import HandoverError
    from infra.backfill.products import products_target
    from infra.backfill.runner import BackfillError, run_backfill
    from infra.backfill.snapshot import SnapshotError
    from pipelines.core.settings import PipelineSettings

    targets = {"products": products_target}
    if model not in targets:
        _fail(f"no backfill for read model {model!r}; known: {', '.join(targets)}")
    settings = StackSettings()
    pipeline = PipelineSettings(control_token=control_token(settings))
    began = time.monotonic()
    try:
        with err.status(f"backfilling {model}…") as spinner:

            def progress(line: str) -> None:
                spinner.update(f"{model}: {line}")
                err.print(f"[dim]{time.monotonic() - began:6.1f}s[/] {line}", highlight=False)

            report = run_backfill(
                targets[model](pipeline),
                settings.postgres_dsn(postgres_password(settings)),
                pipeline,
                progress,
                wait_s=wait,
                pause_stream=pause,
            )
    except (BackfillError, HandoverError, SnapshotError) as exc:
        _fail(str(exc))
    out.print(
        f"[bold green]{model} backfilled[/]: {report.documents:,} documents at LSN {report.lsn} in "
        f"{report.index_s:.1f} s ({report.rate:,.0f}/s), {report.newer} already newer, {report.deleted} "
        f"deleted; the stream took over {report.handover_s:.1f} s later"
    )


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
        _fail(str(exc))
    except KeyboardInterrupt:
        err.print("[yellow]demo interrupted[/]: the stack keeps running; `readside down` stops it")
        raise typer.Exit(130) from None
    if not clean:
        raise typer.Exit(1)


@serve_app.command("write-api")
def serve_write_api() -> None:
    """The command API (uvicorn). Reads READSIDE_DATABASE_URL and READSIDE_WRITE_TOKEN; `up` sets both."""
    from services.write_api.entrypoints.server import serve
    from services.write_api.settings import WriteApiSettings

    serve(_service_settings(WriteApiSettings, "write API"))


@serve_app.command("query-api")
def serve_query_api() -> None:
    """The query API (uvicorn) over Elasticsearch, with read-your-writes tokens."""
    from services.query_api.entrypoints.server import serve
    from services.query_api.settings import QueryApiSettings

    serve(_service_settings(QueryApiSettings, "query API"))


@serve_app.command("pipeline")
def serve_pipeline() -> None:
    """The Faust worker that keeps the Elasticsearch read models (under `readside up`, its supervisor restarts
    it if it crashes or is killed: the worker exits on purpose when a batch fails, and resumes from its
    committed offsets)."""
    os.execv(sys.executable, [sys.executable, "-m", "pipelines.main"])


@serve_app.command("console")
def serve_console() -> None:
    """The status page, its JSON and the stack-wide metrics; restarts FAILED connector tasks with backoff."""
    from infra.console.app import serve

    serve(_service_settings(StackSettings, "console"))


def _service_settings(settings_class: type[T], what: str) -> T:
    """Build a service's settings from the environment, or say plainly which value is wrong."""
    from pydantic import ValidationError

    try:
        return settings_class()
    except ValidationError as exc:
        _fail(f"{what} settings: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))


@deadletters_app.callback(invoke_without_command=True)
def deadletters_list(
    ctx: typer.Context,
    reason: Annotated[str | None, typer.Option(help="only letters of this reason")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON array, for programs")] = False,
) -> None:
    """List the dead letters not yet replayed: reason, source record, time, and a preview."""
    if ctx.invoked_subcommand:
        return
    from infra.deadletters import list_letters

    letters = _with_kafka(lambda: list_letters(StackSettings(), reason))
    if as_json:
        sys.stdout.write(json.dumps([letter.as_dict() for letter in letters], indent=2) + "\n")
        return
    table = Table(title=f"dead letters not replayed: {len(letters)}")
    for column in ("letter", "reason", "projection", "source topic/partition/offset", "failed at", "error / preview"):
        table.add_column(column, overflow="fold")
    for letter in letters:
        table.add_row(
            letter.position,
            letter.reason,
            letter.projection,
            f"{letter.source_topic}/{letter.source_partition}/{letter.source_offset}",
            letter.failed_at,
            f"{letter.error[:160]}\n[dim]{letter.preview()}[/]",
        )
    out.print(table)


@deadletters_app.command("replay")
def deadletters_replay(
    reason: Annotated[str | None, typer.Option(help="only letters of this reason")] = None,
) -> None:
    """Send the dead letters (of one reason) back to the topic they came from, after the cause is fixed."""
    from infra.deadletters import replay

    sent = _with_kafka(
        lambda: replay(StackSettings(), reason, say=lambda line: err.print(f"[green]✓[/] {line}", highlight=False))
    )
    err.print(f"{sent} dead letter(s) replayed" if sent else "no dead letter to replay")


@slot_app.command("reset")
def slot_reset(
    yes: Annotated[bool, typer.Option("--yes", help="confirm: the connector snapshots every table again")] = False,
) -> None:
    """A new slot and a new snapshot: the recovery after Postgres invalidated the slot (`readside status` says so).
    Stops the connector, deletes its offsets, drops the slot, resumes; then run `readside verify`."""
    if not yes:
        _fail("this drops the replication slot and snapshots every table again; add --yes to go on")
    from infra.slot_reset import reset_slots

    settings = StackSettings()
    try:
        slots = reset_slots(settings, say=lambda line: err.print(f"[green]✓[/] {line}", highlight=False))
    except StackError as exc:
        _fail(str(exc))
    err.print(
        f"new slot(s): {', '.join(slots) or 'none (no connector names a slot)'}. When the snapshot has "
        "been applied (`readside status` shows the lag fall to 0), run `readside verify`: rows deleted while "
        "the old slot was lost are the one thing a snapshot cannot bring back, and show there"
    )


def _with_kafka(action: Callable[[], T]) -> T:
    """Run `action`; an unreachable Kafka is one line saying so, not a traceback."""
    from aiokafka.errors import KafkaError

    try:
        return action()
    except KafkaError as exc:
        _fail(
            f"Kafka at {StackSettings().kafka_bootstrap} did not answer ({exc}): is the stack up? "
            "`readside status` shows it"
        )


@connectors_app.command("apply")
def connectors_apply(
    directory: Annotated[Path | None, typer.Option("--dir", help="folder of connector JSON files")] = None,
) -> None:
    """PUT every connector file to Kafka Connect and wait until connector and tasks are RUNNING."""
    settings = StackSettings()
    try:
        files = load_connector_files(directory or settings.connectors_dir)
        Registrar(
            settings.connect_url, settings.connector_timeout_s, say=lambda line: err.print(f"[green]✓[/] {line}")
        ).apply_all(files)
    except StackError as exc:
        _fail(str(exc))


if __name__ == "__main__":
    app()
