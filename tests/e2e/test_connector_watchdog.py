"""A FAILED Debezium task is restarted by the console, with backoff, and the stack recovers without loss.

The failure is real: a transform added to the connector's config that cannot cast the products topic's
records, so Connect's task fails on the next product change (Connect never restarts a FAILED task)."""

from __future__ import annotations

import httpx
import pytest

from infra.polling import poll_until
from infra.registrar import load_connector_files
from tests.support.pipeline import assert_verified

pytestmark = pytest.mark.e2e

FAIL_ON_PRODUCTS = {
    "transforms": "failOnProducts",
    "transforms.failOnProducts.type": "org.apache.kafka.connect.transforms.Cast$Value",
    "transforms.failOnProducts.spec": "op:int32",  # op is "c", "u", "d": never an integer
    "transforms.failOnProducts.predicate": "isProducts",
    "predicates": "isProducts",
    "predicates.isProducts.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
    "predicates.isProducts.pattern": r"readside\.public\.products",
}


def task_state(connect: httpx.Client, name: str) -> str | None:
    tasks = connect.get(f"/connectors/{name}/status").json().get("tasks") or []
    return tasks[0]["state"] if tasks else None


def console_restarts(base: str, name: str) -> list[dict]:
    """The console's newest restarts of the connector, newest first."""
    report = httpx.get(f"{base}/api/status", timeout=5).json()  # a look makes the console sample every 2 s
    return [event for event in report.get("restarts", []) if event["connector"] == name]


def restart_count(base: str, name: str) -> float:
    console_restarts(base, name)
    for line in httpx.get(f"{base}/metrics", timeout=5).text.splitlines():
        if line.startswith(f'readside_connector_restarts_total{{connector="{name}"}}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_failed_task_is_restarted_with_backoff_and_nothing_is_lost(stack, shop):
    connector = load_connector_files(stack.settings.connectors_dir)[0]
    connect = httpx.Client(base_url=stack.settings.connect_url, timeout=30)
    console = f"http://{stack.settings.host}:{stack.settings.console_port}"
    before = restart_count(console, connector.name)
    connect.put(
        f"/connectors/{connector.name}/config", json={**connector.config, **FAIL_ON_PRODUCTS}
    ).raise_for_status()
    try:
        added = shop.add_product(name="Watchdog lamp")
        renames = iter(range(1_000_000))

        def failed_on_a_product_change() -> bool:
            # Connect swaps in the new config's task a moment after the PUT: change the product until it fails
            if task_state(connect, connector.name) == "FAILED":
                return True
            added.update(shop.command("PATCH", f"/products/{added['id']}", {"name": f"Watchdog lamp {next(renames)}"}))
            return False

        poll_until(failed_on_a_product_change, 60, "the task to fail on a product change", 0.5)
        poll_until(
            lambda: restart_count(console, connector.name) >= before + 2,
            90,
            "the console to restart the failed task twice",
        )
        newest, previous = console_restarts(console, connector.name)[:2]
        assert newest["at"] - previous["at"] >= 4.5  # not at once: the backoff waits at least 5 s
        assert "NumberFormatException" in newest["reason"] and newest["failed"] == ["task 0"]
    finally:
        connect.put(f"/connectors/{connector.name}/config", json=connector.config).raise_for_status()
    poll_until(lambda: task_state(connect, connector.name) == "RUNNING", 60, "the task to run again")
    assert shop.get(f"/products/{added['id']}", added["consistency_token"]).status_code == 200
    assert_verified()
