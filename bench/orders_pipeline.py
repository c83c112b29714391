"""Measure the orders read model and the sales aggregates: commit → readable / visible in the aggregates at
fixed rates, and a customer-rename fan-out.

Against the running native stack (`readside up`), loopback only. Writers use psycopg directly (one order
with two lines per transaction, open-loop schedule); the commit time is taken when COMMIT returns. A reader
polls Elasticsearch with realtime `_mget` on the `orders` alias for every pending order, so a figure
includes up to one poll cycle. Then one customer gets 1,000 orders, is renamed, and the time until all
1,000 order documents carry the new name is measured the same way. Everything it wrote is deleted at
the end (the deletes flow through the pipeline like any change), so `readside verify` stays at 0.

    .venv/bin/python bench/orders_pipeline.py [--rates 50,200] [--seconds 30] [--fanout 1000]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine_info import load_average, machine  # noqa: E402
from products_phases import percentile  # noqa: E402

from infra.pipeline_status import lag_by_topic  # noqa: E402
from infra.secrets import postgres_password  # noqa: E402
from infra.settings import StackSettings  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "orders.md"
POLL_S = 0.01
IDLE_LAG = 200


class Watcher:
    """Polls `_mget` for pending ids until `seen(doc)` holds; records when each was first seen."""

    def __init__(self, es_url: str, seen) -> None:
        self.es = httpx.Client(base_url=es_url, timeout=30)
        self.seen = seen
        self.pending: dict[str, float] = {}  # id -> commit time (epoch s)
        self.latencies: dict[str, float] = {}
        self.cycles: list[float] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def expect(self, doc_id: str, committed_at: float) -> None:
        with self.lock:
            self.pending[doc_id] = committed_at

    def run(self) -> None:
        while not self.stop.is_set() or self.pending:
            with self.lock:
                ids = list(self.pending)
            if not ids:
                time.sleep(0.001)  # nothing to watch yet: yield to the writer
                continue
            started = time.time()
            docs = self.es.post("/orders/_mget", json={"ids": ids}, params={"realtime": "true"}).json()["docs"]
            now = time.time()
            self.cycles.append(now - started)
            time.sleep(max(0.0, POLL_S - (now - started)))  # a client's pace, not a busy loop against ES
            with self.lock:
                for doc in docs:
                    if doc.get("found") and self.seen(doc["_source"]) and doc["_id"] in self.pending:
                        self.latencies[doc["_id"]] = now - self.pending.pop(doc["_id"])

    def wait(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self.pending and time.monotonic() < deadline:
            time.sleep(0.05)
        self.stop.set()


class SalesWatcher:
    """Polls the product's sales document for today by search (refresh-bound, as /stats sees it); an
    order counts as visible once the units reach what they were before the phase plus its position."""

    def __init__(self, es_url: str, product_id: int) -> None:
        self.es = httpx.Client(base_url=es_url, timeout=30)
        self.doc_id = f"{datetime.now(UTC).date().isoformat()}|{product_id}"
        self.base = self._units(realtime=True)
        self.pending: list[tuple[int, float]] = []  # (units to reach, commit time), in order
        self.latencies: list[float] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def _units(self, realtime: bool = False) -> int:
        if realtime:
            doc = self.es.get(f"/product_sales_daily/_doc/{self.doc_id}").json()
            return doc["_source"]["units"] if doc.get("found") else 0
        hits = self.es.post("/product_sales_daily/_search", json={"query": {"ids": {"values": [self.doc_id]}}}).json()[
            "hits"
        ]["hits"]
        return hits[0]["_source"]["units"] if hits else 0

    def expect(self, nth: int, committed_at: float) -> None:
        with self.lock:
            self.pending.append((self.base + nth, committed_at))

    def run(self) -> None:
        while not self.stop.is_set() or self.pending:
            started = time.time()
            units = self._units()
            now = time.time()
            with self.lock:
                while self.pending and self.pending[0][0] <= units:
                    self.latencies.append(now - self.pending.pop(0)[1])
            time.sleep(max(0.0, POLL_S - (now - started)))

    def wait(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self.pending and time.monotonic() < deadline:
            time.sleep(0.05)
        self.stop.set()


def place_order(conn: psycopg.Connection, customer_id: int, products: list[int]) -> tuple[int, float]:
    with conn.transaction():
        order_id = conn.execute("INSERT INTO orders (customer_id) VALUES (%s) RETURNING id", (customer_id,)).fetchone()[
            0
        ]
        for line_no, product_id in enumerate(products, 1):
            conn.execute(
                "INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) "
                "SELECT %s, %s, id, 1, price FROM products WHERE id = %s",
                (order_id, line_no, product_id),
            )
    return order_id, time.time()


def freshness(dsn: str, es_url: str, customer_id: int, products: list[int], rate: int, seconds: float) -> dict:
    watcher = Watcher(es_url, lambda doc: len(doc["items"]) == len(products))
    stats = SalesWatcher(es_url, products[0])
    readers = [threading.Thread(target=watcher.run), threading.Thread(target=stats.run)]
    for reader in readers:
        reader.start()
    written = []
    with psycopg.connect(dsn) as conn:
        start = time.monotonic()
        for n in range(int(rate * seconds)):
            due = start + n / rate
            while (lag := due - time.monotonic()) > 0:
                time.sleep(lag)
            order_id, committed = place_order(conn, customer_id, products)
            watcher.expect(str(order_id), committed)
            written.append(order_id)
            stats.expect(len(written), committed)
        achieved = len(written) / (time.monotonic() - start)
    watcher.wait(60)
    stats.wait(60)
    for reader in readers:
        reader.join()
    ms = [v * 1000 for v in watcher.latencies.values()] + [float("inf")] * len(watcher.pending)
    agg = [v * 1000 for v in stats.latencies] + [float("inf")] * len(stats.pending)
    return {
        "rate": rate,
        "achieved": achieved,
        "orders": len(written),
        "unseen": len(watcher.pending),
        "p50": percentile(ms, 0.5),
        "p90": percentile(ms, 0.9),
        "p99": percentile(ms, 0.99),
        "max": max(ms),
        "cycle": percentile([c * 1000 for c in watcher.cycles], 0.5),
        "ids": written,
        "stats_p50": percentile(agg, 0.5),
        "stats_p99": percentile(agg, 0.99),
    }


def fanout(dsn: str, es_url: str, customer_id: int, product: int, count: int) -> dict:
    with psycopg.connect(dsn) as conn, conn.transaction():
        ids = [
            r[0]
            for r in conn.execute(
                "INSERT INTO orders (customer_id) SELECT %s FROM generate_series(1, %s) RETURNING id",
                (customer_id, count),
            ).fetchall()
        ]
        conn.execute(
            "INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) "
            "SELECT o, 1, p.id, 1, p.price FROM unnest(%s::bigint[]) o, products p WHERE p.id = %s",
            (ids, product),
        )
    indexed = Watcher(es_url, lambda doc: bool(doc["items"]))
    for order_id in ids:
        indexed.expect(str(order_id), time.time())
    _drain(indexed, 300)
    name = f"Renamed {secrets.token_hex(4)}"
    renamed = Watcher(es_url, lambda doc: (doc.get("customer") or {}).get("name") == name)
    with psycopg.connect(dsn) as conn:
        conn.execute("UPDATE customers SET name = %s WHERE id = %s", (name, customer_id))
        conn.commit()
        committed = time.time()
    for order_id in ids:
        renamed.expect(str(order_id), committed)
    _drain(renamed, 300)
    ms = sorted(v * 1000 for v in renamed.latencies.values())
    return {
        "orders": count,
        "all_ms": ms[-1] if ms and not renamed.pending else float("inf"),
        "first_ms": ms[0] if ms else float("inf"),
        "p50": percentile(ms, 0.5),
        "unseen": len(renamed.pending),
        "index_s": max(indexed.latencies.values(), default=0),
        "ids": ids,
    }


def _drain(watcher: Watcher, timeout_s: float) -> None:
    reader = threading.Thread(target=watcher.run)
    reader.start()
    watcher.wait(timeout_s)
    reader.join()


def wait_idle(settings: StackSettings, timeout_s: float = 300) -> float:
    """Wait until the pipeline has no lag on any source or stage topic, so a phase starts clean; seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        lag = lag_by_topic(settings)
        # Committed offsets trail processing by up to the commit interval (1 s), and marks flow all the
        # time, so an idle pipeline still shows a few dozen messages of lag.
        if lag is not None and sum(lag.values()) <= IDLE_LAG:
            break
        time.sleep(1)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="50,200", help="orders per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=30, help="length of each rate phase")
    parser.add_argument("--fanout", type=int, default=1000, help="orders of the renamed customer")
    parser.add_argument("--note", default="", help="what else ran on the machine")
    args = parser.parse_args()
    settings = StackSettings()
    dsn, es_url = settings.postgres_dsn(postgres_password(settings)), settings.elasticsearch_url
    tag = secrets.token_hex(4)
    load_before = load_average()
    with psycopg.connect(dsn, autocommit=True) as conn:
        customer = conn.execute(
            "INSERT INTO customers (email, name, country) VALUES (%s, %s, 'DE') RETURNING id",
            (f"bench-{tag}@example.com", f"Bench {tag}"),
        ).fetchone()[0]
        products = [
            conn.execute(
                "INSERT INTO products (sku, name, category, price) VALUES (%s, %s, 'bench', 9.99) RETURNING id",
                (f"BENCH-{tag}-{i}", f"Bench {i}"),
            ).fetchone()[0]
            for i in (1, 2)
        ]
    phases, fan = [], None
    try:
        for rate in (int(r) for r in args.rates.split(",")):
            waited = wait_idle(settings)
            phases.append({**freshness(dsn, es_url, customer, products, rate, args.seconds), "waited": waited})
            print(f"@{rate}/s: p50 {phases[-1]['p50']:.0f} ms, p99 {phases[-1]['p99']:.0f} ms", flush=True)
        wait_idle(settings)
        fan = fanout(dsn, es_url, customer, products[0], args.fanout)
        print(f"rename with {args.fanout} orders: all documents in {fan['all_ms']:.0f} ms", flush=True)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            ids = [i for p in phases for i in p["ids"]] + (fan["ids"] if fan else [])
            conn.execute("DELETE FROM order_items WHERE order_id = ANY(%s)", (ids,))
            conn.execute("DELETE FROM orders WHERE customer_id = %s", (customer,))
            conn.execute("DELETE FROM customers WHERE id = %s", (customer,))
            conn.execute("DELETE FROM products WHERE id = ANY(%s)", (products,))
    write_results(args, phases, fan, load_before)


