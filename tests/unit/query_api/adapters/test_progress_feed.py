"""The progress feed's memory: the highest position per source partition, whatever order reports come in."""

from __future__ import annotations

import asyncio
import json

from services.query_api.adapters.progress_feed import ProgressFeed
from services.query_api.consistency.progress import Checkpoint, Partition

P0 = Partition("readside.public.products", 0)
P1 = Partition("readside.public.products", 1)


async def _no_partitions(topics):
    return []


def feed() -> ProgressFeed:
    return ProgressFeed("127.0.0.1:1", "readside.progress", _no_partitions)


def report(projection: str, *positions: tuple[Partition, int, int | None]) -> bytes:
    return json.dumps(
        {
            "projection": projection,
            "positions": [
                {"topic": p.topic, "partition": p.partition, "offset": offset, "lsn": lsn}
                for p, offset, lsn in positions
            ],
        }
    ).encode()


def held(f: ProgressFeed, projection: str) -> dict:
    async def read():
        found = await f.read_many({projection: [P0, P1]})
        await f.close()
        return found[projection]

    return asyncio.run(read())


def test_reports_fold_to_the_highest_position_and_never_move_back():
    f = feed()
    assert f.fold_report(report("products", (P0, 10, 500), (P1, 3, 200)))
    assert not f.fold_report(report("products", (P0, 8, 450)))  # another worker's older minimum
    assert f.fold_report(report("products", (P1, 4, None)))  # a mark at a committed offset: no LSN
    assert held(f, "products") == {P0: Checkpoint(10, 500), P1: Checkpoint(4, 200)}


def test_projections_are_kept_apart_and_a_bad_report_is_ignored():
    f = feed()
    f.fold_report(report("orders", (P0, 7, 300)))
    assert not f.fold_report(b"{not json")
    assert not f.fold_report(json.dumps({"projection": "orders"}).encode())
    assert held(f, "products") == {}
    assert held(f, "orders") == {P0: Checkpoint(7, 300)}
