"""A schema change on a running stack, as an operator does it, under a running load; results in
bench/results/schema_change.md.

Run it after the new code is on disk (for example migration 0004 and the products_v2 mapping: a product's
brand) while the stack still runs the old code. It keeps a load going (renames and orders through the write
API, each read back with its consistency token, plus plain searches), and meanwhile:
1. `readside migrate`: the new column exists; the running pipeline ignores it;
2. `readside restart pipeline query-api write-api`: the new code runs; the worker adds the new fields to the
   live index's mapping, the APIs replace their workers without dropping a request;
3. `readside rebuild products`: every document gets the new field, behind the alias;
4. a product with a brand is added and found by its brand; `readside verify`.
For each step: its time, and what the load saw meanwhile (token reads answered with the newest data,
504s, stale answers, failures).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
from machine_info import append_results, load_average, machine

from infra.secrets import write_token
from infra.settings import StackSettings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "schema_change.md"
TOKEN = "X-Consistency-Token"


class Load(threading.Thread):
    """One product renamed again and again, each rename read back with its token, a search in between."""

    def __init__(self, settings: StackSettings) -> None:
        super().__init__(daemon=True)
        base = f"http://{settings.host}"
        self.write = httpx.Client(
            base_url=f"{base}:{settings.write_api_port}",
            timeout=30,
            headers={"Authorization": f"Bearer {write_token(settings)}"},
        )
        self.read = httpx.Client(base_url=f"{base}:{settings.query_api_port}", timeout=30)
        word = uuid.uuid4().hex[:8]
        self.product = (
            self.write.post(
                "/products",
                json={
                    "sku": f"SC-{word}",
                    "name": f"Schema lamp {word}",
                    "category": "lighting",
                    "price": "12.00",
                    "initial_stock": 5,
                },
            )
            .raise_for_status()
            .json()["id"]
        )
        self.counts: Counter[str] = Counter()
        self.halt = threading.Event()
        self.cpu = 0.0

    def run(self) -> None:
        n, started = 0, time.thread_time()
        while not self.halt.is_set():
            n += 1
            name = f"Schema lamp {n}"
            try:
                wrote = self.write.patch(f"/products/{self.product}", json={"name": name})
                self.counts[f"write {wrote.status_code}"] += 1
                if wrote.status_code == 200:
                    read = self.read.get(
                        f"/products/{self.product}", headers={TOKEN: wrote.json()["consistency_token"]}
                    )
                    stale = read.status_code == 200 and read.json()["name"] != name
                    self.counts["token read stale" if stale else f"token read {read.status_code}"] += 1
                search = self.read.get("/products/search", params={"q": "lamp"})
                self.counts[f"search {search.status_code}"] += 1
            except httpx.TransportError as exc:
                self.counts[type(exc).__name__] += 1
        self.cpu = time.thread_time() - started

    def take(self) -> Counter[str]:
        taken, self.counts = self.counts, Counter()
        return taken


def readside(*args: str) -> tuple[int, str, float]:
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "infra.cli.main", *args], capture_output=True, text=True, cwd=ROOT, timeout=900
    )
    return done.returncode, (done.stdout.strip() or done.stderr.strip()), time.monotonic() - began


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", type=Path, default=RESULTS)
    p.add_argument("--note", default="")
    args = p.parse_args()
    settings = StackSettings()
    load = Load(settings)
    load.start()
    time.sleep(5)  # a baseline of the load before the first step
    rows = [("load alone, 5 s", 0, 5.0, "", load.take())]
    steps = [("readside migrate",), ("readside restart pipeline query-api write-api",), ("readside rebuild products",)]
    for (step,) in steps:
        code, output, took = readside(*step.split()[1:])
        rows.append((step, code, took, output.splitlines()[-1] if output else "", load.take()))
        print(f"{step}: exit {code} in {took:.1f} s", flush=True)
    word = uuid.uuid4().hex[:6]
    added = load.write.post(
        "/products",
        json={
            "sku": f"SCB-{word}",
            "name": f"Kettle {word}",
            "category": "kitchen",
            "brand": f"Brewell {word}",
            "price": "30.00",
        },
    )
    token = added.json().get("consistency_token", "") if added.status_code == 201 else ""
    found = load.read.get("/products/search", params={"brand": f"Brewell {word}"}, headers={TOKEN: token})
    hits = [h.get("brand") for h in found.json().get("hits", [])] if found.status_code == 200 else []
    load.halt.set()
    load.join(60)
    rows.append(("after: load stopped", 0, 0.0, "", load.take()))
    code, output, took = readside("verify", "--wait", "120")
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    m = machine()
    lines = [
        f"\n## {when}: schema change under load\n",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}, Python {m['python']}; "
        f"load average before: {load_average()}. {args.note}\n",
        "| step | exit | seconds | last line | what the load saw meanwhile |",
        "|---|---:|---:|---|---|",
    ]
    lines += [
        f"| `{step}` | {exit_code} | {seconds:.1f} | {last[:120]} | "
        f"{', '.join(f'{k}: {v}' for k, v in sorted(counts.items())) or '-'} |"
        for step, exit_code, seconds, last, counts in rows
    ]
    lines += [
        "",
        f"A product added with brand `Brewell {word}`: {added.status_code}; a search by that brand with "
        f"its token: {found.status_code}, brands of the hits {hits}.",
        f"`readside verify` afterwards: exit {code} in {took:.1f} s: "
        f"{' / '.join(line for line in output.splitlines() if 'compared' in line)}",
        f"The load thread used {load.cpu:.1f} s of CPU.",
        "",
    ]
    append_results(args.results, "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
