"""`make faults`: kill or stall each part of the running native stack under the demo's mixed workload, then
check that nothing was lost and no token read returned older data.

For each case (SIGKILL, or SIGSTOP for --stall seconds then SIGCONT, of Postgres, Kafka, Connect,
Elasticsearch, the pipeline worker, the write API, the query API, and a `readside backfill` between its
snapshot and its hand-over), the shop mix of bench/ryw_mix_drive.py runs at --rate commands/s for
--seconds; the fault lands --fault-at seconds in. Every acknowledged write is read back with its token from
the read model it changed and judged (stale = a 200 showing older data). A probe renames one product every
0.5 s and reads it back: the recovery time is from the kill (or the SIGCONT) to the first probe whose
write is readable with its token. Supervised parts come back by themselves; a killed backfill is run again,
as its message says. After the load, `verify` compares every read model with Postgres.

    .venv/bin/readside up && .venv/bin/python bench/faults.py [--cases kill:kafka,stop:postgres] [--rate 20]

Results: bench/results/faults.md (with the machine and the load generator's own CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from faults_inject import PARTS, Fault, Probe
from machine_info import append_results, load_average, machine
from ryw_clients import CpuMeter, Generator
from ryw_mix_drive import MixSpec
from ryw_report import table
from ryw_shop import seed_shop, snapshot

from infra.deadletters import list_letters
from infra.secrets import postgres_password, write_token
from infra.settings import StackSettings
from infra.verify.runner import CHECKS, verify

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "faults.md"


def run_case(
    gen: Generator, args, settings: StackSettings, ids: tuple[list[int], list[int]], kind: str, part: str
) -> dict:
    customers, products, _ = asyncio.run(snapshot(args, *ids))
    k = len(gen.procs)
    cs, ps, start_at = sorted(customers), sorted(products), time.time() + 0.5
    specs = [
        MixSpec(
            args.rate / k,
            args.seconds,
            start_at,
            {c: customers[c] for c in cs[i::k]},
            {p: products[p] for p in ps[i::k]},
            64,
            f"{args.run}{kind[0]}{part[:3]}w{i}",
            args.wait_bound,
        )
        for i in range(k)
    ]
    fault = Fault(settings, kind, part, args.stall)
    probe = Probe(settings)
    results: list[dict] = []
    load = threading.Thread(target=lambda: results.extend(gen.run_specs(specs, args.seconds + args.wait_bound + 300)))
    letters_before = len(list_letters(settings))
    meter = CpuMeter(args.run_dir)
    meter.start()
    load.start()
    probe.start()
    time.sleep(max(0.0, start_at + args.fault_at - time.time() - (0 if part != "backfill" else 1)))
    fault.prepare()
    began = time.monotonic()
    ended = fault.inject()
    back = fault.finish(ended)
    readable = probe.recovered_after(ended)
    load.join()
    probe.stop()
    shares, _ = meter.stop()
    diffs = verify(
        settings.postgres_dsn(postgres_password(settings)), settings.elasticsearch_url, list(CHECKS), args.verify_wait
    )
    row = {
        "case": f"{kind} {part}",
        "fault_s": ended - began,
        "back_s": back,
        "readable_s": readable,
        "differences": sum(d.count for d in diffs),
        "problems": [d.problem for d in diffs if d.problem],
        "dead_letters": len(list_letters(settings)) - letters_before,
        "notes": fault.notes,
        "generator_cpu": shares.get("generator", 0.0),
        **tally(results),
    }
    for example in row["stale_examples"]:
        print(f"  stale: {example}", flush=True)
    print(
        f"{row['case']}: healthy {fmt(back)} s, readable {fmt(readable)} s after; {row['stale']} stale, "
        f"{row['differences']} differences, {row['dead_letters']} new dead letters, answers {dict(row['answers'])}",
        flush=True,
    )
    return row


def tally(results: list[dict]) -> dict:
    errors = sum((r["errors"] for r in results), Counter())
    answers = Counter()
    for key, n in errors.items():
        answers[key.split()[-1] if key.split()[-1].isdigit() else key] += n
    return {
        "accepted": sum(r["accepted"] for r in results),
        "ok": sum(r["ok"] for r in results),
        "stale": sum(r["stale"] for r in results),
        "e504": sum(r["e504"] for r in results),
        "refused": sum(sum(r["refused"].values()) for r in results),
        "answers": answers,
        "e500": sum(n for key, n in errors.items() if key.endswith(" 500")),
        "stale_examples": [x for r in results for x in r["examples"]][:3],
    }


def fmt(x: float | None) -> str:
    return "never" if x is None else f"{x:.1f}"


def report(args, rows: list[dict]) -> str:
    m = machine()
    lines = [
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: fault matrix",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}, Python {m['python']}; "
        f"load average before: {args.load_before}.",
        f"Load: the demo's shop mix at {args.rate:g} commands/s for {args.seconds:g} s per case from "
        f"{args.processes} generator processes, every acknowledged write read back with its token "
        f"(query API wait bound {args.wait_bound:g} s); the fault {args.fault_at:g} s in; a stall is "
        f"SIGSTOP for {args.stall:g} s of the part and its children, then SIGCONT. `healthy` = from the "
        f"kill (or SIGCONT) until status calls the part healthy again; `readable` = until a new write "
        f"is readable with its token. Errors are the mix's commands whose write or read did not answer "
        f"2xx, 404, 409 or 504, by answer.",
        "",
        *table(
            [
                "case",
                "healthy s",
                "readable s",
                "accepted",
                "read ok",
                "504",
                "stale",
                "500",
                "verify differences",
                "new dead letters",
                "other answers",
                "generator CPU",
                "notes",
            ],
            [
                [
                    r["case"],
                    fmt(r["back_s"]),
                    fmt(r["readable_s"]),
                    str(r["accepted"]),
                    str(r["ok"]),
                    str(r["e504"]),
                    str(r["stale"]),
                    str(r["e500"]),
                    str(r["differences"]) + (f" ({'; '.join(r['problems'])})" if r["problems"] else ""),
                    str(r.get("dead_letters", "?")),
                    ", ".join(f"{k}: {n}" for k, n in sorted(r["answers"].items())) or "-",
                    f"{r['generator_cpu'] * 100:.0f} %",
                    "; ".join(r["notes"]) or "-",
                ]
                for r in rows
            ],
        ),
        *(f"- stale read in `{r['case']}`: {x}" for r in rows for x in r["stale_examples"]),
        "",
        f"Note: {args.note}" if args.note else "",
        "",
    ]
    return "\n".join(lines) + "\n"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--cases",
        type=lambda s: [tuple(c.split(":")) for c in s.split(",")],
        default=[(kind, part) for part in PARTS for kind in ("kill", "stop")],
        help="kind:part,… (kind kill|stop; part " + "|".join(PARTS) + ")",
    )
    p.add_argument("--rate", type=float, default=20.0, help="commands/s of the mix")
    p.add_argument("--seconds", type=float, default=60.0, help="load per case")
    p.add_argument("--fault-at", type=float, default=15.0, help="seconds into the load")
    p.add_argument("--stall", type=float, default=40.0, help="SIGSTOP length, seconds")
    p.add_argument("--wait-bound", type=float, default=5.0, help="the query API's token wait bound")
    p.add_argument("--verify-wait", type=float, default=300.0)
    p.add_argument("--mix-customers", type=int, default=100)
    p.add_argument("--mix-products", type=int, default=60)
    p.add_argument("--mix-name", default="faults")
    p.add_argument("--run-dir", type=Path, default=ROOT / ".readside" / "run")
    p.add_argument("--results", type=Path, default=RESULTS)
    p.add_argument("--note", default="")
    args = p.parse_args()
    for kind, part in args.cases:
        if kind not in ("kill", "stop") or part not in PARTS:
            p.error(f"unknown case {kind}:{part}")
    settings = StackSettings()
    args.write_url = f"http://{settings.host}:{settings.write_api_port}"
    args.query_url = f"http://{settings.host}:{settings.query_api_port}"
    args.token, args.processes = write_token(settings), max(1, math.ceil(args.rate / 200))
    args.run = f"{int(time.time()) % 100000:05d}"
    return args


def main() -> None:
    args, settings = parse_args(), StackSettings()
    args.load_before = load_average()
    gen = Generator(args.processes, args.write_url, args.query_url, args.token)
    rows = []
    try:
        customers, products, created, seed_s = asyncio.run(seed_shop(args))
        print(
            f"shop {args.mix_name}: {len(customers)} customers, {len(products)} products ({created} created "
            f"in {seed_s:.1f} s)",
            flush=True,
        )
        for kind, part in args.cases:
            rows.append(run_case(gen, args, settings, (customers, products), kind, part))
    finally:
        gen.close()
        if rows:
            text = report(args, rows)
            print("\n" + text, end="")
            append_results(args.results, text)
            print(f"appended to {args.results}")


if __name__ == "__main__":
    main()
