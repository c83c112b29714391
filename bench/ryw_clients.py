"""Helpers of read_your_writes.py: open-loop aiohttp load processes and CPU per process tree (its tables:
ryw_report.py).

Each generator process runs one phase at a time on its own event loop: commands are issued on a
fixed schedule (not waiting for earlier ones), at most `max_inflight` at once (a command due while
the cap is reached is dropped and counted), and the phase ends a bounded time after its schedule.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing as mp
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from pipeline_costs import costs, snapshot
from products_phases import percentile
from products_stack import cpu_seconds, descendants, machine_cpu_seconds, process_tree, stack_pids

PARTS = {
    "query API": "query-api",
    "write API": "write-api",
    "pipeline": "pipeline",
    "Elasticsearch": "elasticsearch",
    "Kafka": "kafka",
    "Connect": "connect",
    "Postgres": "postgres",
}
TOKEN_HEADER = "X-Consistency-Token"


@dataclass
class Spec:
    kind: str  # rename | fresh (write then token read) | plain | satisfied (reads)
    rate: float  # commands/s of this process
    seconds: float
    start_at: float  # time.time() of the first command
    products: list[int]  # this process's share: a rename only touches its own products
    max_inflight: int
    label: str  # unique per phase and process, part of every new name
    token: str | None  # for `satisfied`: a token already reached
    wait_s: float  # the query API's wait bound


async def drive(spec: Spec, write_url: str, query_url: str, write_token: str) -> dict:
    rng = random.Random(spec.label)
    free = list(spec.products)  # no rename in flight: a read then has one right answer
    res: dict = {
        "issued": 0,
        "dropped": 0,
        "ok": 0,
        "e504": 0,
        "stale": 0,
        "late": 0,
        "errors": Counter(),
        "write_ms": [],
        "rt_ms": [],
        "first": None,
        "last": None,
    }
    inflight = 0
    late_ms = spec.wait_s * 1000 + 100

    def answered(ms: float, status: int, name: str | None, body: dict | None) -> None:
        res["rt_ms"].append(ms)
        res["last"] = time.time()
        res["late"] += ms > late_ms
        if status == 504:
            res["e504"] += 1
        elif status != 200:
            res["errors"][f"read {status}"] += 1
        elif name is not None and (body or {}).get("name") != name:
            res["stale"] += 1
        else:
            res["ok"] += 1

    async def read(q: aiohttp.ClientSession, pid: int, token: str | None) -> tuple[int, dict | None]:
        async with q.get(f"/products/{pid}", headers={TOKEN_HEADER: token} if token else None) as r:
            if r.status == 200:
                return r.status, await r.json()
            await r.read()
            return r.status, None

    async def one(w: aiohttp.ClientSession, q: aiohttp.ClientSession, pid: int, seq: int) -> None:
        nonlocal inflight
        try:
            if spec.kind in ("rename", "fresh"):
                name = f"ryw {spec.label} {seq}"
                t0 = time.perf_counter()
                async with w.patch(f"/products/{pid}", json={"name": name}) as r:
                    status, body = r.status, await r.json(content_type=None)
                t1 = time.perf_counter()
                if status != 200:
                    res["errors"][f"write {status}"] += 1
                    return
                res["write_ms"].append((t1 - t0) * 1000)
                status, doc = await read(q, pid, body["consistency_token"])
                answered((time.perf_counter() - t1) * 1000, status, name, doc)
            else:
                t1 = time.perf_counter()
                status, doc = await read(q, pid, spec.token if spec.kind == "satisfied" else None)
                answered((time.perf_counter() - t1) * 1000, status, None, doc)
        except TimeoutError:
            res["errors"]["client timeout"] += 1
        except (aiohttp.ClientError, ValueError, KeyError) as error:
            res["errors"][type(error).__name__] += 1
        finally:
            inflight -= 1
            if spec.kind in ("rename", "fresh"):
                free.append(pid)

    limit = spec.max_inflight

    def launch(w: aiohttp.ClientSession, q: aiohttp.ClientSession, seq: int) -> asyncio.Task | None:
        nonlocal inflight
        writes = spec.kind in ("rename", "fresh")
        if inflight >= limit or (writes and not free):
            res["dropped"] += 1
            return None
        if writes:
            i = rng.randrange(len(free))
            free[i], free[-1] = free[-1], free[i]
            pid = free.pop()
        else:
            pid = rng.choice(spec.products)
        inflight += 1
        return asyncio.create_task(one(w, q, pid, seq))

    await open_loop(spec, res, write_url, query_url, write_token, launch)
    return res


async def open_loop(
    spec,
    res: dict,
    write_url: str,
    query_url: str,
    write_token: str,
    launch: Callable[[aiohttp.ClientSession, aiohttp.ClientSession, int], asyncio.Task | None],
) -> None:
    """Issue `spec.rate` commands a second for `spec.seconds` (open loop, from `spec.start_at`) on a write and a
    query session: `launch(write, query, seq)` starts one and returns its task, or None (it counted a drop).
    Then wait, bounded, for what is in flight, and record the process's CPU and wall time in `res`."""
    auth = {"Authorization": f"Bearer {write_token}"}
    limit = spec.max_inflight
    async with (
        aiohttp.ClientSession(
            write_url,
            headers=auth,
            timeout=aiohttp.ClientTimeout(total=30),
            connector=aiohttp.TCPConnector(limit=limit),
        ) as w,
        aiohttp.ClientSession(
            query_url,
            timeout=aiohttp.ClientTimeout(total=spec.wait_s + 10),
            connector=aiohttp.TCPConnector(limit=limit),
        ) as q,
    ):
        cpu0 = time.process_time()
        begin = time.perf_counter() + max(0.0, spec.start_at - time.time())
        tasks: set[asyncio.Task] = set()
        for seq in range(int(spec.rate * spec.seconds)):
            delay = begin + seq / spec.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            res["issued"] += 1
            res["first"] = res["first"] or time.time()
            task = launch(w, q, seq)
            if task is not None:
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        if tasks:  # drain, bounded: the read wait, the client timeouts, a margin
            await asyncio.wait(set(tasks), timeout=spec.wait_s + 15)
        for task in list(tasks):
            task.cancel()
            res["errors"]["cancelled at phase end"] += 1
        res["cpu_s"] = time.process_time() - cpu0
        res["wall_s"] = time.perf_counter() - begin


