"""Each server SIGKILLed in the middle of a stream of writes: its supervisor restarts it, `readside status` shows
the restart, no token read returns older data, the write API never answers 500, nothing is lost, and the
transient failures it causes in the pipeline (refused connections, timeouts) make no dead letter.
(The full matrix, with stalls and every service, is `make faults`.)"""

from __future__ import annotations

import os
import signal
import time

import pytest

from infra.deadletters import list_letters
from infra.native.stack import BY_NAME, NativeStack
from infra.polling import poll_until
from infra.secrets import postgres_password
from infra.settings import StackMode
from infra.slot import slot_report
from tests.support.pipeline import assert_verified, server_pid
from tests.support.workload import ANSWERS_WHILE_DOWN, Renamer, customer_once_writes_work

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("server", ["postgres", "kafka", "connect", "elasticsearch"])
def test_a_server_killed_under_writes_is_restarted_by_its_supervisor_and_nothing_is_lost(stack, shop, server):
    if stack.settings.stack is not StackMode.native:
        pytest.skip("kills the native stack's servers")
    native = NativeStack(stack.settings)
    customer = customer_once_writes_work(shop)
    product = shop.add_product(initial_stock=100_000)
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
