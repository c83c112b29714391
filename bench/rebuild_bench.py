"""`readside rebuild` against the raw Elasticsearch bulk rate of the same documents, with reads going on.

Against the running native stack (`readside up`), loopback only. The Debezium connector is paused for the
whole run (resumed at the end, also on error): the seeded rows would otherwise become ~800k change events
competing for the cores, and a rebuild reads Postgres directly. Then: a shop COPYed into Postgres (bench
products with stock, customers, N orders with 1-4 lines over 60 days); per model (orders, customers, sales,
product_sales, products) the raw baseline (its documents fetched once with the rebuild's SQL, then timed
`parallel_bulk` into a scratch index with its mapping) and `readside rebuild <model>` through the CLI, while a
reader process does plain reads through the query API. Appends the figures to bench/results/rebuild.md.

    .venv/bin/python bench/rebuild_bench.py                  # 200,000 orders, ~15-25 min
    .venv/bin/python bench/rebuild_bench.py --orders 5000    # smoke, ~2 min
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import httpx
from elasticsearch import Elasticsearch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rebuild_parts as parts  # noqa: E402
from machine_info import append_results, load_average, machine  # noqa: E402

from infra.rebuild.targets import rebuild_targets  # noqa: E402
from infra.secrets import postgres_password  # noqa: E402
from infra.settings import StackSettings  # noqa: E402
from pipelines.settings import PipelineSettings  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "rebuild.md"
CONNECTOR = "postgres-source"
MODELS = ("orders", "customers", "sales", "product_sales", "products")
READING = """Reading: a rebuild's index seconds run the model's SQL as well as the bulk (raw fetches its documents
before the clock, shown as "SQL alone") and end with the refresh (shown apart for raw), so a model whose SQL
costs about as much as its indexing cannot reach the raw rate when Postgres, Elasticsearch and the client
share two cores. Aggregates (customers, sales, product_sales) send nothing before their GROUP BY is done.
With a few thousand documents or fewer (sales, products) fixed costs dominate and the rate says little:
compare rebuild index s with SQL alone + raw bulk + refresh instead. Reads: ok is 200, or 404 for an id
seeded by this run whose model was not rebuilt yet (the stream is paused); anything else is failed."""


def connector(connect_url: str, action: str, want: str, timeout_s: float = 60.0) -> None:
    """PUT pause/resume, then wait until the connector and its tasks are in state `want`."""
    with httpx.Client(base_url=connect_url, timeout=10) as client:
        client.put(f"/connectors/{CONNECTOR}/{action}").raise_for_status()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = client.get(f"/connectors/{CONNECTOR}/status").json()
            states = [status["connector"]["state"]] + [t["state"] for t in status.get("tasks", [])]
            if all(s == want for s in states):
                return
            time.sleep(0.5)
    raise RuntimeError(f"connector {CONNECTOR} not {want} after {timeout_s:.0f} s: {states}")


def some_ids(es: Elasticsearch, alias: str, n: int = 2000) -> list[int]:
    """Ids of documents the live index holds before the run (they must answer 200 throughout)."""
    return [int(h["_id"]) for h in es.search(index=alias, size=n, source=False)["hits"]["hits"]]


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(args, model: str, target, dsn: str, es: Elasticsearch, plan, meter: parts.TreeMeter) -> dict:
    rows, sql_s = parts.fetch_documents(dsn, target.documents_sql)
    print(f"{model}: {len(rows):,} documents; SQL + fetch alone {sql_s:.1f} s; raw bulk", flush=True)
    cpu0, wall0 = cpu_self(), time.perf_counter()
    meter.start()
    raw = parts.raw_bulk(es, target.mapping, f"rebuild-bench-raw-{model.replace('_', '-')}", rows)
    raw.update(cpu=meter.stop(), bench_cores=(cpu_self() - cpu0) / (time.perf_counter() - wall0), sql_s=sql_s)
    del rows
    print(f"{model}: raw {raw['docs'] / raw['bulk_s']:,.0f}/s ({raw['bulk_s']:.1f} s); readside rebuild", flush=True)
    mp = multiprocessing.get_context("spawn")
    ready, stop, out = mp.Event(), mp.Event(), mp.Queue()
    proc = mp.Process(target=parts.reader, args=(args.query_url, plan, args.read_rate, ready, stop, out), daemon=True)
    proc.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("the reader did not start")
        meter.start()
        rebuilt = parts.run_rebuild(model, args.timeout)
        rebuilt["cpu"] = meter.stop()
    finally:
        stop.set()
    reads = out.get(timeout=60)
    proc.join(10)
    print(
        f"{model}: rebuild {rebuilt['rate']:,}/s ({rebuilt['index_s']:.1f} s index, {rebuilt['total_s']:.1f} s "
        f"in all); {len(reads['results'])} reads",
        flush=True,
    )
    return {"model": model, "raw": raw, "rebuild": rebuilt, "reads": reads}


def read_figures(results: list[tuple]) -> dict:
    ok = [r for r in results if r[1] == 200 or (r[1] == 404 and r[0].endswith("_new"))]
    latencies = [r[2] for r in results if r[1] != 0]
    return {
        "n": len(results),
        "ok": len(ok),
        "failed": len(results) - len(ok),
        "not_yet": sum(1 for r in results if r[1] == 404 and r[0].endswith("_new")),
        "p50": parts.percentile(latencies, 0.50),
        "p99": parts.percentile(latencies, 0.99),
        "statuses": sorted({r[1] for r in results if r[1] != 200 and not (r[1] == 404 and r[0].endswith("_new"))}),
    }


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def report(
    args,
    sizes: dict,
    seeded: dict,
    runs: list[dict],
    started: datetime,
    load_before: str,
    idle: dict,
    bench_cpu_s: float,
    wall_s: float,
) -> str:
    m = machine()
    lines = [
        f"\n## {started:%Y-%m-%d %H:%M} UTC: rebuild against raw bulk, {args.orders:,} orders\n",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}, Python {m['python']}",
        f"- load average before {load_before}, after {load_average()}; in 3 s before the run the machine was "
        f"busy {idle['machine busy']:.2f} cores ("
        + ", ".join(f"{k} {v:.2f}" for k, v in idle.items() if k != "machine busy" and v >= 0.01)
        + ")"
        + (f"; {args.note}" if args.note else ""),
        f"- seeded by COPY (connector `{CONNECTOR}` paused for the whole run, see below): {sizes['products']:,} "
        f"products (+ inventory), {sizes['customers']:,} customers, {sizes['orders']:,} orders with "
        f"{sizes['lines']:,} lines over {parts.DAYS} days, in **{seeded['total_s']:.1f} s** (products "
        f"{seeded['products_s']:.1f} s, customers {seeded['customers_s']:.1f} s, orders + lines "
        f"{seeded['orders_s']:.1f} s; rows generated beforehand in {seeded['generate_s']:.1f} s)",
        "- raw: the model's `documents_sql` run once (same params), then `parallel_bulk` (2 threads, chunks of "
        "2,000, plain index ops) into a scratch index with its mapping, refresh -1, 0 replicas; rebuild: "
        "`readside rebuild <model>` (CLI), its printed documents / index seconds; raw then rebuild per model",
        f"- reads: one process, sequential GETs on the query API at {args.read_rate:g}/s during each rebuild\n",
        "| model | documents | raw docs/s | rebuild docs/s | ratio | rebuild index s | rebuild total s "
        "| reads ok | reads failed | read p50 ms | read p99 ms |",
        "|---|" + "---:|" * 10,
    ]
    for run in runs:
        raw, reb, rd = run["raw"], run["rebuild"], read_figures(run["reads"]["results"])
        raw_rate = raw["docs"] / raw["bulk_s"]
        lines.append(
            f"| {run['model']} | {reb['docs']:,} | {raw_rate:,.0f} | {reb['rate']:,} | "
            f"**{reb['rate'] / raw_rate:.0%}** | {reb['index_s']:.1f} | {reb['total_s']:.1f} | {rd['ok']:,} | "
            f"{rd['failed']:,} | {ms(rd['p50'])} | {ms(rd['p99'])} |"
        )
    lines += [
        "",
        "Where the time goes (cores: CPU seconds / wall seconds of that phase; 1.00 = one core busy; "
        "`SQL alone`: the model's query run and fetched through a server-side cursor, no Elasticsearch):\n",
        "| model | SQL alone s | raw bulk s | raw refresh s | rebuild index s | CLI wall s | CLI CPU s "
        "| raw: ES / bench cores | rebuild: PG / ES / CLI cores | machine busy (raw / rebuild) |",
        "|---|" + "---:|" * 9,
    ]
    for run in runs:
        raw, reb = run["raw"], run["rebuild"]
        rc, bc = raw["cpu"], reb["cpu"]
        lines.append(
            f"| {run['model']} | {raw['sql_s']:.1f} | {raw['bulk_s']:.1f} | {raw['refresh_s']:.1f} | "
            f"{reb['index_s']:.1f} | {reb['wall_s']:.1f} | {reb['cpu_s']:.1f} | "
            f"{rc.get('elasticsearch', 0):.2f} / {raw['bench_cores']:.2f} | "
            f"{bc.get('postgres', 0):.2f} / {bc.get('elasticsearch', 0):.2f} / "
            f"{reb['cpu_s'] / reb['wall_s']:.2f} | {rc.get('machine busy', 0):.2f} / "
            f"{bc.get('machine busy', 0):.2f} |"
        )
    lines += [
        "",
        "Reads during each rebuild (ok: 200, or 404 for an id seeded by this run whose model had not been "
        "rebuilt yet):\n",
        "| model | reads | 200 | 404 not yet rebuilt | other statuses | reader CPU s / wall s |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for run in runs:
        rd, rr = read_figures(run["reads"]["results"]), run["reads"]
        lines.append(
            f"| {run['model']} | {rd['n']:,} | {rd['ok'] - rd['not_yet']:,} | {rd['not_yet']:,} | "
            f"{', '.join(map(str, rd['statuses'])) or '-'} | {rr['cpu_s']:.1f} / {rr['wall_s']:.1f} |"
        )
    every = [r for run in runs for r in run["reads"]["results"]]
    kinds = sorted({r[0] for r in every})
    lines += [
        "",
        "By kind, over all rebuilds: "
        + "; ".join(
            f"{k} p50 {ms(parts.percentile([r[2] for r in every if r[0] == k], 0.5))} / p99 "
            f"{ms(parts.percentile([r[2] for r in every if r[0] == k], 0.99))} ms"
            for k in kinds
        )
        + ".",
        f"\nThe bench process itself used {bench_cpu_s:.0f} s of CPU over {wall_s:.0f} s (row generation, "
        f"seeding, fetching the documents, the raw bulk client).",
        "",
        READING,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--read-rate", type=float, default=50.0, help="reads/s during each rebuild")
    parser.add_argument("--query-url", default="http://127.0.0.1:8002")
    parser.add_argument("--timeout", type=float, default=1800.0, help="bound on one rebuild, s")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    settings, pipeline = StackSettings(), PipelineSettings()
    for url in (args.query_url, settings.connect_url, pipeline.elasticsearch_url):
        if urlparse(url).hostname not in {"127.0.0.1", "localhost", "::1"}:
            parser.error(f"{url}: loopback only")
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    targets = rebuild_targets(pipeline)
    dsn = settings.postgres_dsn(postgres_password(settings))
    started, began, load_before = datetime.now(UTC), time.perf_counter(), load_average()
    run_label = f"{int(time.time()):x}"
    t0 = time.perf_counter()
    shop = parts.make_shop(run_label, args.products, args.customers, args.orders)
    generate_s = time.perf_counter() - t0
    meter = parts.TreeMeter(ROOT / ".readside" / "run")
    runs: list[dict] = []
    with Elasticsearch(pipeline.elasticsearch_url, request_timeout=300) as es:
        old_orders, old_customers = some_ids(es, targets["orders"].alias), some_ids(es, targets["customers"].alias)
        meter.start()
        time.sleep(3)
        idle = meter.stop()
        print(f"generated {args.orders:,} orders in {generate_s:.1f} s; pausing {CONNECTOR}", flush=True)
        connector(settings.connect_url, "pause", "PAUSED")
        try:
            t0 = time.perf_counter()
            seeded = parts.seed_shop(dsn, shop)
            seeded.update(total_s=time.perf_counter() - t0, generate_s=generate_s)
            print(f"seeded in {seeded['total_s']:.1f} s", flush=True)
            plan = parts.read_plan(old_orders, seeded["order_ids"], old_customers, seeded["customer_ids"], 11)
            for model in models:
                runs.append(measure(args, model, targets[model], dsn, es, plan, meter))
        finally:
            connector(settings.connect_url, "resume", "RUNNING")
            print(f"{CONNECTOR} resumed", flush=True)
    sizes = {
        "products": args.products,
        "customers": args.customers,
        "orders": args.orders,
        "lines": sum(len(x) for x in shop.lines),
    }
    text = report(args, sizes, seeded, runs, started, load_before, idle, cpu_self(), time.perf_counter() - began)
    append_results(args.results, text)
    print(text)


if __name__ == "__main__":
    main()
