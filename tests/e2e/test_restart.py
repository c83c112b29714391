"""`readside restart <part>`: an API's workers are replaced by new ones that already serve (no request fails
meanwhile); any other part is stopped and started again; the rest is untouched."""

from __future__ import annotations

import threading

import httpx
import pytest

from infra.native.process import child_pids
from infra.settings import StackMode
from tests.support.pipeline import readside, server_pid

pytestmark = pytest.mark.e2e


def test_the_query_api_is_restarted_with_new_workers_while_every_read_is_answered(stack, shop):
    if stack.settings.stack is not StackMode.native:
        pytest.skip("restarts parts of the native stack")
    added = shop.add_product()
    assert shop.get(f"/products/{added['id']}", added["consistency_token"]).status_code == 200  # indexed first
    master, worker = server_pid(stack, "query-api"), server_pid(stack, "pipeline")
    workers = child_pids(master)
    answers: dict[str, int] = {}
    done = threading.Event()

    def read() -> None:
        # A connection per read: a keep-alive connection the old worker closes as it retires can fail the read
        # sent on it at that moment (1 in 989 once), which clients cover by retrying an idempotent request.
        with httpx.Client(
            base_url=f"http://{stack.settings.host}:{stack.settings.query_api_port}",
            timeout=10,
            headers={"Connection": "close"},
        ) as client:
            while not done.is_set():
                try:
                    key = str(client.get(f"/products/{added['id']}").status_code)
                except httpx.TransportError as exc:
                    key = type(exc).__name__
                answers[key] = answers.get(key, 0) + 1

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        result = readside("restart", "query-api", timeout_s=180)
    finally:
        done.set()
        reader.join(30)
    assert result.returncode == 0, result.stderr
    assert "query-api restarted" in result.stderr
    assert server_pid(stack, "query-api") == master and child_pids(master).isdisjoint(workers)
    assert server_pid(stack, "pipeline") == worker
    assert set(answers) == {"200"} and answers["200"] > 10, answers
    assert readside("restart", "no-such-part").returncode == 1
