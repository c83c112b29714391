"""`readside verify` (and `--repair`) and `readside backfill`: the read models against Postgres."""

from __future__ import annotations

import time
from typing import Annotated, TypeVar

import typer

from infra.cli.output import err, fail, out
from infra.secrets import control_token, postgres_password
from infra.settings import StackMode, StackSettings

T = TypeVar("T")


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
        fail(f"unknown read model(s): {', '.join(unknown)}; known: {', '.join(CHECKS)}")
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
    from pipelines.settings import PipelineSettings

    targets = rebuild_targets(PipelineSettings())
    dsn = settings.postgres_dsn(postgres_password(settings))
    ids: dict[str, list[str]] = {}
    for diff in diffs:
        if diff.problem:
            err.print(f"{diff.model}: not repaired ({diff.problem}); `readside rebuild {diff.model}` builds it anew")
        elif diff.count:
            try:
                done = repair(targets[diff.model], diff, dsn, settings.elasticsearch_url, settings.search_engine.value)
            except SnapshotError as exc:
                fail(str(exc))
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
    from pipelines.settings import PipelineSettings

    targets = {"products": products_target}
    if model not in targets:
        fail(f"no backfill for read model {model!r}; known: {', '.join(targets)}")
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
                workers=running_workers(settings),
            )
    except (BackfillError, HandoverError, SnapshotError) as exc:
        fail(str(exc))
    out.print(
        f"[bold green]{model} backfilled[/]: {report.documents:,} documents at LSN {report.lsn} in "
        f"{report.index_s:.1f} s ({report.rate:,.0f}/s), {report.newer} already newer, {report.deleted} "
        f"deleted; the stream took over {report.handover_s:.1f} s later"
    )


def running_workers(settings: StackSettings) -> int:
    """How many pipeline workers a backfill asks to pause: the native stack's, running or wanted, else
    READSIDE_WORKERS (worker k serves on the first worker's web port plus k-1)."""
    if settings.stack is not StackMode.native:
        return settings.workers
    from infra.native.stack import NativeStack

    return max(1, sum(1 for unit in NativeStack(settings).units if getattr(unit, "role", None) == "pipeline"))
