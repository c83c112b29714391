"""`readside backfill` on the real stack: documents from a snapshot, then the stream takes over exactly."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from infra.backfill.products import products_target
from infra.backfill.runner import BackfillReport, StreamPause, run_backfill, worker_url
from infra.pipeline_status import parse_pending_handovers
from infra.polling import DeadlineExceeded, poll_until
from pipelines.settings import PipelineSettings
from tests.integration.pipelines.conftest import free_port, started_worker
from tests.integration.pipelines.support import Worker, expected_documents, visible

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def worker(stack, tmp_path_factory, source_baseline) -> Iterator[Worker]:
    """A worker with its web server on, for the pause endpoint a backfill uses."""
    with started_worker(stack, tmp_path_factory.mktemp("pipeline"), source_baseline, web_port=free_port()) as running:
        yield running


def _settings(worker, monkeypatch) -> PipelineSettings:
    for key, value in worker.env.items():
        if key.startswith("READSIDE_"):
            monkeypatch.setenv(key, value)
    return PipelineSettings()


def _pending_handovers(worker) -> dict | None:
    """What the worker's metrics say of waiting partitions; None while it does not serve them (starting)."""
    try:
        response = httpx.get(f"http://127.0.0.1:{worker.metrics_port}/metrics", timeout=3)
    except httpx.HTTPError:
        return None
    return parse_pending_handovers(response.text)


def _indexed(worker, stack, ids, what, absent=()):
    def matches():
        expected = expected_documents(stack.postgres_dsn, ids)
        return all(visible(worker.get(pid)) == expected[pid] for pid in ids) and all(
            worker.get(pid) is None for pid in absent
        )

    poll_until(matches, 240, what, interval_s=0.1)  # a stack with a long history (after `make demo`) replays it first


def test_a_backfill_over_a_stopped_stream_hands_over_without_losing_or_regressing_a_change(
    worker, shop, stack, monkeypatch
):
    doomed = shop.add_product("Backfill Doomed Vase", "3.00", 1)
    _indexed(worker, stack, [doomed], "a product the backfill will find deleted")
    worker.kill()  # the stream falls behind: everything below is its backlog when it comes back
    shop.delete_product(doomed)
    lamps = [shop.add_product(f"Backfill Lamp {i}", f"{10 + i}.00", 5 + i) for i in range(5)]
    shop.pay_order(shop.place_order([(lamps[0], 2), (lamps[1], 1)]))
    shop.update(lamps[4], name="Backfill Lamp Renamed")

    settings = _settings(worker, monkeypatch)
    indexed, outcome = threading.Event(), {}

    def progress(line: str) -> None:
        if "waiting for the stream" in line:
            indexed.set()

    def backfill() -> None:
        try:
            outcome["report"] = run_backfill(
                products_target(settings), stack.postgres_dsn, settings, progress, wait_s=240
            )
        except Exception as exc:  # reported by the main thread
            outcome["error"] = exc
            indexed.set()

    thread = threading.Thread(target=backfill, daemon=True)
    thread.start()
    assert indexed.wait(120), "the backfill did not index its snapshot"
    assert "error" not in outcome, outcome.get("error")

    # The documents are there as of the snapshot, with no stream running, and the deleted product is gone.
    at_snapshot = expected_documents(stack.postgres_dsn, lamps)
    assert {pid: visible(worker.get(pid)) for pid in lamps} == at_snapshot
    assert worker.get(doomed) is None

    # Changes after the snapshot, then the stream comes back with its whole backlog.
    shop.update(lamps[1], price="99.00")
    shop.adjust_stock(lamps[2], -3)
    shop.pay_order(shop.place_order([(lamps[3], 4)]))
    worker.start()
    final = expected_documents(stack.postgres_dsn, lamps)
    seen_states = {pid: set() for pid in lamps}
    pending_seen: list[dict] = []
    deadline = time.monotonic() + 240
    while thread.is_alive() and time.monotonic() < deadline:  # watch every state a reader could see
        for pid in lamps:
            seen_states[pid].add(repr(visible(worker.get(pid))))
        pending_seen.append(_pending_handovers(worker))
        thread.join(0.05)
    assert "error" not in outcome, f"{outcome.get('error')}\n{worker.tail()}"
    report: BackfillReport = outcome["report"]
    assert report.documents >= len(lamps) and report.deleted >= 1 and report.handover_s is not None
    # While it waited, the worker showed the waiting partitions (what `readside status` prints), then none.
    assert any(p and p.get("products") for p in pending_seen), pending_seen[-3:]
    poll_until(lambda: _pending_handovers(worker) == {}, 30, "every partition live again")

    _indexed(worker, stack, lamps, "the changes after the snapshot", absent=[doomed])
    for pid in lamps:  # never a document older than the snapshot, nor one from half-caught-up state
        assert seen_states[pid] <= {repr(at_snapshot[pid]), repr(final[pid])}, (pid, seen_states[pid])


def test_a_paused_worker_reads_no_source_events_until_resumed_or_the_pause_runs_out(worker, shop, stack, monkeypatch):
    settings = _settings(worker, monkeypatch)
    said = []
    pause = StreamPause([worker_url(settings)], said.append, seconds=30, token=settings.control_token)
    pause.renew()
    assert pause.paused, said
    lamp = shop.add_product("Paused Lamp", "7.00", 3)
    with pytest.raises(DeadlineExceeded):  # its events are in Kafka, the worker does not read them
        poll_until(lambda: worker.get(lamp) is not None, 3, "a product written while paused", interval_s=0.1)
    pause.end()
    _indexed(worker, stack, [lamp], "the product once resumed")

    short = StreamPause([worker_url(settings)], said.append, seconds=1, token=settings.control_token)
    short.renew()  # and never ended: the worker resumes by itself
    shop.update(lamp, price="8.00")
    _indexed(worker, stack, [lamp], "a change after a pause that ran out")
    assert "source topics paused for 1 s" in worker.tail(200)


@pytest.mark.parametrize(
    "seconds, token, status",
    [
        ("nan", True, 400),
        ("inf", True, 400),
        ("-5", True, 400),
        ("0", True, 400),
        ("1e9", True, 400),
        ("soon", True, 400),
        ("10", False, 401),
        ("10", "wrong", 401),
    ],
)
def test_the_pause_endpoint_refuses_unbounded_pauses_and_requests_without_its_token(
    worker, monkeypatch, seconds, token, status
):
    settings = _settings(worker, monkeypatch)
    given = {True: settings.control_token, False: None}.get(token, token)
    headers = {"Authorization": f"Bearer {given}"} if given else {}
    response = httpx.post(f"{worker_url(settings)}/readside/pause/", params={"seconds": seconds}, headers=headers)
    assert response.status_code == status, response.text
    assert "error" in response.json()
    assert httpx.get(f"{worker_url(settings)}/table/", timeout=5).status_code == 404  # no table browsing
