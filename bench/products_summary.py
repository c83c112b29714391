"""The products bench's preflight (stack state, versions, settings) and the markdown section it appends."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
from machine_info import machine
from products_phases import percentile
from products_report import cpu_table, readable_table, searchable_table, stages_table, verdict

from infra.settings import CONNECTORS_DIR, StackSettings
from infra.status import all_healthy, collect_status


def preflight(settings: StackSettings) -> dict:
    status = collect_status(settings)
    if not all_healthy(status):
        raise SystemExit("the stack is not healthy (see `readside status`); the bench needs all of it running")
    index = httpx.get(f"{settings.elasticsearch_url}/products/_settings", timeout=5).json()
    refresh = next(iter(index.values()))["settings"]["index"].get("refresh_interval", "1s (default)")
    connector = json.loads((CONNECTORS_DIR / "postgres-source.json").read_text())["config"]
    c = status["components"]
    return {
        "versions": {k: c[k]["version"] for k in ("postgres", "kafka", "elasticsearch", "connect")},
        "debezium": c["connect"]["detail"],
        "refresh": refresh,
        "index": next(iter(index)),
        "poll_interval_ms": connector.get("poll.interval.ms"),
        "heartbeat_ms": connector.get("heartbeat.interval.ms"),
    }


def _refresh_ms(text: str) -> float:
    text = text.split()[0]
    return float(text[:-2]) if text.endswith("ms") else float(text[:-1]) * 1000


def _targets(run, refresh_ms: float) -> list[str]:
    rows = ["| # | target | measured | verdict |", "|---|---|---|---|"]
    for f in run.latency:
        ok = f.p50 <= 60 and f.p99 <= 150
        rows.append(
            f"| 1 | commit → readable @{f.result.phase.rate:g}/s: p50 ≤ 60 ms, p99 ≤ 150 ms | "
            f"p50 {f.p50:.0f} ms, p99 {f.p99:.0f} ms (achieved {f.result.achieved_rate:.0f}/s) | "
            f"{verdict(ok)} |"
        )
    limit = refresh_ms + 250
    for f in run.search[:1]:
        p99 = percentile(f.searchable, 0.99)
        api = "".join(
            f"; through the query API at {g.result.phase.rate:g}/s: p99 {percentile(g.searchable, 0.99):.0f} ms"
            for g in run.search[1:2]
        )
        rows.append(
            f"| 2 | commit → searchable p99 ≤ refresh {refresh_ms:.0f} ms + 250 ms = {limit:.0f} ms | "
            f"p99 {p99:.0f} ms (p50 {percentile(f.searchable, 0.5):.0f} ms) at "
            f"{f.result.phase.rate:g}/s{api} | {verdict(p99 <= limit)} |"
        )
    held = [
        f
        for f in [*run.latency, *run.steps]
        if f.p99 < 1000 and f.unseen == 0 and f.result.achieved_rate >= 0.9 * f.result.phase.rate
    ]
    best = max(held, key=lambda f: f.result.achieved_rate, default=None)
    tried = max((f.result.phase.rate for f in [*run.latency, *run.steps]), default=0)
    rows.append(
        f"| 3 | highest sustained change rate with p99 < 1 s; aim 5,000/s | "
        f"{f'{best.result.achieved_rate:.0f}/s (p99 {best.p99:.0f} ms)' if best else 'none'}; "
        f"highest tried {tried:g}/s | {verdict(bool(best) and best.result.phase.rate >= 5000)} |"
    )
    b = run.backfill
    ratio = b.get("ratio")
    measured = (
        f"{ratio * 100:.0f} % ({b['pipeline_rate']:,.0f} vs {b['ceiling']:,.0f} docs/s)" if ratio else "not measured"
    )
    rows.append(
        f"| 4 | backfill ≥ 75 % of the raw bulk rate | {measured} | {verdict(ratio >= 0.75 if ratio else None)} |"
    )
    line = b.get("line")
    at = line.rss_at if line else {}
    marks = sorted(at)
    if len(marks) == 2:
        low, high = at[marks[0]], at[marks[1]]
        flat = high <= low * 1.10
        rows.append(
            f"| 5 | worker RSS ≤ 250 MB and flat (≤ +10 % from {marks[0]:,} to {marks[1]:,} docs) | "
            f"{low:.0f} MB → {high:.0f} MB | {verdict(high <= 250 and low <= 250 and flat)} |"
        )
    else:
        rows.append("| 5 | worker RSS ≤ 250 MB and flat | not sampled | n/a |")
    return rows


def backfill_figures(b: dict) -> None:
    """Derive the rates: the backfill's clock runs from its snapshot to every document indexed and refreshed."""
    report = b.get("report")
    if report is None or not report.index_s:
        return
    b["pipeline_seconds"] = report.index_s
    b["pipeline_rate"] = report.rate
    if b.get("raw"):
        b["ceiling"] = max(r.rate for r in b["raw"])
        b["ratio"] = b["pipeline_rate"] / b["ceiling"]


