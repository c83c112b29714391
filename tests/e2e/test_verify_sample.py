"""`readside verify --sample N` compares a bounded random sample of each side, and finds what differs in it."""

from __future__ import annotations

import re

import httpx
import pytest

from infra.console.drift import DriftWatch
from infra.console.metrics import DRIFT
from tests.support.pipeline import readside

pytestmark = pytest.mark.e2e


def compared(output: str) -> int:
    return int(re.search(r"products: (\d+) document\(s\) compared", output).group(1))


def test_a_sample_is_bounded_and_a_tampered_document_in_it_is_found(stack, shop):
    products = [shop.add_product() for _ in range(3)]
    assert shop.get(f"/products/{products[-1]['id']}", products[-1]["consistency_token"]).status_code == 200
    small = readside("verify", "--model", "products", "--sample", "2", "--wait", "0")
    assert small.returncode == 0, small.stdout + small.stderr
    assert 1 <= compared(small.stdout) <= 4  # two ids from each side, some the same
    victim = products[0]["id"]
    es = stack.settings.elasticsearch_url
    httpx.post(
        f"{es}/products/_update/{victim}", json={"doc": {"name": "Tampered lamp"}}, params={"refresh": "true"}
    ).raise_for_status()
    try:
        whole = readside("verify", "--model", "products", "--sample", "1000000", "--wait", "0")
        assert whole.returncode == 1 and "Tampered lamp" in whole.stdout, whole.stdout
        # The console's timer runs the same sample: the drift is a metric and a problem
        watch = DriftWatch(
            stack.settings.model_copy(update={"verify_sample_size": 1_000_000, "verify_sample_wait_s": 0})
        )
        watch.once()
        assert DRIFT.labels("products")._value.get() == 1
        assert [p for p in watch.problems if "1 difference(s)" in p and "products" in p]
    finally:  # the next change of the product writes its document again
        fixed = shop.command("PATCH", f"/products/{victim}", {"name": f"Untampered lamp {victim}"})
        assert shop.get(f"/products/{victim}", fixed["consistency_token"]).status_code == 200
