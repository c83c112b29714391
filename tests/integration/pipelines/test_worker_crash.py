"""Kill or stop the worker in the middle of a stream of changes; after restarts the index equals Postgres."""

from __future__ import annotations

import random
import signal
import threading

import pytest

from infra.polling import poll_until
from tests.integration.pipelines.support import Shop, Worker, expected_documents, visible

pytestmark = pytest.mark.integration


def _write_many(dsn: str, products: list[int], operations: int, done: list[int], errors: list[BaseException]) -> None:
    rng = random.Random(7)
    shop = Shop(dsn)
    placed: list[int] = []
    try:
        for i in range(operations):
            roll = rng.random()
            if roll < 0.45 or not placed:
                items = [(pid, rng.randint(1, 3)) for pid in rng.sample(products, rng.randint(1, 3))]
                placed.append(shop.place_order(items))
            elif roll < 0.6:
                shop.cancel_order(placed.pop(rng.randrange(len(placed))))
            elif roll < 0.7:
                shop.pay_order(rng.choice(placed))
            elif roll < 0.85:
                shop.adjust_stock(rng.choice(products), rng.randint(1, 5))
            else:
                shop.update(rng.choice(products), name=f"Renamed {i}", price=f"{rng.randint(1, 500)}.{i % 100:02d}")
            done[0] = i + 1
    except BaseException as exc:  # surfaced by the test thread
        errors.append(exc)
    finally:
        shop.close()


def _start_writer(stack, products: list[int], operations: int):
    done, errors = [0], []
    writer = threading.Thread(target=_write_many, args=(stack.postgres_dsn, products, operations, done, errors))
    writer.start()
    return writer, done, errors


def _finish(stack, worker: Worker, products: list[int], writer, done, errors, operations: int) -> None:
    """The writes all went in, and the index converges to Postgres."""
    writer.join(timeout=120)
    assert not errors, errors
    assert done[0] == operations and not writer.is_alive()
    worker.wait_ready()

    def converged() -> bool:
        expected = expected_documents(stack.postgres_dsn, products)
        return all(visible(worker.get(p)) == expected[p] for p in products)

    try:
        poll_until(converged, 90, "the index to equal Postgres", interval_s=0.1)
    except TimeoutError:
        expected = expected_documents(stack.postgres_dsn, products)
        diffs = {p: (visible(worker.get(p)), expected[p]) for p in products if visible(worker.get(p)) != expected[p]}
        raise AssertionError(f"diffs: {diffs}\n{worker.tail()}") from None
    assert sum(expected_documents(stack.postgres_dsn, products)[p]["units_sold"] for p in products) > 0


def _readies(worker: Worker) -> int:
    return worker.log_path.read_text().count("Worker ready")


def _newest_applied(worker: Worker, products: list[int]) -> int:
    return max((d["source_lsn"] for d in map(worker.get, products) if d), default=0)


def test_a_worker_killed_mid_stream_loses_and_double_counts_nothing(stack, tmp_path, source_baseline):
    shop = Shop(stack.postgres_dsn)
    products = [shop.add_product(f"Crash Product {i}", "10.00", 10_000) for i in range(12)]
    worker = Worker(stack.elasticsearch_url, stack.kafka_bootstrap, tmp_path, start_at=source_baseline)
    worker.start()
    try:
        worker.wait_ready()
        writer, done, errors = _start_writer(stack, products, 600)
        applied = [0]
        # A SIGKILL, then a SIGTERM (a clean stop, which cancels the batch in hand: it must not be acked),
        # each while this worker is applying a stream of changes.
        for kill_after, sig in ((100, signal.SIGKILL), (350, signal.SIGTERM)):
            poll_until(
                lambda: (
                    done[0] >= kill_after and (_newest_applied(worker, products) > applied[0] or not writer.is_alive())
                ),  # or nothing more will come
                60,
                f"{kill_after} writes and the worker applying them",
            )
            applied[0] = _newest_applied(worker, products)
            killed, readies = worker.process.pid, _readies(worker)
            worker.kill(sig)
            worker.start()
            # Serving again before the next signal: else it could hit a worker still starting (the writes
            # outrun the worker on a fresh stack, and the condition above can hold from the old one's work).
            poll_until(lambda: _readies(worker) > readies, 180, "the restarted worker to serve")
            print(f"{sig.name} to {killed} after {done[0]} writes; restarted as {worker.process.pid}")
        _finish(stack, worker, products, writer, done, errors, 600)
        log = worker.log_path.read_text()  # the SIGKILL's restart rebuilt the local state, the clean stop's kept it
        assert log.index("deleted the local table data") < log.index("kept the local table data")
    finally:
        worker.stop()
        worker.cleanup()


def test_rebalances_under_load_lose_and_double_count_nothing(stack, tmp_path, source_baseline):
    """Twice, a second worker of the same group joins mid-stream and is then killed: each is a rebalance
    with a recovery that seeks the first worker's partitions back while its fetches are in flight, where
    faust-streaming loses events (its #596; pipelines/runtime/delivery.py). A lost event is often masked in
    the documents by a later change of the same product, so the stream's own alarm is checked too."""
    shop = Shop(stack.postgres_dsn)
    products = [shop.add_product(f"Rebalance Product {i}", "10.00", 10_000) for i in range(12)]
    worker = Worker(stack.elasticsearch_url, stack.kafka_bootstrap, tmp_path / "first", start_at=source_baseline)
    others: list[Worker] = []
    worker.start()
    try:
        worker.wait_ready()
        writer, done, errors = _start_writer(stack, products, 900)
        for joins_after in (100, 450):
            poll_until(
                lambda: done[0] >= joins_after and _newest_applied(worker, products) > 0,
                60,
                f"{joins_after} writes, applied",
            )
            second = Worker(
                stack.elasticsearch_url, stack.kafka_bootstrap, tmp_path / f"second{joins_after}", tag=worker.tag
            )
            others.append(second)
            second.start()
            poll_until(
                lambda: "Worker ready" in second.log_path.read_text(), 120, "the second worker to take its partitions"
            )
            second.kill()  # the group notices after the session timeout (6 s) and gives all back to the first
        _finish(stack, worker, products, writer, done, errors, 900)
        assert "were never delivered" not in worker.log_path.read_text()
    finally:
        for other in others:
            other.stop()
        worker.stop()
        worker.cleanup()