def _backfill_section(run) -> list[str]:
    b = run.backfill
    inserted, line = b.get("inserted"), b.get("line")
    if inserted is None or line is None:
        return ["Not measured (the run stopped before the backfill)."]
    t0 = inserted.first_commit
    out = [
        f"- Postgres: {inserted.count:,} products + {inserted.count:,} inventory rows, COPY in transactions of "
        f"{run.args.chunk:,} products; first commit {inserted.first_commit - inserted.began:.1f} s after the "
        f"start, last {inserted.last_commit - inserted.began:.1f} s"
    ]
    if line.in_kafka_at:
        rows = 2 * inserted.count
        out.append(
            f"- every change event in Kafka (Debezium streaming) {line.in_kafka_at - t0:.1f} s after the first "
            f"commit: {rows / (line.in_kafka_at - t0):,.0f} rows/s ({rows:,} rows)"
        )
    routed_at = line.first("routed", 2 * inserted.count)
    if routed_at:
        out.append(
            f"- the router's committed offsets covered them {routed_at - t0:.1f} s after the first commit "
            f"(offsets are committed every second)"
        )
    report = b.get("report")
    if report is not None:
        if b.get("captured"):
            out.append(
                f"- the stream paused from before the COPY; Debezium had captured every row "
                f"{b['captured'] - t0:.1f} s after the first commit"
            )
        out.append(
            f"- `readside backfill` started {b['started'] - t0:.1f} s after the first commit: snapshot at LSN "
            f"{report.lsn} (writers waited {report.lock_s * 1000:.0f} ms), {report.documents:,} documents "
            f"indexed, refreshed and {report.deleted} stale ones deleted in {report.index_s:.1f} s: "
            f"**{report.rate:,.0f} docs/s**"
        )
        out.append(
            f"- the stream caught up with the snapshot and took over {report.handover_s:.1f} s later "
            f"({b['handed_over'] - t0:.1f} s after the first commit)"
        )
    if line.done_at is None:
        out.append(f"- **not complete** after {run.args.backfill_timeout:.0f} s: {line.rows[-1]['count']:,} documents")
    else:
        out.append(
            f"- all {inserted.count:,} bench documents complete (on_hand set) {line.done_at - t0:.1f} s after "
            f"the first commit"
        )
    for r in b.get("raw", []):
        out.append(
            f"- raw Elasticsearch bulk, same {r.docs:,} documents (fetched back from the index), scratch index "
            f"with the {run.stack['index']} mapping and settings, {r.method}, refresh at the end: "
            f"{r.seconds:.1f} s = **{r.rate:,.0f} docs/s**"
        )
    if b.get("ratio"):
        out.append(f"- ratio backfill / best raw: **{b['ratio'] * 100:.0f} %**")
    if b.get("histograms"):
        h = b["histograms"]
        p50, n = h.quantile("readside_es_bulk_seconds", 'index="products"', 0.5)
        p99, _ = h.quantile("readside_es_bulk_seconds", 'index="products"', 0.99)
        if n:
            out.append(
                f"- the worker's bulk requests to {run.stack['index']} meanwhile: {n:,} "
                f"(≈ {2 * inserted.count / n:,.0f} change events each), p50 {p50 * 1000:.0f} ms, "
                f"p99 {p99 * 1000:.0f} ms"
            )
    out += [
        "",
        "| s after first commit | documents complete | change events in Kafka | routed (committed) | worker RSS MB |",
        "|---:|---:|---:|---:|---:|",
    ]
    step = max(1, len(line.rows) // 12)
    for row in line.rows[::step] + ([line.rows[-1]] if (len(line.rows) - 1) % step else []):
        rss = f"{row['rss']:.0f}" if row["rss"] else "-"
        out.append(f"| {row['t'] - t0:.1f} | {row['count']:,} | {row['in_kafka']:,} | {row['routed']:,} | {rss} |")
    return out


def _rss_section(run) -> list[str]:
    b, line = run.backfill, run.backfill.get("line")
    fmt = lambda v: f"{v:.0f} MB" if v else "-"  # noqa: E731
    marks = (
        ", ".join(
            f"once the stream had routed the changes of {mark:,} products {fmt(v)}"
            for mark, v in sorted(line.rss_at.items())
        )
        if line
        else "-"
    )
    return [
        f"- pipeline worker (child of the supervisor in .readside/run/pipeline.pid), VmRSS: before the "
        f"backfill {fmt(b.get('rss_before'))}; {marks}; once the stream had taken over {fmt(b.get('rss_after'))}; "
        f"at the end of the load phases {fmt(run.rss_end)}",
        f"- table store: `{run.pipeline.pipeline_table_store}`",
    ]


def render(run, seconds: float) -> str:
    backfill_figures(run.backfill)
    m, st, a = machine(), run.stack, run.args
    refresh_ms = _refresh_ms(st.get("refresh", "1s"))
    busy = "; ".join(f"`{cmd}` {share:.2f} core" for cmd, share in run.busy) or "none above 5 % of a core"
    p = run.pipeline
    lines = [
        f"## {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}: products pipeline "
        f"({'quick smoke' if a.quick else 'full run'}, {seconds / 60:.1f} min)",
        "",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}",
        f"- versions: Python {m['python']}, PostgreSQL {st['versions']['postgres']}, Kafka "
        f"{st['versions']['kafka']} (Connect {st['versions']['connect']}, {st['debezium']}), Elasticsearch "
        f"{st['versions']['elasticsearch']}",
        f"- settings: index `{st['index']}` refresh {st['refresh']}; Debezium poll.interval.ms "
        f"{st['poll_interval_ms']}, heartbeat {st['heartbeat_ms']} ms; worker batch ≤ {p.pipeline_batch_max} events, "
        f"gathering ≤ {p.pipeline_batch_gather_s * 1000:g} ms, bulk ≤ {p.bulk_max_actions} actions, "
        f"{p.topic_partitions} partitions",
        f"- other load: load average (1/5/15 min) before the run {run.load_before}; processes outside the "
        f"stack over a 3 s sample: {busy}",
        *([f"- note: {a.note}"] if a.note else []),
        "- method: writers are separate processes (psycopg, autocommit, one row per transaction, "
        "open-loop schedule), commit time taken when the statement returns; readers poll Elasticsearch "
        "(`_mget` realtime on the alias for GET, `terms` search on the name token for search) for every "
        "pending change; the latency includes up to one poll cycle. Stage times come from Kafka record "
        "timestamps (source topic, the worker's re-keyed topic) and the document's `indexed_at`.",
        "",
        "### Targets",
        "",
        *_targets(run, refresh_ms),
        "",
        "### 1. commit → readable (realtime GET by id)",
        "",
        *readable_table(run.latency),
        "",
        "Where the time goes (per change, matched by product id):",
        "",
        *stages_table(run.latency),
        "",
        "### 2. commit → searchable",
        "",
        *searchable_table(run.search),
        "",
        "### 3. highest sustained rate (p99 < 1 s wanted)",
        "",
        *readable_table(run.latency[-1:] + run.steps),
        "",
        "### 4. backfill vs raw bulk",
        "",
        *_backfill_section(run),
        "",
        "### 5. worker memory",
        "",
        *_rss_section(run),
        "",
        "### CPU by component (cores busy, averaged over each phase)",
        "",
        *cpu_table(
            run.latency + run.search + run.steps,
            {"idle (no load)": run.idle_cpu, "backfill": run.backfill.get("cpu", {})},
        ),
        "",
        "`loop on cpu` / `loop waiting for cpu`: the worker's main thread (its event loop) from "
        "/proc/<pid>/schedstat, as a share of wall time; the rest of the time it waited on I/O or idled.",
        "",
        "### Disturbances",
        "",
        *_disturbances(run),
        "",
        f"- cleanup: {run.cleanup}",
        "",
        "",
    ]
    return "\n".join(lines)


def _disturbances(run) -> list[str]:
    """What could bend the figures: worker restarts, CPU used outside the stack, the load before/after."""
    notes = []
    b = run.backfill
    if b.get("worker_before") != b.get("worker_after"):
        notes.append(
            f"- the worker restarted during the backfill (pid {b.get('worker_before')} → {b.get('worker_after')})"
        )
    for f in [*run.latency, *run.search, *run.steps]:
        before, after = f.result.worker_pids
        if before != after:
            notes.append(
                f"- the worker restarted during `{f.result.phase.name}` (pid {before} → {after}): its "
                f"tables are rebuilt from the changelogs first, so that phase's figures are not valid"
            )
        outside = f.result.cpu.get("outside stack", 0)
        if outside > 0.15:
            notes.append(
                f"- `{f.result.phase.name}`: {outside:.2f} of a core busy that no stack or bench process "
                f"accounts for (kernel work for loopback traffic, or other processes)"
            )
    notes.append(f"- load average (1/5/15 min) at the end: {run.load_after}")
    return notes or ["- none seen"]
