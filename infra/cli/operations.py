"""`readside deadletters`, `readside slot reset` and `readside connectors apply`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from infra.cli.output import err, fail, out
from infra.native.process import StackError
from infra.registrar import Registrar, load_connector_files
from infra.settings import StackSettings

T = TypeVar("T")

connectors_app = typer.Typer(help="Kafka Connect connectors (files in connectors/).", no_args_is_help=True)
slot_app = typer.Typer(help="Debezium's replication slot.", no_args_is_help=True)
deadletters_app = typer.Typer(help="Events the pipeline could not apply: list them, replay them after a fix.")


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
        fail("this drops the replication slot and snapshots every table again; add --yes to go on")
    from infra.slot_reset import reset_slots

    settings = StackSettings()
    try:
        slots = reset_slots(settings, say=lambda line: err.print(f"[green]✓[/] {line}", highlight=False))
    except StackError as exc:
        fail(str(exc))
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
        fail(
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
        fail(str(exc))
