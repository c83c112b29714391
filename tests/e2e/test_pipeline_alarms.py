"""Health means progress: a burst of dead letters makes the pipeline unhealthy in `readside status` (exit 1)
and on the console, with the reason; replaying the letters after the fix leaves every read model exact."""
from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from infra.polling import poll_until
from tests.support.pipeline import assert_verified

pytestmark = pytest.mark.e2e


def status() -> tuple[int, dict]:
    result = subprocess.run([sys.executable, "-m", "infra.cli.main", "status", "--json"], capture_output=True,
                            text=True, timeout=60)
    return result.returncode, json.loads(result.stdout)


def test_a_dead_letter_burst_turns_the_pipeline_unhealthy_until_it_has_passed(stack, shop):
    es = stack.settings.elasticsearch_url
    console = f"http://{stack.settings.host}:{stack.settings.console_port}"
    products = [shop.add_product() for _ in range(12)]
    last = products[-1]
    assert shop.get(f"/products/{last['id']}", last["consistency_token"]).status_code == 200
    # Elasticsearch refuses every write to the products index: each change becomes a dead letter.
    httpx.put(f"{es}/products/_settings", json={"index.blocks.write": True}).raise_for_status()
    try:
        for product in products:
            shop.command("PATCH", f"/products/{product['id']}", {"name": f"Alarmed {product['word']}"})

        def unhealthy() -> dict | None:
            httpx.get(f"{console}/api/status", timeout=5)  # watched, the console samples every 2 s
            code, report = status()
            pipeline = report["services"]["pipeline"]
            return report if code == 1 and not pipeline["healthy"] else None

        report = poll_until(unhealthy, 60, "status to report the dead-letter burst", 1.0)
        assert "dead letters in the last" in report["services"]["pipeline"]["detail"]
    finally:
        httpx.put(f"{es}/products/_settings", json={"index.blocks.write": False}).raise_for_status()
    replayed = subprocess.run([sys.executable, "-m", "infra.cli.main", "deadletters", "replay", "--reason",
                               "sink_rejected"], capture_output=True, text=True, timeout=120)
    assert replayed.returncode == 0, replayed.stderr
    assert_verified()
    poll_until(lambda: status()[1]["services"]["pipeline"]["healthy"], 90, "the burst to age out of the alarm", 2.0)
