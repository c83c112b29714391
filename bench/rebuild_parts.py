"""Pieces of the rebuild bench: COPY a shop into Postgres, the raw bulk baseline, the CLI run, the reader process."""

from __future__ import annotations

import json
import math
import os
import random
import re
import resource
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from elasticsearch import Elasticsearch, helpers
from products_stack import CLOCK_TICKS, _stat, descendants, machine_cpu_seconds, process_tree, stack_pids

ROOT = Path(__file__).resolve().parent.parent
READSIDE = ROOT / ".venv" / "bin" / "readside"
CHUNK, THREADS = 2000, 2  # as infra/backfill/runner.py
AT_L = (
    "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint, "
    "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
)  # as infra/backfill/snapshot.py
CATEGORIES = [
    f"bench-{c}" for c in "audio books garden kitchen office outdoor sport tools toys travel video wear".split()
]
WORDS = (
    "steel oak linen compact quiet rapid solar classic modular pocket travel studio wireless ceramic carbon "
    "vintage smart dual silver amber granite coastal nordic urban alpine velvet cotton bamboo portable"
).split()
FIRST = "ada alan grace linus barbara ken dennis margaret edsger donald frances john leslie radia tim".split()
LAST = "lovelace turing hopper torvalds liskov thompson ritchie hamilton dijkstra knuth allen backus lamport".split()
COUNTRIES = ["DE", "FR", "NL", "SE", "IT", "ES", "PL", "GB", "US", "CA"]
STATUSES = ["placed"] * 2 + ["paid"] * 3 + ["shipped"] * 4 + ["cancelled"]
DAYS = 60


# --- seeding ------------------------------------------------------------------------------------------


@dataclass
class Shop:
    run: str
    products: list[tuple]  # sku, name, description, category, price
    customers: list[tuple]  # email, name, country
    orders: list[tuple]  # customer index, status, placed_at, updated_at
    lines: list[list[tuple]]  # per order: (product index, quantity)


def make_shop(run: str, products: int, customers: int, orders: int, seed: int = 7) -> Shop:
    """Every row generated up front, so the seeding clock times Postgres, not Python."""
    rng = random.Random(seed)
    prods = [
        (
            f"RB-{run}-{i:05d}",
            f"{' '.join(rng.sample(WORDS, 3)).title()} {i}",
            " ".join(rng.choices(WORDS, k=rng.randint(15, 30))).capitalize() + ".",
            rng.choice(CATEGORIES),
            f"{rng.randint(100, 50_000) / 100:.2f}",
        )
        for i in range(products)
    ]
    custs = [
        (
            f"rb-{run}-{i}@bench.example",
            f"{rng.choice(FIRST).title()} {rng.choice(LAST).title()}",
            rng.choice(COUNTRIES),
        )
        for i in range(customers)
    ]
    now = datetime.now(UTC)
    ords, lines = [], []
    for _ in range(orders):
        placed = now - timedelta(seconds=rng.uniform(0, DAYS * 86400))
        ords.append(
            (
                rng.randrange(customers),
                rng.choice(STATUSES),
                placed.isoformat(),
                min(now, placed + timedelta(hours=rng.uniform(0, 48))).isoformat(),
            )
        )
        lines.append([(p, rng.randint(1, 5)) for p in rng.sample(range(products), rng.randint(1, 4))])
    return Shop(run, prods, custs, ords, lines)


