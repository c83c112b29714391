"""Read-your-writes through the public HTTP APIs: rename, then read with the token; append results.

Runs against the stack `readside up` started (loopback only) and starts or changes nothing in it:
1. seed: N products (sku RYW-00000.., category ryw-bench; reused by later runs), readable;
2. renames at fixed rates (open loop): each renames one product to a unique name through the write
   API and, as soon as the write answers, GETs /products/{id} from the query API with the token;
3. token read cost: the query API's CPU per read for plain reads, reads with a token already
   reached, and reads with a fresh token (write then read);
4. shop mix (ryw_mix.py): the demo's live command mix at fixed rates, each command read back with
   its token from the read model it changed; the consumer lag's settling time after each rate.

    .venv/bin/python bench/read_your_writes.py --quick     # ~2.5 min
    .venv/bin/python bench/read_your_writes.py             # ~5 min
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import secrets
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from machine_info import append_results, load_average, machine
from pipeline_costs import cost_table
from products_phases import percentile
from ryw_clients import TOKEN_HEADER, CpuMeter, Generator, phase_summary
from ryw_mix import mix_lines, run_mix
from ryw_report import cpu_table, errors_of, read_table, rename_table

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "read_your_writes.md"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SKU_PREFIX, CATEGORY = "RYW-", "ryw-bench"


# --- seeding and settling, from this process ---------------------------------------------


async def read_until(s: aiohttp.ClientSession, args, pid: int, token: str, name: str, deadline_s: float = 120) -> float:
    """Token-read a product until it shows `name` (504s retried); seconds it took."""
    started = time.monotonic()
    while True:
        async with s.get(f"{args.query_url}/products/{pid}", headers={TOKEN_HEADER: token}) as r:
            if r.status == 200 and (await r.json())["name"] == name:
                return time.monotonic() - started
            status = r.status
            await r.read()
        if time.monotonic() - started > deadline_s:
            raise SystemExit(
                f"product {pid} not readable with its token after {deadline_s:.0f} s (last answer {status})"
            )
        await asyncio.sleep(0.2)  # a 504 has already waited the bound; this only spaces errors


async def list_seeded(s: aiohttp.ClientSession, args) -> dict[str, int]:
    found, cursor = {}, None
    for _ in range(args.products // 100 + 100):
        params = {
            "category": CATEGORY,
            "size": "100",
            "include_inactive": "true",
            **({"cursor": cursor} if cursor else {}),
        }
        async with s.get(f"{args.query_url}/products/search", params=params) as r:
            r.raise_for_status()
            page = await r.json()
        found.update({h["sku"]: h["id"] for h in page["hits"] if h["sku"].startswith(SKU_PREFIX)})
        if not (cursor := page["next_cursor"]):
            break
    return found


async def seed(args) -> tuple[list[int], int, float]:
    """Ids of N seeded products (existing ones reused), how many were created, seconds."""
    started = time.monotonic()
    auth = {"Authorization": f"Bearer {args.token}"}
    sku = lambda i: f"{SKU_PREFIX}{i:05d}"  # noqa: E731
    timeout = aiohttp.ClientTimeout(total=args.wait_bound + 10)
    async with aiohttp.ClientSession(timeout=timeout) as s:
        ids = await list_seeded(s, args)
        missing = [i for i in range(args.products) if sku(i) not in ids]
        gate, last = asyncio.Semaphore(16), None

        async def create(i: int) -> None:
            nonlocal last
            body = {
                "sku": sku(i),
                "name": f"ryw seed {i}",
                "category": CATEGORY,
                "price": f"{1 + i % 500}.99",
                "initial_stock": 100,
            }
            async with gate, s.post(f"{args.write_url}/products", json=body, headers=auth) as r:
                answer = await r.json(content_type=None)
                if r.status == 201:
                    ids[sku(i)] = answer["id"]
                    last = (answer["id"], answer["consistency_token"], body["name"])
                elif r.status != 409:  # 409: the sku exists but was not listed yet
                    raise SystemExit(f"creating {sku(i)}: {r.status} {answer}")

        await asyncio.gather(*(create(i) for i in missing[:-1]))
        if missing:
            await create(missing[-1])  # alone, after the others: its token covers them all
        if last:
            await read_until(s, args, *last)
        if len(ids) < args.products:
            await asyncio.sleep(2)  # the search index refreshes every second
            ids.update(await list_seeded(s, args))
    chosen = [ids[sku(i)] for i in range(args.products) if sku(i) in ids]
    if len(chosen) < args.products:
        raise SystemExit(f"only {len(chosen)} of {args.products} seeded products are readable")
    return chosen, len(missing), time.monotonic() - started


async def settle(args, pid: int) -> tuple[str, float]:
    """Rename one product and token-read it: the pipeline has then caught up with all earlier
    writes. Returns the (now reached) token and the seconds it took."""
    name = f"ryw settle {secrets.token_hex(4)}"
    timeout = aiohttp.ClientTimeout(total=args.wait_bound + 10)
    async with aiohttp.ClientSession(timeout=timeout) as s:
        async with s.patch(
            f"{args.write_url}/products/{pid}", json={"name": name}, headers={"Authorization": f"Bearer {args.token}"}
        ) as r:
            r.raise_for_status()
            token = (await r.json())["consistency_token"]
        return token, await read_until(s, args, pid, token, name)


# --- phases --------------------------------------------------------------------------------


def summarise(results: list[dict], shares: dict[str, float], wall: float) -> dict:
    rt = [x for r in results for x in r["rt_ms"]]
    out = {k: sum(r[k] for r in results) for k in ("issued", "dropped", "ok", "e504", "stale", "late")}
    out.update(phase_summary(results, shares, wall))
    out.update(
        errors=sum((r["errors"] for r in results), Counter()),
        rate=out["ok"] / out["span"] if out["span"] > 0 else 0.0,
        answers=len(rt),
        rt=[percentile(rt, p) for p in (0.5, 0.95, 0.99, 1.0)],
    )
    return out


def measure(meter: CpuMeter, run) -> tuple[list[dict], dict[str, float], float]:
    meter.start()
    results = run()
    return (results, *meter.stop())


def run_renames(gen: Generator, meter: CpuMeter, args, products: list[int]) -> list[dict]:
    rows = []
    for rate in args.rates:
        _, caught = asyncio.run(settle(args, products[0]))
        results, shares, wall = measure(
            meter,
            lambda: gen.run(
                "rename",
                rate,
                args.seconds,
                products[1:],
                args.max_inflight,
                f"{args.run}r{rate:g}",
                args.wait_bound,
                args.per_process_rate,
            ),
        )
        rows.append(
            {
                "phase": f"renames {rate:g}/s",
                "target": rate,
                "caught": caught,
                "costs": meter.costs,
                **summarise(results, shares, wall),
            }
        )
        print(f"renames {rate:g}/s done: {rows[-1]['rate']:.1f} round trips/s", flush=True)
    return rows


def run_token_cost(gen: Generator, meter: CpuMeter, args, products: list[int]) -> list[dict]:
    token, caught = asyncio.run(settle(args, products[0]))
    idle_s = min(5.0, args.seconds)
    _, shares, wall = measure(meter, lambda: time.sleep(idle_s))  # a fixed sampling window
    rows = [{"phase": "idle (no load)", "target": 0, "caught": caught, **summarise([], shares, wall)}]
    for kind, label in (
        ("plain", "plain reads"),
        ("satisfied", "reads, reached token"),
        ("fresh", "write + read, fresh token"),
    ):
        results, shares, wall = measure(
            meter,
            lambda: gen.run(
                kind,
                args.read_rate,
                args.seconds,
                products[1:],
                args.max_inflight,
                f"{args.run}{kind[0]}",
                args.wait_bound,
                args.per_process_rate,
                token,
            ),
        )
        rows.append({"phase": label, "target": args.read_rate, **summarise(results, shares, wall)})
        print(f"{label} done", flush=True)
    return rows


# --- report --------------------------------------------------------------------------------


def git(*argv: str) -> str:
    return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def code_state(run_dir: Path) -> str:
    """Which code the services run: the commit, and whether they started after local edits."""
    hhmm = lambda t: datetime.fromtimestamp(t, UTC).strftime("%H:%M:%S")  # noqa: E731
    edits = [
        ROOT / line[3:].split(" -> ")[-1] for line in git("status", "--porcelain", "services", "pipelines").splitlines()
    ]
    times = sorted(f.stat().st_mtime for f in edits if f.is_file())
    try:
        btime = next(int(x.split()[1]) for x in Path("/proc/stat").read_text().splitlines() if x.startswith("btime"))
        pid = int((run_dir / "query-api.pid").read_text())
        stat = Path(f"/proc/{pid}/stat").read_text()
        started = btime + int(stat[stat.rindex(")") + 2 :].split()[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, StopIteration):
        started = None
    edited = f"saved {hhmm(times[0])} to {hhmm(times[-1])} UTC" if times else "none"
    return (
        f"commit {git('rev-parse', '--short', 'HEAD')}; query API started "
        f"{hhmm(started) if started else 'unknown'} UTC; uncommitted changes in services/ or "
        f"pipelines/: {edited}"
    )


def report(args, seeded: tuple, renames: list[dict], reads: list[dict], mix: list[dict]) -> str:
    m, now = machine(), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {now}: read your writes{' (quick)' if args.quick else ''}",
        "",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}, python {m['python']}",
        f"- stack: the running native stack (`readside up`), write API {args.write_url}, "
        f"query API {args.query_url}; {code_state(args.run_dir)}",
        f"- load: {len(seeded[0])} seeded products ({seeded[1]} created now, "
        f"{seeded[2]:.1f} s); {args.seconds:g} s per phase; open loop, at most "
        f"{args.max_inflight} in flight (a command due above that is dropped); aiohttp, load "
        f"processes: up to {args.processes} ({args.per_process_rate:g}/s each); "
        f"wait bound assumed {args.wait_bound:g} s",
        *([f"- note: {args.note}"] if args.note else []),
        f"- load average (1/5/15 min) before the run: {args.load_before}",
        "",
    ]
    if renames:
        lines += [
            "Renames, write answer -> token read answer (ms; all answers, 504s included):",
            "",
            *rename_table(renames),
        ]
        lines += [f"- errors at {r['target']:g}/s: {errors_of(r)}" for r in renames if r["errors"]]
        lines.append("")
    if reads:
        lines += ["Token read cost (query API CPU per answered read):", "", *read_table(reads)]
        lines += [f"- errors in {r['phase']}: {errors_of(r)}" for r in reads if r["errors"]]
        lines.append("")
    lines += mix_lines(args, mix)
    lines += [
        "CPU, share of one core per phase (process trees; generator = this bench, busiest "
        "= its busiest load process; softirq = kernel network work, charged to no "
        "process):",
        "",
        *cpu_table(renames + reads + mix, m["cores"]),
    ]
    staged = [(r["phase"], r["costs"]) for r in renames + mix if "costs" in r]
    if staged:
        lines += [
            "",
            "Pipeline cost per source change (the worker's batch seconds per stage, waits "
            "included, and its Elasticsearch bulk requests; bench/pipeline_costs.py):",
            "",
            *cost_table(staged),
        ]
    return "\n".join(lines) + "\n\n"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--write-url", default="http://127.0.0.1:8001")
    p.add_argument("--query-url", default="http://127.0.0.1:8002")
    p.add_argument(
        "--token",
        default=os.environ.get("READSIDE_WRITE_TOKEN"),
        help="write API token (default: READSIDE_WRITE_TOKEN or the generated one)",
    )
    p.add_argument(
        "--metrics-url",
        default="http://127.0.0.1:9102/metrics",
        help="the pipeline worker's metrics, for its cost per change",
    )
    p.add_argument("--run-dir", type=Path, default=ROOT / ".readside" / "run", help="pid files")
    p.add_argument(
        "--phases",
        default="renames,reads,mix",
        type=lambda s: s.split(","),
        help="any of renames, reads, mix (the seed always runs; it reuses products)",
    )
    p.add_argument("--products", type=int, help="seeded products (default 2000, quick 500)")
    p.add_argument("--rates", default="50,200,1000", type=lambda s: [float(x) for x in s.split(",")])
    p.add_argument(
        "--mix-rates", default="100,300", type=lambda s: [float(x) for x in s.split(",")], help="shop mix, commands/s"
    )
    p.add_argument("--mix-customers", type=int, default=300, help="shop mix: seeded customers")
    p.add_argument("--mix-products", type=int, default=300, help="shop mix: seeded products")
    p.add_argument(
        "--mix-name",
        default="rywmix",
        help="shop mix: the shop's name (sku/email prefix); a new name seeds a shop without "
        "history, whose figures compare with another new shop's",
    )
    p.add_argument("--seconds", type=float, help="per phase (default 20, quick 8)")
    p.add_argument("--read-rate", type=float, default=200.0, help="token read cost phase, per s")
    p.add_argument("--max-inflight", type=int, default=512, help="commands in flight, all processes together")
    p.add_argument(
        "--per-process-rate", type=float, default=400.0, help="round trips/s per load process; more processes above it"
    )
    p.add_argument(
        "--wait-bound",
        type=float,
        default=float(os.environ.get("READSIDE_CONSISTENCY_WAIT_S", "5")),
        help="the query API's READSIDE_CONSISTENCY_WAIT_S (for the late count)",
    )
    p.add_argument("--quick", action="store_true", help="short phases, 500 products")
    p.add_argument("--results", type=Path, default=RESULTS)
    p.add_argument("--note", default="", help="free text for the results, e.g. what else ran")
    args = p.parse_args()
    for url in (args.write_url, args.query_url):
        if urlsplit(url).hostname not in LOOPBACK:
            p.error(f"{url}: only loopback URLs (127.0.0.1, localhost, ::1)")
    if not args.token:
        args.token = (ROOT / ".readside" / "secrets" / "write-api.token").read_text().strip()
    args.products = args.products or (500 if args.quick else 2000)
    args.seconds = args.seconds or (8.0 if args.quick else 20.0)
    if args.products < 2:
        p.error("--products must be at least 2")
    most = max(
        [
            args.read_rate,
            *(args.rates if "renames" in args.phases else []),
            *(args.mix_rates if "mix" in args.phases else []),
        ]
    )
    args.processes = max(1, min(4, math.ceil(most / args.per_process_rate)))
    args.run = secrets.token_hex(3)
    return args


def main() -> None:
    args = parse_args()
    args.load_before = load_average()
    gen = Generator(args.processes, args.write_url, args.query_url, args.token)
    meter = CpuMeter(args.run_dir, args.metrics_url)
    try:
        seeded = asyncio.run(seed(args))
        print(f"seeded: {len(seeded[0])} products ({seeded[1]} created) in {seeded[2]:.1f} s", flush=True)
        renames = run_renames(gen, meter, args, seeded[0]) if "renames" in args.phases else []
        reads = run_token_cost(gen, meter, args, seeded[0]) if "reads" in args.phases else []
        mix = run_mix(gen, meter, args) if "mix" in args.phases else []
    finally:
        gen.close()
    text = report(args, seeded, renames, reads, mix)
    print("\n" + text, end="")
    append_results(args.results, text)
    print(f"appended to {args.results}")


if __name__ == "__main__":
    main()