def _worker(conn, write_url: str, query_url: str, write_token: str) -> None:
    while (spec := conn.recv()) is not None:
        own = getattr(spec, "drive", None)  # another phase's spec (ryw_mix) brings its own loop
        conn.send(
            asyncio.run(
                own(write_url, query_url, write_token) if own else drive(spec, write_url, query_url, write_token)
            )
        )


class Generator:
    """A fixed pool of load processes (alive across phases, so their CPU shows in the tree)."""

    def __init__(self, processes: int, write_url: str, query_url: str, write_token: str) -> None:
        ctx = mp.get_context("spawn")
        self.pipes, self.procs = [], []
        for _ in range(processes):
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(theirs, write_url, query_url, write_token), daemon=True)
            proc.start()
            self.pipes.append(ours)
            self.procs.append(proc)

    def run(
        self,
        kind: str,
        rate: float,
        seconds: float,
        products: list[int],
        max_inflight: int,
        label: str,
        wait_s: float,
        per_process_rate: float,
        token: str | None = None,
    ) -> list[dict]:
        k = min(len(self.procs), max(1, math.ceil(rate / per_process_rate)))
        start_at = time.time() + 0.3
        return self.run_specs(
            [
                Spec(
                    kind,
                    rate / k,
                    seconds,
                    start_at,
                    products[i::k],
                    max(1, max_inflight // k),
                    f"{label}w{i}",
                    token,
                    wait_s,
                )
                for i in range(k)
            ],
            seconds + wait_s + 60,
        )

    def run_specs(self, specs: list, timeout_s: float) -> list[dict]:
        """One spec to each of the first len(specs) processes; their results, in order."""
        for pipe, spec in zip(self.pipes, specs, strict=False):
            pipe.send(spec)
        results = []
        for pipe in self.pipes[: len(specs)]:
            if not pipe.poll(timeout_s):
                raise SystemExit("a load process did not report in time")
            results.append(pipe.recv())
        return results

    def close(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(None)
            except OSError:
                pass
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.terminate()


def phase_summary(results: list[dict], shares: dict[str, float], wall: float) -> dict:
    """What every phase reports of its load processes' results: how many, the span from the first
    command to the last answer, write latency p50/p99, the CPU shares and the busiest process."""
    firsts = [r["first"] for r in results if r["first"]]
    lasts = [r["last"] for r in results if r["last"]]
    write = [x for r in results for x in r["write_ms"]]
    return dict(
        procs=len(results),
        span=max(lasts) - min(firsts) if firsts and lasts else 0.0,
        write=[percentile(write, p) for p in (0.5, 0.99)],
        shares=shares,
        wall=wall,
        busiest=max((r["cpu_s"] / max(r["wall_s"], 1e-6) for r in results), default=0.0),
    )


# --- CPU of each process tree, from /proc (bench/products_stack.py) ----------------------------


class CpuMeter:
    """Share of one core used by each stack part, the generator and the rest, between marks."""

    def __init__(self, run_dir: Path, metrics_url: str | None = None) -> None:
        self.metrics_url = metrics_url  # the pipeline worker's /metrics: its cost per change, per phase
        self.costs: dict[str, float] = {}
        pids = stack_pids(run_dir)
        self.roots = {label: pids[name] for label, name in PARTS.items() if name in pids}
        self.roots["generator"] = os.getpid()

    def _now(self) -> dict[str, float]:
        tree = process_tree()
        usage = {label: cpu_seconds(descendants(root, tree)) for label, root in self.roots.items()}
        usage["machine"], usage["softirq"] = machine_cpu_seconds()
        return usage

    def start(self) -> None:
        self._stages = snapshot(self.metrics_url) if self.metrics_url else {}
        self._start, self._wall = self._now(), time.monotonic()

    def stop(self) -> tuple[dict[str, float], float]:
        end, wall = self._now(), max(time.monotonic() - self._wall, 1e-6)
        self.costs = costs(self._stages, snapshot(self.metrics_url)) if self.metrics_url else {}
        shares = {k: (end[k] - self._start[k]) / wall for k in end}
        shares["outside stack"] = max(
            0.0, shares["machine"] - sum(v for k, v in shares.items() if k not in ("machine", "outside stack"))
        )
        return shares, wall
