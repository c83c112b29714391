"""The products read model stays exact: poison events, a SIGKILLed worker, a randomized concurrent workload."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from infra.polling import poll_until
from tests.support.kafka import read_topic
from tests.support.workload import run_workload

pytestmark = pytest.mark.e2e


def verify(timeout_s: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "infra.cli.main", "verify", "--wait", str(timeout_s)],
                          capture_output=True, text=True, timeout=timeout_s + 60)


def worker_pid(stack) -> int | None:
    """The Faust worker: the child of the supervisor that `readside up` started."""
    supervisor = int((stack.settings.data / "run" / "pipeline.pid").read_text())
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return int(children[0]) if children else None


def test_a_poison_event_goes_to_the_dead_letter_topic_and_the_next_good_event_is_applied(stack, shop):
    from aiokafka import AIOKafkaProducer

    garbage = f"not json {uuid.uuid4().hex}".encode()

    async def produce() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait("readside.public.products", garbage, key=b'{"id": -1}')
        finally:
            await producer.stop()

    asyncio.run(produce())
    added = shop.add_product()
    assert shop.get(f"/products/{added['id']}", added["consistency_token"]).status_code == 200
    dead = poll_until(lambda: [m for m in read_topic(stack.kafka_bootstrap, "readside.dlq", 1)
                               if m.value and garbage.decode() in _decoded(m.value)], 30, "the dead letter")
    assert dead[0].value["reason"] == "bad_json" and dead[0].value["source"]["topic"] == "readside.public.products"


def _decoded(record: dict) -> str:
    import base64

    return base64.b64decode(record.get("value_b64") or "").decode(errors="replace")


def test_a_worker_killed_mid_stream_restarts_and_verify_shows_no_difference(stack, shop):
    before = worker_pid(stack)
    assert before, "the pipeline worker is not running"
    baseline = events_applied(stack)
    writer = threading.Thread(target=run_workload, args=(shop, 2, 60, 101))
    writer.start()
    try:
        # Kill while the burst is being applied: after the worker has taken some of it, before it ends.
        poll_until(lambda: events_applied(stack) > baseline + 100, 30, "the burst to reach the worker", 0.02)
        os.kill(before, signal.SIGKILL)
    finally:
        writer.join()
    after = poll_until(lambda: (pid := worker_pid(stack)) and pid != before and pid, 60, "the worker's restart")
    assert after != before
    result = verify()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 differences" in result.stdout


def events_applied(stack) -> float:
    """The worker's own count of events it processed (Prometheus text format)."""
    import httpx

    text = httpx.get(f"http://{stack.settings.host}:{stack.settings.pipeline_metrics_port}/metrics").text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("readside_pipeline_events_total"))


def test_a_randomized_concurrent_workload_leaves_no_difference(shop):
    outcomes = run_workload(shop, clients=4, steps=50, seed=2024)
    assert sum(n for key, n in outcomes.items() if key.startswith("place_order 2")) > 0
    result = verify()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 differences" in result.stdout
