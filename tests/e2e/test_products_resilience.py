"""The products read model stays exact: poison events, a SIGKILLed worker, a randomized concurrent workload."""

from __future__ import annotations

import uuid

import pytest

from infra.polling import poll_until
from tests.support.kafka import produce, read_topic
from tests.support.pipeline import assert_verified, kill_worker_during
from tests.support.workload import run_workload

pytestmark = pytest.mark.e2e


def test_a_poison_event_goes_to_the_dead_letter_topic_and_the_next_good_event_is_applied(stack, shop):
    garbage = f"not json {uuid.uuid4().hex}".encode()
    produce(stack.kafka_bootstrap, "readside.public.products", b'{"id": -1}', garbage)
    added = shop.add_product()
    assert shop.get(f"/products/{added['id']}", added["consistency_token"]).status_code == 200
    dead = poll_until(
        lambda: [
            m
            for m in read_topic(stack.kafka_bootstrap, "readside.dlq", 1)
            if m.value and garbage.decode() in _decoded(m.value)
        ],
        30,
        "the dead letter",
    )
    assert dead[0].value["reason"] == "bad_json" and dead[0].value["source"]["topic"] == "readside.public.products"


def _decoded(record: dict) -> str:
    import base64

    return base64.b64decode(record.get("value_b64") or "").decode(errors="replace")


def test_a_worker_killed_mid_stream_restarts_and_verify_shows_no_difference(stack, shop):
    kill_worker_during(stack, lambda: run_workload(shop, 2, 60, 101))
    assert_verified()


def test_a_randomized_concurrent_workload_leaves_no_difference(shop):
    outcomes = run_workload(shop, clients=4, steps=50, seed=2024)
    assert sum(n for key, n in outcomes.items() if key.startswith("place_order 2")) > 0
    assert_verified()
