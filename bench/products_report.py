"""Figures of the products bench: per-phase statistics, the target verdicts, and the markdown written to results."""

from __future__ import annotations

import math
from dataclasses import dataclass

from products_phases import PhaseResult, percentile

INF = float("inf")
CPU_ORDER = (
    "elasticsearch",
    "pipeline",
    "kafka",
    "connect",
    "postgres",
    "query-api",
    "bench",
    "outside stack",
    "machine busy",
    "loop on cpu",
    "loop waiting for cpu",
)


def _ms(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return "unseen" if value == INF else f"{value:.0f}"


def _pair(values: list[float]) -> str:
    return f"{_ms(percentile(values, 0.5))} / {_ms(percentile(values, 0.99))}" if values else "-"


@dataclass
class PhaseFigures:
    result: PhaseResult
    readable: list[float]  # ms, inf when never seen
    searchable: list[float]
    stages: dict[str, list[float]]  # stage -> ms per change (only changes the stage could be timed for)

    @property
    def p50(self) -> float:
        return percentile(self.readable, 0.5)

    @property
    def p99(self) -> float:
        return percentile(self.readable, 0.99)

    @property
    def unseen(self) -> int:
        return sum(v == INF for v in self.readable)


def figures(result: PhaseResult) -> PhaseFigures:
    readable, searchable = [], []
    stages: dict[str, list[float]] = {
        "commit → Kafka (Debezium)": [],
        "Kafka → routed (router)": [],
        "routed → doc built (projector)": [],
        "doc built → readable": [],
    }
    source, routed = result.tap.get("source", {}), result.tap.get("routed", {})
    for change in result.changes:
        committed_ms = change.committed * 1000
        readable.append(change.readable * 1000 - committed_ms if change.readable else INF)
        if result.phase.search:
            searchable.append(change.searchable * 1000 - committed_ms if change.searchable else INF)
        in_kafka = next((ts for ts in source.get(change.product, ()) if ts >= committed_ms - 100), None)
        in_routed = next((ts for ts in routed.get(change.product, ()) if in_kafka and ts >= in_kafka), None)
        if in_kafka is not None:
            stages["commit → Kafka (Debezium)"].append(in_kafka - committed_ms)
        if in_kafka is not None and in_routed is not None:
            stages["Kafka → routed (router)"].append(in_routed - in_kafka)
        if in_routed is not None and change.indexed_ms:
            stages["routed → doc built (projector)"].append(change.indexed_ms - in_routed)
        if change.indexed_ms and change.readable:
            stages["doc built → readable"].append(change.readable * 1000 - change.indexed_ms)
    return PhaseFigures(result, readable, searchable, stages)


def _histogram_pair(result: PhaseResult, metric: str, label: str) -> str:
    p50, n = result.histograms.quantile(metric, label, 0.5)
    p99, _ = result.histograms.quantile(metric, label, 0.99)
    if not n:
        return "-"
    return f"{p50 * 1000:.0f} / {p99 * 1000:.0f} (n={n})"


def _cpu(result: PhaseResult) -> str:
    return " · ".join(f"{part} {result.cpu.get(part, 0):.2f}" for part in CPU_ORDER)


def readable_table(rows: list[PhaseFigures]) -> list[str]:
    lines = [
        "| phase | target/s | achieved/s | written (watched) | p50 ms | p90 ms | p99 ms | max ms | unseen | "
        "poll cycle ms | worker freshness histogram p50/p99 ms | idle wait before s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for f in rows:
        r = f.result
        lines.append(
            f"| {r.phase.name} | {r.phase.rate:g} | {r.achieved_rate:.0f} | {r.written} ({len(r.changes)}) | "
            f"{_ms(f.p50)} | {_ms(percentile(f.readable, 0.9))} | {_ms(f.p99)} | "
            f"{_ms(max(f.readable, default=float('nan')))} | {f.unseen} | "
            f"{r.poll_seconds / max(r.polls, 1) * 1000:.1f} | "
            f"{_histogram_pair(r, 'readside_freshness_seconds', 'products')} | "
            f"{r.settled[0]:.0f}{'' if r.settled[1] <= 100 else f' (still {r.settled[1]} behind)'} |"
        )
    return lines


def stages_table(rows: list[PhaseFigures]) -> list[str]:
    names = list(rows[0].stages) if rows else []
    lines = [
        "| phase | " + " | ".join(f"{n} p50/p99 ms" for n in names) + " | ES bulk (products) p50/p99 ms |",
        "|---|" + "---:|" * (len(names) + 1),
    ]
    for f in rows:
        cells = [_pair(f.stages[n]) for n in names]
        bulk = _histogram_pair(f.result, "readside_es_bulk_seconds", 'index="products"')
        lines.append(f"| {f.result.phase.name} | " + " | ".join(cells) + f" | {bulk} |")
    return lines


def cpu_table(rows: list[PhaseFigures], extra: dict[str, dict[str, float]]) -> list[str]:
    lines = ["| phase | " + " | ".join(CPU_ORDER) + " |", "|---|" + "---:|" * len(CPU_ORDER)]
    for name, shares in extra.items():
        if shares:
            lines.append(f"| {name} | " + " | ".join(f"{shares.get(p, 0):.2f}" for p in CPU_ORDER) + " |")
    for f in rows:
        lines.append(
            f"| {f.result.phase.name} | " + " | ".join(f"{f.result.cpu.get(p, 0):.2f}" for p in CPU_ORDER) + " |"
        )
    return lines


def searchable_table(rows: list[PhaseFigures]) -> list[str]:
    lines = [
        "| phase | rate/s | changes | readable p50/p99 ms | searchable p50 ms | p90 ms | p99 ms | max ms | unseen |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for f in rows:
        s = f.searchable
        lines.append(
            f"| {f.result.phase.name} | {f.result.phase.rate:g} | {len(s)} | {_pair(f.readable)} | "
            f"{_ms(percentile(s, 0.5))} | {_ms(percentile(s, 0.9))} | {_ms(percentile(s, 0.99))} | "
            f"{_ms(max(s, default=float('nan')))} | {sum(v == INF for v in s)} |"
        )
    return lines


def verdict(met: bool | None) -> str:
    return "n/a" if met is None else ("**met**" if met else "**not met**")
