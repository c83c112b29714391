"""`readside deadletters` lists what the pipeline could not apply; `replay` sends it through again after a fix,
and a replayed letter that applies leaves the list."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx
import pytest

from infra.deadletters import read_records
from infra.polling import poll_until
from pipelines.core.deadletters import DeadLetter, encode
from tests.support.kafka import produce
from tests.support.pipeline import readside

pytestmark = pytest.mark.e2e


async def _newest_change_of_product(settings, product_id: int) -> tuple[str, int, int, bytes, bytes]:
    """The product's change record (products or inventory row) with the highest LSN, the one whose LSN
    is its document's version: (topic, partition, offset, key, value)."""
    keys = {"readside.public.products": {"id": product_id}, "readside.public.inventory": {"product_id": product_id}}
    found = []
    for topic, key in keys.items():
        for position, raw_key, value in await read_records(settings, topic):
            if raw_key and value and json.loads(raw_key) == key:
                partition, offset = map(int, position.split("/"))
                found.append((topic, partition, offset, raw_key, value))
    return max(found, key=lambda record: json.loads(record[4])["source"]["lsn"])


def test_a_rejected_change_is_listed_replayed_and_then_applied(stack, shop):
    added = shop.add_product(name="Dead letter lantern")
    pid = added["id"]
    assert shop.get(f"/products/{pid}", added["consistency_token"]).status_code == 200
    topic, partition, offset, record_key, record_value = asyncio.run(_newest_change_of_product(stack.settings, pid))
    es = stack.settings.elasticsearch_url
    version = httpx.get(f"{es}/products/_doc/{pid}").json()["_version"]
    assert json.loads(record_value)["source"]["lsn"] == version
    # As if Elasticsearch had refused that write: the letter the worker writes, and no document.
    letter = DeadLetter(
        "products",
        "sink_rejected",
        f"test refusal of product {pid}",
        topic,
        partition,
        offset,
        record_key,
        record_value,
    )
    key, value, _ = encode(letter, datetime.now(UTC))
    produce(stack.kafka_bootstrap, stack.settings.dead_letter_topic, key, value)
    httpx.delete(
        f"{es}/products/_doc/{pid}", params={"refresh": "true", "version": version, "version_type": "external_gte"}
    ).raise_for_status()

    console = f"http://{stack.settings.host}:{stack.settings.console_port}"
    shown = poll_until(
        lambda: _console_shows(console, f"test refusal of product {pid}"),
        30,
        "the console to show the letter among the newest",
    )
    pending_before = shown["dead_letters_pending"]["sink_rejected"]
    assert pending_before >= 1

    listed = json.loads(readside("deadletters", "--reason", "sink_rejected", "--json").stdout)
    mine = [entry for entry in listed if entry["error"] == f"test refusal of product {pid}"]
    assert len(mine) == 1
    assert mine[0]["source"] == f"{topic}/{partition}/{offset}"
    assert str(pid) in mine[0]["preview"]

    result = readside("deadletters", "replay", "--reason", "sink_rejected")
    assert result.returncode == 0, result.stderr
    assert mine[0]["position"] in result.stderr
    poll_until(
        lambda: httpx.get(f"{es}/products/_doc/{pid}").status_code == 200, 30, "the replayed change to be indexed again"
    )
    listed = json.loads(readside("deadletters", "--json").stdout)
    assert all(entry["position"] != mine[0]["position"] for entry in listed)
    assert "no dead letter to replay" in readside("deadletters", "replay", "--reason", "sink_rejected").stderr
    # The console counts from the topics, so the replayed letter leaves its count and its newest list.
    poll_until(
        lambda: (
            (report := _console_report(console))["dead_letters_pending"]["sink_rejected"] == 0
            and all(d["error"] != f"test refusal of product {pid}" for d in report["newest_dead_letters"])
        ),
        30,
        "the console to drop the replayed letter",
    )
    metrics = httpx.get(f"{console}/metrics", timeout=5).text
    assert 'readside_dead_letters_pending{reason="sink_rejected"} 0.0' in metrics


def _console_report(console: str) -> dict:
    return httpx.get(f"{console}/api/status", timeout=5).json()


def _console_shows(console: str, error: str) -> dict | None:
    report = _console_report(console)
    return report if any(d["error"] == error for d in report.get("newest_dead_letters") or []) else None
