"""Shop mix phase of read_your_writes.py: the demo's live command mix (orders placed, paid, shipped,
cancelled; products renamed, repriced, restocked; customers renamed, registered, erased) through the
write API, each command read back with its token from the read model it changed (ryw_mix_drive.py);
after each rate, how long the pipeline's consumer lag takes to get back near zero.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import Counter

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from products_phases import percentile
from ryw_clients import phase_summary
from ryw_mix_drive import MODELS, MixSpec
from ryw_report import errors_of, ms, table
from ryw_shop import STOCK, prefixes, seed_shop, shop_orders, snapshot

from infra.demo.live import HEARTBEAT_TOPIC
from infra.pipeline_status import CONSUMER_GROUP, SOURCE_PREFIX, STAGE_SUFFIX
from infra.settings import StackSettings

LAG_NEAR_ZERO, LAG_EVERY_S, LAG_BOUND_S = 10, 0.1, 30.0


# --- consumer lag, after the load -------------------------------------------------------------


class LagWatch(threading.Thread):
    """The pipeline group's lag, polled every 100 ms: first for IDLE_S before the load (the floor
    the idle stack keeps: marks flow into the stage topics all the time and offsets are committed
    once a second), then from `begin_at` until the source topics are at most LAG_NEAR_ZERO behind
    and all topics at most that above the idle floor, or LAG_BOUND_S passed. The same sum as
    infra.pipeline_status.lag_by_topic (committed offset to end, source and stage topics), without
    the heartbeat topic, on clients kept open: lag_by_topic connects anew each call (~1 s here)."""

    IDLE_S = 2.0

    def __init__(self, bootstrap: str) -> None:
        super().__init__(daemon=True)
        self.bootstrap, self.begin_at = bootstrap, 0.0
        self.ready, self.go = threading.Event(), threading.Event()
        self.result = {
            "idle": None,
            "end": None,
            "end_sources": None,
            "sources_s": None,
            "settled_s": None,
            "polls": 0,
            "poll_ms": [],
            "failed": 0,
        }

    def run(self) -> None:
        try:
            asyncio.run(self.watch())
        except Exception as error:  # noqa: BLE001 - reported, never fatal to the bench
            self.result["error"] = f"{type(error).__name__}: {error}"
        finally:
            self.ready.set()

    async def poll(self, admin, consumer) -> tuple[tuple[int, int] | None, float]:
        """The lags (None if the poll failed) and when they were read; paced every 100 ms."""
        p0 = time.monotonic()
        try:
            lags = await asyncio.wait_for(self.lag(admin, consumer), 3)
        except Exception:  # noqa: BLE001 - a poll that fails counts, the next one tries
            self.result["failed"] += 1
            lags = None
        answered = time.monotonic()
        self.result["poll_ms"].append((answered - p0) * 1000)
        await asyncio.sleep(max(0.0, LAG_EVERY_S - (answered - p0)))
        return lags, answered

    async def watch(self) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=3000)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, request_timeout_ms=3000)
        await admin.start()
        await consumer.start()
        out = self.result
        try:
            await self.lag(admin, consumer)  # warm-up: the first call fetches metadata (~1 s)
            t0, idle = time.monotonic(), []
            while time.monotonic() - t0 < self.IDLE_S:
                idle.append((await self.poll(admin, consumer))[0])
            out["idle"] = max((total for _, total in filter(None, idle)), default=None)
            self.ready.set()
            await asyncio.to_thread(self.go.wait, 60)
            await asyncio.sleep(max(0.0, self.begin_at - time.time()))
            t0, floor = time.monotonic(), (out["idle"] or 0) + LAG_NEAR_ZERO
            while time.monotonic() - t0 <= LAG_BOUND_S:
                lags, answered = await self.poll(admin, consumer)
                at = answered - t0
                out["polls"] += 1
                if lags is None:
                    continue
                if out["end"] is None:
                    out["end_sources"], out["end"] = lags
                if lags[0] <= LAG_NEAR_ZERO and out["sources_s"] is None:
                    out["sources_s"] = at
                if lags[0] <= LAG_NEAR_ZERO and lags[1] <= floor:
                    out["settled_s"] = at
                    return
        finally:
            await consumer.stop()
            await admin.close()

    @staticmethod
    async def lag(admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer) -> tuple[int, int]:
        """(lag of the source topics, lag of source and stage topics together)."""
        committed = await admin.list_consumer_group_offsets(CONSUMER_GROUP)
        parts = {
            tp: meta.offset
            for tp, meta in committed.items()
            if tp.topic != HEARTBEAT_TOPIC and (tp.topic.startswith(SOURCE_PREFIX) or tp.topic.endswith(STAGE_SUFFIX))
        }
        ends = await consumer.end_offsets(list(parts)) if parts else {}
        lags = {tp: max(ends[tp] - max(offset, 0), 0) for tp, offset in parts.items()}
        return (sum(n for tp, n in lags.items() if tp.topic.startswith(SOURCE_PREFIX)), sum(lags.values()))


# --- the phase ------------------------------------------------------------------------------


def run_mix(gen, meter, args) -> list[dict]:
    customer_ids, product_ids, created, seed_s = asyncio.run(seed_shop(args))
    args.mix_shop = (len(customer_ids), len(product_ids), created, seed_s)
    args.mix_history = asyncio.run(shop_orders(args))
    print(
        f"mix shop {args.mix_name}: {len(customer_ids)} customers, {len(product_ids)} products "
        f"({created} created) in {seed_s:.1f} s, holding {args.mix_history} orders",
        flush=True,
    )
    rows, bootstrap = [], StackSettings().kafka_bootstrap
    for rate in args.mix_rates:
        customers, products, caught = asyncio.run(snapshot(args, customer_ids, product_ids))
        watch = LagWatch(bootstrap)
        watch.start()
        watch.ready.wait(30)  # its idle sample, before the load
        k = min(len(gen.procs), max(1, math.ceil(rate / args.per_process_rate)))
        cs, ps, start_at = sorted(customers), sorted(products), time.time() + 0.5
        specs = [
            MixSpec(
                rate / k,
                args.seconds,
                start_at,
                {c: customers[c] for c in cs[i::k]},
                {p: products[p] for p in ps[i::k]},
                max(1, args.max_inflight // k),
                f"{args.run}m{rate:g}w{i}",
                args.wait_bound,
            )
            for i in range(k)
        ]
        watch.begin_at = start_at + args.seconds
        watch.go.set()
        meter.start()
        results = gen.run_specs(specs, args.seconds + args.wait_bound + 60)
        shares, wall = meter.stop()
        watch.join(LAG_BOUND_S + 10)
        rows.append(
            {
                "phase": f"mix {rate:g}/s",
                "target": rate,
                "caught": caught,
                "costs": meter.costs,
                "lag": watch.result,
                **summarise(results, shares, wall),
            }
        )
        print(f"mix {rate:g}/s done: {rows[-1]['rate']:.1f} commands/s, {rows[-1]['stale']} stale", flush=True)
    return rows


def summarise(results: list[dict], shares: dict[str, float], wall: float) -> dict:
    out = {k: sum(r[k] for r in results) for k in ("issued", "dropped", "accepted", "ok", "e504", "stale")}
    for k in ("kinds", "refused", "errors", "reads", "stale_by", "e504_by", "errors_by"):
        out[k] = sum((r[k] for r in results), Counter())
    rt = {m: [x for r in results for x in r["rt"][m]] for m in MODELS}
    rt["overall"] = [x for r in results for x in r["overall"]]
    out.update(phase_summary(results, shares, wall))
    done = out["ok"] + sum(out["refused"].values())
    out.update(
        rate=done / out["span"] if out["span"] > 0 else 0.0,
        rt={m: [percentile(v, p) for p in (0.5, 0.95, 0.99, 1.0)] for m, v in rt.items()},
        examples=[x for r in results for x in r["examples"]][:3],
    )
    return out


# --- report ---------------------------------------------------------------------------------


def lag_cells(lag: dict) -> list[str]:
    """idle floor, at the schedule's end (sources + stages), sources settled, all settled."""
    when = lambda x: f"{x:.1f}" if x is not None else f"> {LAG_BOUND_S:g}"  # noqa: E731
    end = "?" if lag["end"] is None else f"{lag['end_sources']} + {lag['end'] - lag['end_sources']}"
    return ["?" if lag["idle"] is None else str(lag["idle"]), end, when(lag["sources_s"]), when(lag["settled_s"])]


