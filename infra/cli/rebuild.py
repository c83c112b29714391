"""`readside rebuild`: a read model anew into a versioned index behind its alias (infra/rebuild)."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from infra.cli.output import err, fail, out
from infra.secrets import postgres_password
from infra.settings import StackSettings


def rebuild_command(
    model: Annotated[str, typer.Argument(help="a read model declared in models/ (products, orders, ...), or all")],
    rollback: Annotated[
        bool, typer.Option("--rollback", help="move the alias back to the version the last rebuild replaced")
    ] = False,
    drop_previous: Annotated[
        bool, typer.Option("--drop-previous", help="delete the version kept for rollback (the worker stops writing it)")
    ] = False,
) -> None:
    """Rebuild a read model into a new index from a Postgres snapshot and the stream, then switch its alias.

    Reads go on from the live index meanwhile; the old index is kept (and kept current) for --rollback."""
    from infra.backfill.handover import HandoverError
    from infra.backfill.runner import BackfillError
    from infra.backfill.snapshot import SnapshotError
    from infra.rebuild.runner import RebuildError, drop_previous as drop, rebuild, rollback as roll_back
    from infra.rebuild.targets import rebuild_targets
    from pipelines.settings import PipelineSettings
    from search_client import ApiError, TransportError

    settings = StackSettings()
    pipeline = PipelineSettings()
    targets = rebuild_targets(pipeline)
    names = list(targets) if model == "all" else [model]
    if any(name not in targets for name in names):
        fail(f"unknown read model {model!r}; known: {', '.join(targets)}, all")
    if rollback and drop_previous:
        fail("--rollback and --drop-previous exclude each other")
    began = time.monotonic()

    def say(line: str) -> None:
        err.print(f"[dim]{time.monotonic() - began:6.1f}s[/] {line}", highlight=False)

    try:
        for name in names:
            target = targets[name]
            if rollback:
                moved_from, moved_to = roll_back(target, pipeline)
                out.print(f"[bold green]{target.alias}[/] now reads {moved_to} (was {moved_from}; both stay current)")
            elif drop_previous:
                dropped = drop(target, pipeline, say)
                out.print(
                    f"[bold green]{target.alias}[/]: "
                    + (f"dropped {', '.join(dropped)}" if dropped else "no previous version was kept")
                )
            else:
                report = rebuild(target, settings.postgres_dsn(postgres_password(settings)), pipeline, say)
                out.print(
                    f"[bold green]{target.alias} rebuilt[/] into {report.index}: {report.documents:,} "
                    f"documents at LSN {report.lsn} in {report.index_s:.1f} s ({report.rate:,.0f}/s), "
                    f"{report.total_s:.1f} s in all; {report.replaced} is kept for `readside rebuild "
                    f"--rollback {name}`"
                )
    except (RebuildError, BackfillError, HandoverError, SnapshotError) as exc:
        fail(str(exc))
    except (ApiError, TransportError) as exc:
        fail(f"Elasticsearch at {settings.elasticsearch_url}: {exc}")
