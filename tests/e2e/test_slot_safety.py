"""The replication slot under a Connect outage: its retained WAL rises in status and in the console's metrics
while writes go on, falls once Connect is back, and nothing is lost."""

from __future__ import annotations

import httpx
import pytest

from infra.native.stack import NativeStack
from infra.polling import poll_until
from infra.secrets import postgres_password
from infra.settings import StackMode
from infra.slot import slot_report
from tests.support.pipeline import assert_verified


def retained(stack) -> int:
    [slot] = slot_report(stack.settings, postgres_password(stack.settings))
    return slot["retained_bytes"] or 0


def console_retained(stack) -> float | None:
    base = f"http://{stack.settings.host}:{stack.settings.console_port}"
    httpx.get(f"{base}/api/status", timeout=5)  # a look at the page makes the console sample at once
    for line in httpx.get(f"{base}/metrics", timeout=5).text.splitlines():
        if line.startswith("readside_replication_slot_retained_wal_bytes{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_a_connect_outage_grows_the_slot_and_its_return_drains_it(stack, shop):
    if stack.settings.stack is not StackMode.native:
        pytest.skip("stops and starts the native Connect")
    native = NativeStack(stack.settings)
    pid = shop.add_product(name="Slot lantern")["id"]
    poll_until(lambda: retained(stack) < 1024 * 1024, 60, "the slot to be drained before the outage")
    native.down(only=["connect"])
    try:
        before = retained(stack)
        for n in range(600):  # about 380 bytes of WAL each
            shop.command("PATCH", f"/products/{pid}", {"name": f"Slot lantern {n}", "price": f"{n + 1}.00"})
        grown = retained(stack)
        assert grown > before + 100_000, (before, grown)
        [slot] = slot_report(stack.settings, postgres_password(stack.settings))
        assert not slot["active"] and slot["level"] == "ok"  # far below half of the 4 GB bound
        poll_until(
            lambda: (seen := console_retained(stack)) is not None and seen >= grown,
            30,
            "the console's metric to show the grown slot",
        )
    finally:
        native.up()
    poll_until(lambda: retained(stack) < grown // 2, 90, "the slot's retained WAL to fall once Connect is back")
    assert_verified()
