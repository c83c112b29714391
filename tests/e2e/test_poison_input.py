"""Poison and odd records on a source topic, fed to the running worker: each one has a bounded, documented
outcome (a dead letter with its reason, one per read model reading the topic, listed by `readside deadletters`),
the worker never restarts over it, and the stream goes on (a write after it is read with its consistency token)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from infra.polling import poll_until
from tests.support.kafka import produce
from tests.support.pipeline import worker_pid
from tests.unit.pipelines.recorded import recorded

pytestmark = pytest.mark.e2e

TOPIC = "readside.public.products"
CUSTOMERS = "readside.public.customers"


def _products(**changes) -> bytes:
    value = recorded("products.update")["value"]
    return json.dumps({**value, **changes}).encode()


POISON = {
    "garbage_800_kb": (TOPIC, bytes(range(256)) * 3200, "bad_json"),
    "missing_after": (TOPIC, _products(after=None), "invalid_envelope"),
    "lsn_past_2_63": (
        TOPIC,
        _products(source={**recorded("products.update")["value"]["source"], "lsn": 2**63}),
        "invalid_envelope",
    ),
    "truncate": (TOPIC, _products(op="t"), "unknown_op"),
    "unavailable_value": (
        CUSTOMERS,
        json.dumps(
            {
                **recorded("customers.update")["value"],
                "after": {**recorded("customers.update")["value"]["after"], "name": "__debezium_unavailable_value"},
            }
        ).encode(),
        "unavailable_value",
    ),
}


def letters(reason: str) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "infra.cli.main", "deadletters", "--reason", reason, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("case", sorted(POISON))
def test_a_poison_record_becomes_one_dead_letter_and_the_stream_goes_on(stack, shop, case):
    topic, value, reason = POISON[case]
    before = {letter["position"] for letter in letters(reason)}
    pid = worker_pid(stack)
    produce(stack.kafka_bootstrap, topic, json.dumps({"id": 10**9}).encode(), value)
    new = poll_until(
        lambda: [letter for letter in letters(reason) if letter["position"] not in before],
        60,
        f"a {reason} dead letter for {case}",
        1.0,
    )
    # one letter per read model whose router reads the topic (products and orders both read products)
    assert len({letter["source"] for letter in new}) == 1 and new[0]["source"].startswith(topic)
    assert len({letter["projection"] for letter in new}) == len(new)
    if case == "garbage_800_kb":
        assert new[0]["original_bytes"] == len(value)  # kept as size, digest and head: the letter stays small
    after = shop.add_product(name=f"After {case}")
    assert shop.get(f"/products/{after['id']}", after["consistency_token"]).status_code == 200
    assert worker_pid(stack) == pid  # no restart, let alone a crash loop
