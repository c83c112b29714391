"""Health means progress: Elasticsearch refusing writes, or a burst of dead letters, makes the pipeline
unhealthy in `readside status` (exit 1) and on the console, with the reason. A write block is waited out:
no dead letter, no token read answered with older data, every read model exact afterwards."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from infra.polling import poll_until
from tests.support.kafka import produce
from tests.support.pipeline import assert_verified

pytestmark = pytest.mark.e2e


def status() -> tuple[int, dict]:
    result = subprocess.run(
        [sys.executable, "-m", "infra.cli.main", "status", "--json"], capture_output=True, text=True, timeout=60
    )
    return result.returncode, json.loads(result.stdout)


def watched_status(console: str) -> tuple[int, dict]:
    httpx.get(f"{console}/api/status", timeout=5)  # watched, the console samples every 2 s
    return status()


def test_a_write_block_is_waited_out_with_status_red_and_no_stale_read_or_dead_letter(stack, shop):
    es = stack.settings.elasticsearch_url
    console = f"http://{stack.settings.host}:{stack.settings.console_port}"
    products = [shop.add_product() for _ in range(6)]
    assert shop.get(f"/products/{products[-1]['id']}", products[-1]["consistency_token"]).status_code == 200
    letters_before = dead_letters(console)
    httpx.put(f"{es}/products/_settings", json={"index.blocks.write": True}).raise_for_status()
    try:
        renamed = [shop.command("PATCH", f"/products/{p['id']}", {"name": f"Blocked {p['word']}"}) for p in products]
        report = poll_until(
            lambda: (
                (r := watched_status(console))[0] == 1
                and "refuses writes to products (" in r[1]["services"]["pipeline"]["detail"]
                and r[1]
            ),
            60,
            "status to say Elasticsearch refuses the writes",
            1.0,
        )
        assert "cluster_block_exception" in report["services"]["pipeline"]["detail"]
        waited = shop.get(f"/products/{products[0]['id']}", renamed[0]["consistency_token"])
        assert waited.status_code == 504, waited.text  # never the old name with a 200
    finally:
        httpx.put(f"{es}/products/_settings", json={"index.blocks.write": False}).raise_for_status()
    for product, change in zip(products, renamed, strict=False):
        read = shop.get(f"/products/{product['id']}", change["consistency_token"])
        assert read.status_code == 200 and read.json()["name"] == f"Blocked {product['word']}"
    assert dead_letters(console) == letters_before
    poll_until(lambda: watched_status(console)[0] == 0, 60, "status to turn healthy once the block is lifted", 1.0)
    assert_verified()


def dead_letters(console: str) -> float:
    now = httpx.get(f"{console}/api/status", timeout=5).json().get("now") or {}
    return sum((now.get("dead_letters") or {}).values())


def test_a_dead_letter_burst_turns_the_pipeline_unhealthy_until_it_has_passed(stack, shop):
    console = f"http://{stack.settings.host}:{stack.settings.console_port}"
    topic = "readside.public.products"  # the source topic Debezium writes products to
    for n in range(12):  # records no Debezium wrote: each one is a dead letter
        produce(stack.kafka_bootstrap, topic, b'{"id": 1}', f"not json {n}".encode())

    def unhealthy() -> dict | None:
        code, report = watched_status(console)
        pipeline = report["services"]["pipeline"]
        return report if code == 1 and not pipeline["healthy"] else None

    report = poll_until(unhealthy, 60, "status to report the dead-letter burst", 1.0)
    assert "dead letters in the last" in report["services"]["pipeline"]["detail"]
    poll_until(lambda: status()[1]["services"]["pipeline"]["healthy"], 90, "the burst to age out of the alarm", 2.0)


def test_a_pause_of_the_source_topics_shows_in_status_and_needs_the_control_token(stack):
    from infra.secrets import control_token

    console = f"http://{stack.settings.host}:{stack.settings.console_port}"
    url = f"http://{stack.settings.host}:{stack.settings.pipeline_web_port}/readside/pause/"
    assert httpx.post(url, params={"seconds": 20}).status_code == 401
    auth = {"Authorization": f"Bearer {control_token(stack.settings)}"}
    assert httpx.post(url, params={"seconds": "nan"}, headers=auth).status_code == 400
    httpx.post(url, params={"seconds": 20}, headers=auth).raise_for_status()
    try:
        poll_until(
            lambda: (watched_status(console)[1]["pipeline"] or {}).get("source_paused"),
            30,
            "status to show the paused source topics",
            1.0,
        )
    finally:
        httpx.delete(url, headers=auth).raise_for_status()
    poll_until(
        lambda: not (watched_status(console)[1]["pipeline"] or {}).get("source_paused"),
        30,
        "status to show the source topics resumed",
        1.0,
    )
