"""Worker CPU per source change: the declared engine against a hand-written stage, in one run; results in
bench/results/declared.md.

Against the running native stack (`readside up`, loopback only), alternating rounds of two phases of the
same size and pace, each ended by a token read of its last write:
- **hand-written**: product renames through the write API (the products stage; the orders stage takes the
  new name too);
- **declared**: review edits with plain SQL, each with its writer's token (`readside_consistency_token()`):
  the reviews projection (declared engine) rebuilds the review; the products stage folds the contribution.
  A change of its words makes one document (the review); of its rating two (the review and the product's
  rating_avg), so both are measured.
Per phase: the worker's CPU per source change (its process tree, /proc), the machine's, and the load
generator's own. The same figure for both is the issue's bar: a declared model costs no more per change.
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from machine_info import append_results, load_average, machine
from products_stack import CpuMeter

from infra.secrets import postgres_password, write_token
from infra.settings import StackSettings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "declared.md"
LOOPBACK = ("127.0.0.1", "localhost")


class Shop:
    """The writes of both phases, and the token read that ends each."""

    def __init__(self, settings: StackSettings, products: int) -> None:
        base = f"http://{settings.host}"
        auth = {"Authorization": f"Bearer {write_token(settings)}"}
        self.write = httpx.Client(base_url=f"{base}:{settings.write_api_port}", headers=auth, timeout=30)
        self.read = httpx.Client(base_url=f"{base}:{settings.query_api_port}", timeout=30)
        self.sql = psycopg.connect(settings.postgres_dsn(postgres_password(settings)), autocommit=True)
        word = uuid.uuid4().hex[:8]
        self.products = [
            self.write.post(
                "/products",
                json={"sku": f"DC-{word}-{i}", "name": f"Cost lamp {i}", "category": "bench", "price": "9.00"}
                | {"initial_stock": 1},
            ).json()["id"]
            for i in range(products)
        ]
        insert = "INSERT INTO reviews (product_id, rating, body) VALUES (%s, 3, 'first words') RETURNING id"
        self.reviews = [self.sql.execute(insert, (p,)).fetchone()[0] for p in self.products]  # type: ignore[index]

    def rename(self, n: int) -> tuple[str, str]:
        product = self.products[n % len(self.products)]
        answer = self.write.patch(f"/products/{product}", json={"name": f"Cost lamp {n}"})
        answer.raise_for_status()
        return f"/products/{product}", answer.json()["consistency_token"]

    def edit_words(self, n: int) -> tuple[str, str]:
        """A review's words: one document (the review); the product's figures do not move."""
        return self._edit(n, "UPDATE reviews SET body = %s WHERE id = %s", (f"words {n}",))

    def edit_rating(self, n: int) -> tuple[str, str]:
        """A review's rating: two documents (the review, and its product's rating_avg)."""
        return self._edit(n, "UPDATE reviews SET rating = %s, body = %s WHERE id = %s", (1 + n % 5, f"words {n}"))

    def _edit(self, n: int, sql: str, values: tuple) -> tuple[str, str]:
        review = self.reviews[n % len(self.reviews)]
        self.sql.execute(sql, (*values, review))
        token = self.sql.execute("SELECT readside_consistency_token()").fetchone()[0]  # type: ignore[index]
        return f"/reviews/{review}", token

    def read_back(self, path: str, token: str, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while self.read.get(path, headers={"X-Consistency-Token": token}).status_code != 200:
            if time.monotonic() > deadline:
                raise SystemExit(f"{path} not readable at its token after {timeout_s:.0f} s")


def run_phase(shop: Shop, meter: CpuMeter, write, changes: int, rate: float) -> dict[str, float]:
    """`changes` writes at `rate` per second, then the token read of the last; CPU shares over all of it."""
    meter.start()
    began = time.monotonic()
    last = ("", "")
    for n in range(changes):
        last = write(n)
        pause = began + (n + 1) / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    shop.read_back(*last)
    shares = meter.stop()
    wall = time.monotonic() - began
    return {
        "wall s": wall,
        "worker ms/change": shares.get("pipeline", 0.0) * wall / changes * 1000,
        "elasticsearch ms/change": shares.get("elasticsearch", 0.0) * wall / changes * 1000,
        "machine ms/change": shares.get("machine busy", 0.0) * wall / changes * 1000,
        "bench cores": shares.get("bench", 0.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=2000, help="source changes per phase")
    parser.add_argument("--rate", type=float, default=200.0, help="writes per second")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    settings = StackSettings()
    if settings.host not in LOOPBACK:
        raise SystemExit("the bench runs against a loopback stack only (READSIDE_HOST)")
    shop = Shop(settings, args.products)
    meter = CpuMeter(settings.data / "run")
    phases = {
        "hand-written: product renames (1 document)": shop.rename,
        "declared: review words (1 document)": shop.edit_words,
        "declared: review ratings (2 documents)": shop.edit_rating,
    }
    run_phase(shop, meter, shop.edit_rating, args.products, args.rate)  # warm: every review indexed once
    rows: list[tuple[str, int, dict[str, float]]] = []
    for round_ in range(1, args.rounds + 1):
        for name, write in phases.items():
            figures = run_phase(shop, meter, write, args.changes, args.rate)
            rows.append((name, round_, figures))
            print(f"round {round_} {name}: " + ", ".join(f"{k} {v:.2f}" for k, v in figures.items()), flush=True)
    columns = list(rows[0][2])
    lines = [
        f"\n## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {args.changes} changes a phase at {args.rate:.0f}/s",
        "",
        "machine: " + ", ".join(f"{k} {v}" for k, v in machine().items()) + f"; load {load_average()}",
        *([f"note: {args.note}"] if args.note else []),
        "",
        "| phase | round | " + " | ".join(columns) + " |",
        "|---|---:|" + "---:|" * len(columns),
        *(f"| {name} | {r} | " + " | ".join(f"{f[c]:.2f}" for c in columns) + " |" for name, r, f in rows),
        "",
    ]
    append_results(RESULTS, "\n".join(lines))
    print(f"results appended to {RESULTS}")


if __name__ == "__main__":
    main()
