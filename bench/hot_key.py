"""A hot key: one product in N order lines (written straight to Postgres), then renamed through the write API.

Against the running native stack (`readside up`). Reports how long the stream took to index the orders, how
long the rename's fan-out took (until a read with its consistency token answers, and until every one of the
N order documents carries the new name), and the worker's peak RSS in each phase. Appends to
bench/results/hot_key.md with the machine description.

    .venv/bin/python bench/hot_key.py --lines 150000
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine_info import machine  # noqa: E402
from products_stack import pipeline_worker_pid, rss_mb  # noqa: E402

from infra.pipeline_status import lag_by_topic  # noqa: E402
from infra.polling import poll_until  # noqa: E402
from infra.secrets import postgres_password, write_token  # noqa: E402
from infra.settings import StackSettings  # noqa: E402

CHUNK = 10_000  # order lines per transaction


class PeakRss:
    """The worker's highest VmRSS (MB) since the last `take()`, sampled every 0.2 s."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir, self.peak, self._stop = run_dir, 0.0, threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, rss_mb(pipeline_worker_pid(self.run_dir)) or 0.0)

    def take(self) -> float:
        peak, self.peak = self.peak, 0.0
        return peak

    def stop(self) -> None:
        self._stop.set()


def settled(settings: StackSettings) -> bool:
    lag = lag_by_topic(settings) or {}
    return sum(n for topic, n in lag.items() if "heartbeat" not in topic) < 50


def orders_named(es: str, product_id: int, name: str) -> int:
    query = {
        "query": {
            "bool": {"filter": [{"term": {"items.product_id": product_id}}, {"match_phrase": {"items.name": name}}]}
        }
    }
    return httpx.post(f"{es}/orders/_count", json=query, timeout=30).json()["count"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=150_000)
    args = parser.parse_args()
    settings = StackSettings()
    es = settings.elasticsearch_url
    write = httpx.Client(
        base_url=f"http://{settings.host}:{settings.write_api_port}",
        timeout=30,
        headers={"Authorization": f"Bearer {write_token(settings)}"},
    )
    read = httpx.Client(base_url=f"http://{settings.host}:{settings.query_api_port}", timeout=60)
    word = uuid.uuid4().hex[:8]
    product = write.post(
        "/products",
        json={
            "sku": f"HOT-{word}",
            "name": f"Hot {word}",
            "description": "hot key",
            "category": "hot",
            "price": "9.99",
            "initial_stock": 1,
        },
    ).json()
    pid = product["id"]
    rss = PeakRss(settings.data / "run")
    rss.take()
    began = time.monotonic()
    with psycopg.connect(settings.postgres_dsn(postgres_password(settings)), autocommit=True) as conn:
        customers = [row[0] for row in conn.execute("SELECT id FROM customers ORDER BY id LIMIT 1000")]
        for start in range(0, args.lines, CHUNK):
            with conn.transaction():
                conn.execute(
                    "WITH o AS (INSERT INTO orders (customer_id, status) SELECT (%s::bigint[])[1 + g %% %s], 'placed'"
                    " FROM generate_series(1, %s) g RETURNING id)"
                    " INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price)"
                    " SELECT id, 1, %s, 1, 9.99 FROM o",
                    (customers, len(customers), min(CHUNK, args.lines - start), pid),
                )
    written_s = time.monotonic() - began
    poll_until(lambda: orders_named(es, pid, f"Hot {word}") >= args.lines, 3600, "every order indexed", 2.0)
    poll_until(lambda: settled(settings), 3600, "the pipeline to settle", 2.0)
    indexed_s, indexed_rss = time.monotonic() - began, rss.take()

    renamed = f"Renamed {word}"
    began = time.monotonic()
    token = write.patch(f"/products/{pid}", json={"name": renamed}).json()["consistency_token"]
    answered = None
    while answered is None and time.monotonic() - began < 3600:
        response = read.get(f"/products/{pid}", headers={"X-Consistency-Token": token})
        if response.status_code == 200:
            answered = time.monotonic() - began
    poll_until(lambda: orders_named(es, pid, renamed) >= args.lines, 3600, "every order renamed", 1.0)
    fanned_s, fan_rss = time.monotonic() - began, rss.take()
    rss.stop()
    lines = [
        f"\n## {datetime.now().isoformat(timespec='minutes')}: one product in {args.lines:,} order lines\n",
        f"machine: {machine()}\n",
        "| phase | seconds | worker peak RSS (MB) |",
        "|---|---|---|",
        f"| write {args.lines:,} orders with one line each (SQL, {CHUNK:,} per transaction) | {written_s:.1f} | |",
        f"| ... until all are indexed and the pipeline settled | {indexed_s:.1f} | {indexed_rss:.0f} |",
        f"| rename: a token read of the product answers | {answered:.1f} | |"
        if answered
        else "| rename: the token read never answered 200 | | |",
        f"| rename: every order document carries the new name | {fanned_s:.1f} | {fan_rss:.0f} |",
        "",
    ]
    out = ROOT / "bench" / "results" / "hot_key.md"
    if not out.exists():
        out.write_text("# Hot key: one product in many order lines, renamed (bench/hot_key.py)\n")
    with out.open("a") as handle:
        handle.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
