"""The running pipeline worker as tests see it: its pid, its event count, SIGKILL mid-burst, `readside verify`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable

import httpx

from infra.native.stack import NativeStack
from infra.polling import poll_until


def readside(*args: str, timeout_s: float = 120) -> subprocess.CompletedProcess:
    """The `readside` command line, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "infra.cli.main", *args], capture_output=True, text=True, timeout=timeout_s
    )


def verify(timeout_s: float = 90) -> subprocess.CompletedProcess:
    return readside("verify", "--wait", str(timeout_s), timeout_s=timeout_s + 60)


def worker_pid(stack) -> int | None:
    """The Faust worker: the child of the supervisor that `readside up` started (None while it restarts)."""
    return server_pid(stack, "pipeline")


def server_pid(stack, name: str) -> int | None:
    """A server's or service's own pid, as its supervisor recorded it (None between a crash and the restart)."""
    state = NativeStack(stack.settings).process(name).state()
    return state.child_pid if state else None


def events_applied(stack) -> float:
    """The worker's own count of events it processed (Prometheus text format)."""
    text = httpx.get(f"http://{stack.settings.host}:{stack.settings.pipeline_metrics_port}/metrics").text
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("readside_pipeline_events_total")
    )


def kill_worker_during(stack, burst: Callable[[], object], after_events: int = 100) -> None:
    """Run `burst` in a thread, SIGKILL the worker once it has taken some of it, wait for its restart."""
    before = worker_pid(stack)
    assert before, "the pipeline worker is not running"
    baseline = events_applied(stack)
    writer = threading.Thread(target=burst)
    writer.start()
    try:
        # Kill while the burst is being applied: after the worker has taken some of it, before it ends.
        poll_until(lambda: events_applied(stack) > baseline + after_events, 30, "the burst to reach the worker", 0.02)
        os.kill(before, signal.SIGKILL)
    finally:
        writer.join()
    after = poll_until(lambda: (pid := worker_pid(stack)) and pid != before and pid, 60, "the worker's restart")
    assert after != before


def assert_verified(timeout_s: float = 90) -> None:
    """`readside verify` of every read model ends with 0 differences."""
    result = verify(timeout_s)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 differences" in result.stdout


def aliased(es_url: str, alias: str) -> list[str]:
    """The indices `alias` names, sorted ([] when it does not exist)."""
    response = httpx.get(f"{es_url}/_alias/{alias}")
    return [] if response.status_code == 404 else sorted(response.raise_for_status().json())
