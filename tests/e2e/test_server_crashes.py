"""Each server SIGKILLed in the middle of a stream of writes: its supervisor restarts it, `readside status` shows
the restart, no token read returns older data, the write API never answers 500, nothing is lost, and the
transient failures it causes in the pipeline (refused connections, timeouts) make no dead letter.
(The full matrix, with stalls and every service, is `make faults`.)"""
from __future__ import annotations

import os
import signal
import threading
import time

import httpx
import pytest

from infra.deadletters import list_letters
from infra.native.stack import BY_NAME, NativeStack
from infra.polling import poll_until
from infra.secrets import postgres_password
from infra.settings import StackMode
from infra.slot import slot_report
from tests.support.clients import Shop
from tests.support.pipeline import assert_verified, server_pid

pytestmark = pytest.mark.e2e

ANSWERS_WHILE_DOWN = {503, 504}  # a server is gone (503) or the write is not readable in time (504)


class Renamer(threading.Thread):
    """Renames one product again and again; after each acknowledged rename reads it back with its token.
    A 200 with any other name is a stale read. Orders are placed in between so every read model moves."""

    def __init__(self, stack, product: dict, customer: int):
        super().__init__(daemon=True)
        self.shop = Shop.connect(stack.settings)
        self.product, self.customer = product, customer
        self.acked, self.statuses, self.stale = 0, {}, []
        self.halt = threading.Event()

    def count(self, what: str, status: int) -> None:
        key = f"{what} {status}"
        self.statuses[key] = self.statuses.get(key, 0) + 1

    def run(self) -> None:
        n = 0
        while not self.halt.is_set():
            n += 1
            name = f"Crash lamp {self.product['word']} {n}"
            try:
                wrote = self.shop.write.patch(f"/products/{self.product['id']}", json={"name": name})
                self.count("write", wrote.status_code)
                order = self.shop.write.post("/orders", json={"customer_id": self.customer,
                                                              "items": [{"product_id": self.product["id"],
                                                                         "quantity": 1}]})
                self.count("order", order.status_code)
                if wrote.status_code != 200:
                    self.halt.wait(0.2)
                    continue
                self.acked += 1
                read = self.shop.get(f"/products/{self.product['id']}", wrote.json()["consistency_token"])
                self.count("read", read.status_code)
                if read.status_code == 200 and read.json()["name"] != name:
                    self.stale.append((name, read.json()["name"]))
            except httpx.TransportError as exc:  # an API itself is not killed here: count, go on
                self.count(type(exc).__name__, 0)

    def stop(self) -> None:
        self.halt.set()
        self.join(120)
        self.shop.close()


@pytest.mark.parametrize("server", ["postgres", "kafka", "connect", "elasticsearch"])
def test_a_server_killed_under_writes_is_restarted_by_its_supervisor_and_nothing_is_lost(stack, shop, server):
    if stack.settings.stack is not StackMode.native:
        pytest.skip("kills the native stack's servers")
    native = NativeStack(stack.settings)
    product, customer = shop.add_product(initial_stock=100_000), shop.add_customer()["id"]
    letters = len(list_letters(stack.settings))
    renamer = Renamer(stack, product, customer)
    renamer.start()
    try:
        poll_until(lambda: renamer.acked >= 10, 60, "writes to flow before the kill")
        victim = server_pid(stack, server)
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()

        def restarted() -> dict | None:
            health = native.health([BY_NAME[server]])[server]
            return health if health.healthy and health.restarts >= 1 and health.pid != victim else None

        health = poll_until(restarted, 180, f"{server}'s supervisor to restart it", 0.5)
        back = time.monotonic() - killed
        acked = renamer.acked
        poll_until(lambda: renamer.acked >= acked + 10, 180, "writes to flow after the restart")
    finally:
        renamer.stop()
    print(f"{server}: back in {back:.1f} s; answers {renamer.statuses}")
    assert health.last_exit.startswith("SIGKILL")
    assert renamer.stale == []
    assert not [key for key in renamer.statuses if key.endswith(" 500")], renamer.statuses
    assert {int(k.rsplit(" ", 1)[1]) for k in renamer.statuses} <= {0, 200, 201, *ANSWERS_WHILE_DOWN}
    [slot] = slot_report(stack.settings, postgres_password(stack.settings))
    assert slot["name"] == "readside_slot"  # the same slot survived: nothing to re-snapshot
    assert_verified()
    assert len(list_letters(stack.settings)) == letters  # a server away is waited for, never a dead letter

