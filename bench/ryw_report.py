"""The tables read_your_writes.py, ryw_mix.py and faults.py print: rename and read latencies, CPU per part."""

from __future__ import annotations

import math

from ryw_clients import PARTS


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"  # noqa
    return [line(headers), "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|", *(line(r) for r in rows)]


def ms(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.0f}" if x >= 100 else f"{x:.1f}"


def errors_of(row: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in row["errors"].most_common())


def cpu_ms_per_read(row: dict) -> float:
    used = row["shares"]["query API"] * row["wall"] * 1000
    return used / row["answers"] if row["answers"] else float("nan")


def rename_table(rows: list[dict]) -> list[str]:
    return table(
        [
            "target/s",
            "procs",
            "issued",
            "dropped",
            "ok",
            "achieved/s",
            "write p50",
            "write p99",
            "RYW p50",
            "p95",
            "p99",
            "max",
            "504",
            "errors",
            "stale",
            "> bound+100ms",
            "settle s",
        ],
        [
            [
                f"{r['target']:g}",
                str(r["procs"]),
                str(r["issued"]),
                str(r["dropped"]),
                str(r["ok"]),
                f"{r['rate']:.1f}",
                ms(r["write"][0]),
                ms(r["write"][1]),
                *(ms(x) for x in r["rt"]),
                str(r["e504"]),
                str(sum(r["errors"].values())),
                str(r["stale"]),
                str(r["late"]),
                f"{r['caught']:.2f}",
            ]
            for r in rows
        ],
    )


def read_table(rows: list[dict]) -> list[str]:
    plain = next((cpu_ms_per_read(r) for r in rows if r["phase"] == "plain reads"), math.nan)
    return table(
        [
            "reads",
            "target/s",
            "dropped",
            "achieved/s",
            "ok",
            "504",
            "errors",
            "stale",
            "p50 ms",
            "p99 ms",
            "query API cores",
            "CPU ms/read",
            "x plain",
        ],
        [
            [
                r["phase"],
                f"{r['target']:g}",
                str(r["dropped"]),
                f"{r['rate']:.1f}",
                str(r["ok"]),
                str(r["e504"]),
                str(sum(r["errors"].values())),
                str(r["stale"]),
                ms(r["rt"][0]),
                ms(r["rt"][2]),
                f"{r['shares']['query API']:.3f}",
                ms(cpu_ms_per_read(r)) if r["answers"] else "-",
                f"{cpu_ms_per_read(r) / plain:.2f}" if r["answers"] else "-",
            ]
            for r in rows
        ],
    )


def cpu_table(rows: list[dict], cores: str) -> list[str]:
    cols = [*PARTS, "generator", "busiest", "softirq", "outside stack", "machine"]
    share = lambda r, c: r["busiest"] if c == "busiest" else r["shares"].get(c, math.nan)  # noqa
    return table(
        ["phase", *cols[:-1], f"machine (of {cores})"],
        [[r["phase"], *(f"{share(r, c):.2f}" for c in cols)] for r in rows],
    )