def seed_shop(dsn: str, shop: Shop, chunk: int = 50_000) -> dict[str, float | list[int]]:
    """COPY products (+ inventory), customers, orders and their lines; ids assigned by Postgres and read back.
    Orders go in chunks under an EXCLUSIVE lock, so a chunk's ids are contiguous and in COPY order."""
    took: dict = {}
    with psycopg.connect(dsn) as conn:
        began = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy("COPY products (sku, name, description, category, price) FROM STDIN") as copy:
                for row in shop.products:
                    copy.write_row(row)
            cur.execute(
                "INSERT INTO inventory (product_id, on_hand) SELECT id, 1000000 FROM products WHERE sku LIKE %s",
                (f"RB-{shop.run}-%",),
            )
        pids = dict(conn.execute("SELECT sku, id FROM products WHERE sku LIKE %s", (f"RB-{shop.run}-%",)))
        product_ids = [pids[p[0]] for p in shop.products]
        took["products_s"] = time.perf_counter() - began
        began = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy("COPY customers (email, name, country) FROM STDIN") as copy:
                for row in shop.customers:
                    copy.write_row(row)
        cids = dict(conn.execute("SELECT email, id FROM customers WHERE email LIKE %s", (f"rb-{shop.run}-%",)))
        customer_ids = [cids[c[0]] for c in shop.customers]
        took["customers_s"] = time.perf_counter() - began
        began = time.perf_counter()
        order_ids: list[int] = []
        for start in range(0, len(shop.orders), chunk):
            part = shop.orders[start : start + chunk]
            with conn.transaction(), conn.cursor() as cur:
                cur.execute("LOCK TABLE orders IN EXCLUSIVE MODE")
                before = cur.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()[0]
                with cur.copy("COPY orders (customer_id, status, placed_at, updated_at) FROM STDIN") as copy:
                    for customer, status, placed, updated in part:
                        copy.write_row((customer_ids[customer], status, placed, updated))
                ids = [r[0] for r in cur.execute("SELECT id FROM orders WHERE id > %s ORDER BY id", (before,))]
                if len(ids) != len(part):
                    raise RuntimeError(f"expected {len(part)} new orders, found {len(ids)}")
                with cur.copy(
                    "COPY order_items (order_id, line_no, product_id, quantity, unit_price) FROM STDIN"
                ) as copy:
                    for order_id, lines in zip(ids, shop.lines[start : start + chunk], strict=False):
                        for line_no, (product, quantity) in enumerate(lines, 1):
                            copy.write_row(
                                (order_id, line_no, product_ids[product], quantity, shop.products[product][4])
                            )
            order_ids += ids
        took["orders_s"] = time.perf_counter() - began
        conn.execute("ANALYZE products, inventory, customers, orders, order_items")
    took.update(order_ids=order_ids, customer_ids=customer_ids, product_ids=product_ids)
    return took


# --- raw baseline ---------------------------------------------------------------------------------------


def fetch_documents(dsn: str, documents_sql: str) -> tuple[list[tuple], float]:
    """The model's documents, as the rebuild reads them (server-side cursor, the same params); and the time
    the query and the fetch took (Postgres plus psycopg, no Elasticsearch)."""
    with psycopg.connect(dsn) as conn:
        lsn, ts_ms = conn.execute(AT_L).fetchone()
        params = {"lsn": lsn, "ts_ms": ts_ms, "indexed_at": datetime.now(UTC).isoformat()}
        began = time.perf_counter()
        with conn.cursor(name="bench") as cur:
            cur.itersize = CHUNK * 2
            cur.execute(documents_sql, params)
            rows = list(cur)
        return rows, time.perf_counter() - began


def raw_bulk(es: Elasticsearch, mapping_file: Path, index: str, rows: list[tuple]) -> dict[str, float]:
    """parallel_bulk of `rows` into a scratch index with the model's mapping (no refresh, no replica, plain
    index ops); then its refresh back on and a refresh, timed apart; then the index is deleted."""
    mapping = json.loads(mapping_file.read_text())
    settings = {
        **(mapping.get("settings") or {}),
        "refresh_interval": "-1",
        "auto_expand_replicas": "false",
        "number_of_replicas": 0,
    }
    es.options(ignore_status=404).indices.delete(index=index)
    es.indices.create(index=index, settings=settings, mappings=mapping["mappings"])
    try:
        indexed, began = 0, time.perf_counter()
        actions = ({"_index": index, "_id": str(doc_id), "_source": body} for doc_id, body in rows)
        for ok, _ in helpers.parallel_bulk(es, actions, thread_count=THREADS, chunk_size=CHUNK, raise_on_error=True):
            indexed += ok
        bulk_s = time.perf_counter() - began
        began = time.perf_counter()
        es.indices.put_settings(index=index, settings={"refresh_interval": mapping["settings"].get("refresh_interval")})
        es.indices.refresh(index=index)
        refresh_s = time.perf_counter() - began
        count = es.count(index=index)["count"]
    finally:
        es.options(ignore_status=404).indices.delete(index=index)
    if indexed != len(rows) or count != len(rows):
        raise RuntimeError(f"raw bulk into {index}: {indexed} ok, {count} counted, {len(rows)} sent")
    return {"docs": len(rows), "bulk_s": bulk_s, "refresh_s": refresh_s}


# --- the rebuild, as a user runs it ------------------------------------------------------------------------

