"""Scale-out (READSIDE_WORKERS=2, READSIDE_TOPIC_PARTITIONS=8: `make test-workers`): two pipeline workers share
the partitions of one consumer group. A worker stopped, and one SIGKILLed, under writes hands its partitions
to the other; nothing is lost or counted twice (`verify` 0) and no token read answers with older data."""

from __future__ import annotations

import os
import signal

import pytest

from infra.native.stack import BY_NAME, NativeStack
from infra.polling import poll_until
from tests.support.pipeline import assert_verified, server_pid
from tests.support.stack import native_with
from tests.support.workload import ANSWERS_WHILE_DOWN, Renamer, customer_once_writes_work

pytestmark = pytest.mark.e2e


@pytest.fixture
def workers(stack):
    return native_with(stack, stack.settings.workers >= 2, "READSIDE_WORKERS=2 (`make test-workers`)")


def _renamer(stack, shop) -> Renamer:
    renamer = Renamer(stack, shop.add_product(initial_stock=100_000), customer_once_writes_work(shop), read_orders=True)
    renamer.start()
    poll_until(lambda: renamer.acked >= 10, 90, "writes to flow with two workers")
    return renamer


def _flows(renamer: Renamer, what: str, more: int = 15) -> None:
    acked = renamer.acked
    poll_until(lambda: renamer.acked >= acked + more, 180, what)


def test_both_workers_run_and_the_partitions_are_eight(workers):
    native = NativeStack(workers.settings)
    health = native.health([BY_NAME["pipeline"], BY_NAME["pipeline-2"]])
    assert all(h.healthy for h in health.values()), health
    assert workers.settings.topic_partitions == 8


def test_a_worker_stopped_then_killed_under_writes_hands_over_and_nothing_is_lost(workers, shop):
    native = NativeStack(workers.settings)
    renamer = _renamer(workers, shop)
    try:
        native.down(only=["pipeline-2"])  # a clean leave: its partitions move to the first worker
        _flows(renamer, "writes to be read back with one worker")
        native.up()
        poll_until(lambda: native.health([BY_NAME["pipeline-2"]])["pipeline-2"].healthy, 120, "worker 2 back")
        _flows(renamer, "writes to be read back after worker 2 rejoined")
        victim = server_pid(workers, "pipeline-2")
        assert victim
        os.kill(victim, signal.SIGKILL)  # no leave: the group moves its partitions after the session timeout
        poll_until(lambda: server_pid(workers, "pipeline-2") not in (None, victim), 120, "its supervisor to restart it")
        _flows(renamer, "writes to be read back after the kill")
    finally:
        renamer.stop()
    print(f"two workers, one stopped then killed: answers {renamer.statuses}")
    assert renamer.stale == []
    assert {int(key.rsplit(" ", 1)[1]) for key in renamer.statuses} <= {200, 201, *ANSWERS_WHILE_DOWN}
    assert_verified()