def write_results(args, phases: list[dict], fan: dict | None, load_before: str) -> None:
    info = machine()
    lines = [
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: orders read model and sales aggregates",
        "",
        f"- machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM, {info['os']}, Python {info['python']}",
        f"- load average before {load_before}, after {load_average()}" + (f"; {args.note}" if args.note else ""),
        "- method: psycopg writers, one order with 2 lines per transaction (3 row changes), open loop; "
        "commit time when COMMIT returns; readers poll `_mget` (realtime) on `orders` until the document "
        "has both lines, every 10 ms, so a figure includes up to one poll cycle. Aggregate freshness: a "
        "search (refresh-bound, as `/stats` reads) of the product's `product_sales_daily` document for "
        "today, every 10 ms, until its units include the order",
        "",
        "| orders/s | row changes/s | achieved | orders | p50 ms | p90 ms | p99 ms | max ms | unseen | "
        "poll cycle ms | waited for lag 0 s | aggregate visible p50 ms | p99 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {p['rate']} | {p['rate'] * 3} | {p['achieved']:.0f} | {p['orders']} | {p['p50']:.0f} | "
        f"{p['p90']:.0f} | {p['p99']:.0f} | {p['max']:.0f} | {p['unseen']} | {p['cycle']:.1f} | "
        f"{p['waited']:.0f} | {p['stats_p50']:.0f} | {p['stats_p99']:.0f} |"
        for p in phases
    ]
    if fan:
        lines += [
            "",
            f"Customer rename with {fan['orders']} orders: the first order document showed the new name "
            f"after {fan['first_ms']:.0f} ms, half of them after {fan['p50']:.0f} ms, all "
            f"{fan['orders']} after **{fan['all_ms']:.0f} ms** (unseen: {fan['unseen']}). Indexing the "
            f"{fan['orders']} orders themselves (one transaction) took {fan['index_s']:.1f} s.",
        ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as results:
        results.write("\n".join(lines) + "\n\n")
    print(f"results appended to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