DONE = re.compile(r"([\d,]+) documents at LSN (\d+) in ([\d.]+) s \(([\d,]+)/s\), ([\d.]+) s in all")


def run_rebuild(model: str, timeout_s: float) -> dict:
    """`readside rebuild <model>`; its report line parsed, its wall time and CPU (it is this process's child)."""
    env = {**os.environ, "COLUMNS": "500", "NO_COLOR": "1", "TERM": "dumb"}
    before, began = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run(
        [str(READSIDE), "rebuild", model], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s
    )
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = DONE.search(" ".join(done.stdout.split()))
    if done.returncode != 0 or not found:
        raise RuntimeError(f"readside rebuild {model} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    docs, rate = int(found[1].replace(",", "")), int(found[4].replace(",", ""))
    return {
        "docs": docs,
        "lsn": int(found[2]),
        "index_s": docs / rate if rate else float(found[3]),
        "index_s_printed": float(found[3]),
        "rate": rate,
        "total_s": float(found[5]),
        "wall_s": wall,
        "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "log": done.stderr.strip(),
    }


# --- CPU per stack part ----------------------------------------------------------------------------------


class TreeMeter:
    """CPU seconds of each stack part's process tree between start() and stop(), as a share of one core.
    Unlike products_stack.CpuMeter it counts processes that ended meanwhile (Postgres backends of a closed
    connection) through their parent's cutime/cstime, the CPU of children it has reaped."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir, self.began, self.at_start = run_dir, 0.0, {}

    def _now(self) -> dict[str, float]:
        tree = process_tree()
        usage = {}
        for part, pid in stack_pids(self.run_dir).items():
            stats = [_stat(p) for p in descendants(pid, tree)]
            usage[part] = sum(sum(int(x) for x in s[11:15]) for s in stats if s) / CLOCK_TICKS
        usage["machine busy"] = machine_cpu_seconds()[0]
        return usage

    def start(self) -> None:
        self.at_start, self.began = self._now(), time.perf_counter()

    def stop(self) -> dict[str, float]:
        end, wall = self._now(), max(time.perf_counter() - self.began, 1e-6)
        return {part: (end[part] - self.at_start.get(part, end[part])) / wall for part in end}


# --- the reader: plain reads through the query API, in its own process ------------------------------------


def read_plan(
    old_orders: list[int], new_orders: list[int], old_customers: list[int], new_customers: list[int], seed: int
) -> list[tuple[str, str]]:
    """A shuffled list of (kind, path). `*_new` are ids seeded by this run: the stream is paused, so their
    documents exist only once that model's rebuild has switched its alias (404 before is expected)."""
    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    plan = []
    for _ in range(4000):
        first = today - timedelta(days=rng.randrange(DAYS))
        window = f"from={first - timedelta(days=6)}&to={first}"
        plan += [
            ("order_new", f"/orders/{rng.choice(new_orders)}"),
            ("customer_new", f"/customers/{rng.choice(new_customers)}"),
            ("search", f"/products/search?q={rng.choice(WORDS)}"),
            ("sales", f"/stats/sales?{window}"),
            ("top", f"/stats/top-products?{window}"),
        ]
        if old_orders and old_customers:  # documents the stack held before this run (none on an empty one)
            plan += [
                ("order", f"/orders/{rng.choice(old_orders)}"),
                ("customer", f"/customers/{rng.choice(old_customers)}"),
            ]
    rng.shuffle(plan)
    return plan


def reader(base_url: str, plan: list[tuple[str, str]], rate: float, ready, stop, out) -> None:
    """Sequential GETs at `rate` per second (a late answer delays the next, no catch-up burst) until `stop`."""
    with httpx.Client(base_url=base_url, timeout=10.0) as client:
        client.get("/health")
        ready.set()
        cpu0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        results, due, i = [], time.perf_counter(), 0
        while not stop.is_set():
            kind, path = plan[i % len(plan)]
            i += 1
            began = time.perf_counter()
            try:
                status = client.get(path).status_code
            except httpx.HTTPError:
                status = 0
            results.append((kind, status, (time.perf_counter() - began) * 1000, began - wall0))
            due = max(due + 1 / rate, time.perf_counter() - 1.0)
            time.sleep(max(0.0, due - time.perf_counter()))
        cpu1, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - wall0
    out.put(
        {"results": results, "wall_s": wall, "cpu_s": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)}
    )


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]