def mix_lines(args, rows: list[dict]) -> list[str]:
    if not rows:
        return []
    customers, products, created, seed_s = args.mix_shop
    shop = prefixes(args.mix_name)
    lines = [
        "Shop mix (the demo's live command mix), write answer -> token read answer of the "
        "read model it changed (ms; all answers, 504s included; overall = a command's "
        "last read):",
        "",
        f"- shop `{args.mix_name}`: {customers} customers, {products} products (`{shop['products']}`/"
        f"`{shop['customers']}`; {created} created now, {seed_s:.1f} s), holding "
        f"{args.mix_history:,} orders before the first rate (a rename re-renders each order of its "
        f"product), stock {STOCK:,} each; every 10th order "
        f"also reads /stats/sales. Lag: messages of pipeline group `{CONSUMER_GROUP}` not "
        f"committed yet (source + stage topics; heartbeat topic left out), polled every "
        f"{LAG_EVERY_S * 1000:.0f} ms; idle = the most seen in {LagWatch.IDLE_S:g} s "
        f"before the load; sources settled = source topics <= {LAG_NEAR_ZERO}; lag "
        f"settled = that and all topics <= idle + {LAG_NEAR_ZERO}; times from the end of "
        f"the schedule",
        "",
        *table(
            [
                "offered/s",
                "procs",
                "issued",
                "dropped",
                "accepted",
                "refused 4xx",
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
                "settle s",
                "idle lag",
                "lag at end",
                "sources settled s",
                "lag settled s",
            ],
            [
                [
                    f"{r['target']:g}",
                    str(r["procs"]),
                    str(r["issued"]),
                    str(r["dropped"]),
                    str(r["accepted"]),
                    str(sum(r["refused"].values())),
                    f"{r['rate']:.1f}",
                    ms(r["write"][0]),
                    ms(r["write"][1]),
                    *(ms(x) for x in r["rt"]["overall"]),
                    str(r["e504"]),
                    str(sum(r["errors"].values())),
                    str(r["stale"]),
                    f"{r['caught']:.2f}",
                    *lag_cells(r["lag"]),
                ]
                for r in rows
            ],
        ),
        "",
        "Per read model:",
        "",
        *table(
            ["offered/s", "read model", "reads", "p50", "p95", "p99", "max", "504", "errors", "stale"],
            [
                [
                    f"{r['target']:g}",
                    m,
                    str(r["reads"][m]),
                    *(ms(x) for x in r["rt"][m]),
                    str(r["e504_by"][m]),
                    str(r["errors_by"][m]),
                    str(r["stale_by"][m]),
                ]
                for r in rows
                for m in MODELS
            ],
        ),
    ]
    for r in rows:
        at = f"at {r['target']:g}/s"
        lines.append(f"- commands {at}: " + ", ".join(f"{k} {v}" for k, v in r["kinds"].most_common()))
        if r["refused"]:
            lines.append(f"- expected refusals {at}: " + ", ".join(f"{k} {v}" for k, v in r["refused"].most_common()))
        if r["errors"]:
            lines.append(f"- errors {at}: {errors_of(r)}")
        lines += [f"- stale {at}: {x}" for x in r["examples"]]
        lag = r["lag"]
        lines.append(
            f"- lag {at}: settled after {lag_cells(lag)[3]} s; {lag['polls']} polls "
            f"after the load (median {percentile(lag['poll_ms'], 0.5):.0f} ms), "
            f"{lag['failed']} failed"
        )
        if "error" in lag:
            lines.append(f"- lag watch {at} failed: {lag['error']}")
    return [*lines, ""]
