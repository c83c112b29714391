"""Measure the products read model end to end in one run; append the figures, with the machine, to results.

Against the running native stack (`readside up`), loopback only. In order: COPY N products into
Postgres and index them with `readside backfill` (a snapshot, bulk-indexed, then handed over to the
stream), and the raw Elasticsearch bulk ceiling on the same documents (worker RSS sampled along the
way); commit → readable at fixed rates; commit → searchable; a rising rate until p99 passes 1 s. Then it
deletes its products (DELETE in batches, the pipeline removes their documents) and any scratch index.
Every phase is bounded in time. `--quick` is a ~3-minute smoke run.

    .venv/bin/python bench/products_pipeline.py [--quick] [--note "what else ran"]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import products_backfill as backfill  # noqa: E402
import products_summary as summary  # noqa: E402
from machine_info import load_average  # noqa: E402
from products_phases import Context, Phase, percentile, run_phase  # noqa: E402
from products_report import PhaseFigures, figures  # noqa: E402
from products_stack import CpuMeter, other_load, pipeline_worker_pid, rss_mb, scrape_histograms  # noqa: E402

from catalog import derive  # noqa: E402
from catalog.registry import read_model  # noqa: E402
from infra.backfill.products import products_target  # noqa: E402
from infra.backfill.runner import StreamPause, run_backfill, worker_url  # noqa: E402
from infra.secrets import postgres_password  # noqa: E402
from infra.settings import StackSettings  # noqa: E402
from pipelines.settings import PipelineSettings  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "products.md"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SEQ_SPAN = 100_000_000  # values written in one phase stay below the next phase's (prices only grow)


@dataclass
class Run:
    args: argparse.Namespace
    ctx: Context
    settings: StackSettings
    pipeline: PipelineSettings
    stack: dict = field(default_factory=dict)
    busy: list = field(default_factory=list)
    load_before: str = ""
    load_after: str = ""
    backfill: dict = field(default_factory=dict)
    idle_cpu: dict = field(default_factory=dict)
    latency: list[PhaseFigures] = field(default_factory=list)
    search: list[PhaseFigures] = field(default_factory=list)
    steps: list[PhaseFigures] = field(default_factory=list)
    rss_end: float | None = None
    cleanup: str = "not run"
    phases_run: int = 0


def say(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


async def measure_backfill(run: Run) -> list[int]:
    a, ctx = run.args, run.ctx
    say(f"backfill: generating {a.products} products")
    rows = backfill.make_rows(ctx.run, a.products)
    worker = pipeline_worker_pid(ctx.run_dir)
    run.backfill.update(rss_before=rss_mb(worker), worker_before=worker)
    loop = asyncio.get_running_loop()
    ready, inserting, handed_over = asyncio.Event(), loop.create_future(), loop.create_future()
    ids_hint = [backfill.max_product_id(ctx.dsn) + 1, 2**62]  # narrowed once the run's ids are known
    watcher = asyncio.create_task(
        backfill.watch_read_model(
            ctx.es_url,
            ctx.alias,
            ctx.bootstrap,
            run.pipeline.pipeline_app_id,
            [ctx.source_topic, run.pipeline.source_topic("inventory")],
            ids_hint,
            a.products,
            ctx.run_dir,
            [10_000, a.products],
            a.backfill_timeout,
            ready,
            inserting,
            handed_over,
        )
    )
    await asyncio.wait_for(ready.wait(), 60)
    meter, histograms = CpuMeter(ctx.run_dir), scrape_histograms(ctx.metrics_url)
    meter.start()
    topics = [ctx.source_topic, run.pipeline.source_topic("inventory")]
    base = await backfill.events_in(ctx.bootstrap, topics)
    # "Existing" products: in Postgres and captured by Debezium before indexing starts. The stream waits
    # meanwhile (as it would for a backfill), so it indexes none of them ahead of the backfill.
    pause = StreamPause([worker_url(run.pipeline)], say, seconds=300)
    pause.renew()
    say(f"backfill: COPY into Postgres, {a.chunk} products per transaction")
    inserted = await loop.run_in_executor(None, backfill.insert_products, ctx.dsn, ctx.run, rows, a.chunk)
    inserting.set_result(inserted)
    ids_hint[:] = [inserted.ids[0], inserted.ids[-1]]
    say(
        f"backfill: {inserted.count} committed in {inserted.last_commit - inserted.began:.1f} s; waiting for "
        f"Debezium to capture them"
    )
    run.backfill["captured"] = await backfill.wait_in_kafka(
        ctx.bootstrap, topics, base, 2 * inserted.count, a.backfill_timeout
    )
    say("backfill: `readside backfill` indexes them from a snapshot and hands over to the stream")
    run.backfill["started"] = time.time()
    report = await loop.run_in_executor(
        None,
        run_backfill,
        products_target(run.pipeline),
        ctx.dsn,
        run.pipeline,
        lambda line: say(f"backfill: {line}"),
        a.backfill_timeout,
    )
    run.backfill.update(report=report, handed_over=time.time())
    handed_over.set_result(None)
    line = await watcher
    run.backfill.update(
        inserted=inserted,
        line=line,
        rss_after=rss_mb(pipeline_worker_pid(ctx.run_dir)),
        cpu=meter.stop(),
        histograms=scrape_histograms(ctx.metrics_url).minus(histograms),
        worker_after=pipeline_worker_pid(ctx.run_dir),
    )
    if line.done_at is None:
        say(f"backfill: NOT complete after {a.backfill_timeout:.0f} s ({line.rows[-1]['count']} documents)")
        return inserted.ids
    say(
        f"backfill: {report.documents:,} documents in {report.index_s:.1f} s ({report.rate:,.0f}/s); the stream "
        f"took over {report.handover_s:.1f} s later"
    )
    docs = backfill.fetch_documents(ctx.es_url, ctx.alias, inserted.ids)
    scratch = f"bench_products_raw_{ctx.run}"
    say(f"raw bulk ceiling: {len(docs)} documents into scratch index {scratch}")
    run.backfill["raw"] = backfill.raw_bulk(ctx.es_url, derive.mapping_file(read_model("products")), scratch, docs)
    for r in run.backfill["raw"]:
        say(f"raw bulk: {r.method}: {r.rate:,.0f} docs/s")
    return inserted.ids


async def phase(run: Run, spec: Phase, ids: list[int]) -> PhaseFigures:
    run.phases_run += 1
    rotated = ids[(run.phases_run * 7919) % len(ids) :] + ids[: (run.phases_run * 7919) % len(ids)]
    say(f"phase {spec.name}: {spec.kind} changes at {spec.rate:g}/s for {spec.seconds:g} s")
    result = await run_phase(run.ctx, spec, rotated, run.phases_run * SEQ_SPAN)
    f = figures(result)
    if result.worker_pids[0] != result.worker_pids[1]:
        say(f"phase {spec.name}: THE WORKER RESTARTED (pid {result.worker_pids[0]} → {result.worker_pids[1]})")
    extra = ""
    if spec.search:
        extra = f", searchable p99 {percentile(f.searchable, 0.99):.0f} ms"
    say(
        f"phase {spec.name}: achieved {result.achieved_rate:.0f}/s, readable p50 {f.p50:.0f} ms, "
        f"p99 {f.p99:.0f} ms, unseen {f.unseen}{extra}"
    )
    return f


async def measure_freshness(run: Run, ids: list[int]) -> None:
    a = run.args
    meter = CpuMeter(run.ctx.run_dir)
    meter.start()
    await asyncio.sleep(5)  # a fixed window to measure the idle cost of the stack
    run.idle_cpu = meter.stop()
    for rate in a.rates:
        run.latency.append(
            await phase(
                run,
                Phase(f"readable @{rate:g}/s", "price", rate, a.rate_seconds, tap=True, drain_s=a.drain_seconds),
                ids,
            )
        )
    run.search.append(
        await phase(
            run,
            Phase(
                f"searchable @{a.search_rate:g}/s",
                "name",
                a.search_rate,
                a.search_seconds,
                search=True,
                tap=True,
                drain_s=a.drain_seconds,
            ),
            ids,
        )
    )
    run.search.append(
        await phase(
            run,
            Phase(
                f"query API @{a.api_rate:g}/s",
                "name",
                a.api_rate,
                a.api_seconds,
                search=True,
                via_api=True,
                drain_s=a.drain_seconds,
            ),
            ids,
        )
    )
    # The highest rate with p99 < 1 s: up from the last fixed rate while it holds, else down until it does.
    last = run.latency[-1]
    going_up = sustained(last)
    ladder = (
        [r for r in a.step_rates if r > last.result.phase.rate]
        if going_up
        else [r for r in a.down_rates if r < last.result.phase.rate]
    )
    for rate in ladder:
        step = await phase(
            run, Phase(f"step @{rate:g}/s", "price", rate, a.step_seconds, drain_s=a.step_drain_seconds), ids
        )
        run.steps.append(step)
        if sustained(step) != going_up:
            say(f"step @{rate:g}/s {'held' if sustained(step) else 'missed'}: the ladder stops here")
            break


def sustained(f: PhaseFigures) -> bool:
    """p99 under a second, every watched change seen, and the writers kept (90 % of) the pace."""
    return f.p99 < 1000 and f.unseen == 0 and f.result.achieved_rate >= 0.9 * f.result.phase.rate


async def clean_up(run: Run, ids: list[int]) -> None:
    ctx = run.ctx
    loop = asyncio.get_running_loop()
    say("cleanup: deleting the bench products in batches")
    deleted = await loop.run_in_executor(None, backfill.delete_products, ctx.dsn, ctx.run)
    run.cleanup = f"deleted {deleted:,} bench products from Postgres"
    async with httpx.AsyncClient(base_url=ctx.es_url, timeout=10) as es:
        await es.delete(f"/bench_products_raw_{ctx.run}", params={"ignore_unavailable": "true"})
        if ids:
            body = {"query": {"range": {"id": {"gte": ids[0], "lte": ids[-1]}}}}
            began = time.monotonic()
            first = remaining = (await es.post(f"/{ctx.alias}/_count", json=body)).json()["count"]
            while remaining and time.monotonic() - began < run.args.cleanup_timeout:
                await asyncio.sleep(1)
                remaining = (await es.post(f"/{ctx.alias}/_count", json=body)).json()["count"]
            rate = (first - remaining) / max(time.monotonic() - began, 1e-6)
            run.cleanup += (
                f"; the pipeline removed their documents at {rate:,.0f}/s while the bench waited "
                f"({run.args.cleanup_timeout:.0f} s at most)"
                + (
                    f"; {remaining:,} were still to go, which it goes on deleting after the bench "
                    f"ends (~{remaining / max(rate, 1) / 60:.0f} min more at that rate)"
                    if remaining
                    else "; none left"
                )
            )
    say(f"cleanup: {run.cleanup}")


async def main_async(run: Run) -> None:
    ids: list[int] = []
    try:
        ids = await measure_backfill(run)
        if run.backfill["line"].done_at is not None:
            await measure_freshness(run, ids)
        run.rss_end = rss_mb(pipeline_worker_pid(run.ctx.run_dir))
    finally:
        if not run.args.keep_products:
            await clean_up(run, ids or [])


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    floats = lambda s: [float(x) for x in s.split(",")]  # noqa: E731
    p.add_argument("--quick", action="store_true", help="~3-minute smoke: 20k products, short phases")
    p.add_argument("--products", type=int, help="backfill size (default 200000, quick 20000)")
    p.add_argument("--chunk", type=int, default=20_000, help="products per COPY transaction")
    p.add_argument("--rates", type=floats, default=[50, 200, 1000], help="commit → readable rates")
    p.add_argument("--rate-seconds", type=float, help="per rate (default 40, quick 5)")
    p.add_argument("--search-rate", type=float, default=100)
    p.add_argument("--search-seconds", type=float, help="default 30, quick 5")
    p.add_argument("--api-rate", type=float, default=10, help="cross-check through the query API")
    p.add_argument("--api-seconds", type=float, help="default 15, quick 4")
    p.add_argument(
        "--step-rates",
        type=floats,
        default=[2000, 3000, 5000],
        help="the ladder up, when the last fixed rate held p99 < 1 s",
    )
    p.add_argument(
        "--down-rates",
        type=floats,
        default=[750, 500, 300, 150],
        help="the ladder down, when the last fixed rate did not",
    )
    p.add_argument("--step-seconds", type=float, help="per step (default 20, quick 5)")
    p.add_argument(
        "--drain-seconds",
        type=float,
        default=120,
        help="after a phase, wait this long for changes not yet seen (a backlog drains)",
    )
    p.add_argument("--step-drain-seconds", type=float, default=90)
    p.add_argument("--backfill-timeout", type=float, help="default max(300, products / 400) s")
    p.add_argument(
        "--cleanup-timeout",
        type=float,
        help="how long to wait for the pipeline to remove the deleted products' documents "
        "(default 180 s, quick 60 s); it goes on after the bench ends",
    )
    p.add_argument("--keep-products", action="store_true", help="skip the cleanup (debugging)")
    p.add_argument("--results", type=Path, default=RESULTS)
    p.add_argument("--note", default="", help="free text for the results, e.g. what else ran")
    a = p.parse_args()
    quick = a.quick
    a.products = a.products or (20_000 if quick else 200_000)
    a.rate_seconds = a.rate_seconds or (5 if quick else 40)
    a.search_seconds = a.search_seconds or (5 if quick else 30)
    a.api_seconds = a.api_seconds or (4 if quick else 15)
    a.step_seconds = a.step_seconds or (5 if quick else 20)
    a.cleanup_timeout = a.cleanup_timeout or (60 if quick else 180)
    a.backfill_timeout = a.backfill_timeout or max(300.0, a.products / 400)
    return a


def main() -> None:
    args = parse_args()
    settings, pipeline = StackSettings(), PipelineSettings()
    if settings.host not in LOOPBACK or pipeline.host not in LOOPBACK:
        raise SystemExit("the bench runs against a loopback stack only (READSIDE_HOST)")
    ctx = Context(
        run=secrets.token_hex(3),
        dsn=settings.postgres_dsn(postgres_password(settings)),
        es_url=settings.elasticsearch_url,
        alias=derive.alias(read_model("products")),
        api_url=f"http://{settings.host}:{settings.query_api_port}",
        bootstrap=settings.kafka_bootstrap,
        metrics_url=f"http://{settings.host}:{settings.pipeline_metrics_port}/metrics",
        run_dir=settings.data / "run",
        source_topic=pipeline.source_topic("products"),
        routed_topic=pipeline.changes_topic("products"),
        inventory_topic=pipeline.source_topic("inventory"),
        group=pipeline.pipeline_app_id,
    )
    run = Run(args, ctx, settings, pipeline)
    say("preflight: stack status, other load on the machine")
    run.stack = summary.preflight(settings)
    run.load_before = load_average()
    run.busy = other_load(ctx.run_dir)
    began = time.monotonic()
    try:
        asyncio.run(main_async(run))
    finally:
        run.load_after = load_average()
        text = summary.render(run, time.monotonic() - began)
        args.results.parent.mkdir(parents=True, exist_ok=True)
        with args.results.open("a") as out:
            out.write(text)
        print(text)
        say(f"appended to {args.results}")


if __name__ == "__main__":
    main()
