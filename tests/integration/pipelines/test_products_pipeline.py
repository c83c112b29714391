"""The products projection on the real stack: SQL writes reach the documents, checkpoints, dead letters."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from infra.polling import poll_until
from tests.integration.pipelines.support import end_offsets, expected_documents, visible
from tests.support.kafka import produce

pytestmark = pytest.mark.integration


def _reaches(worker, stack, product_ids, what, timeout_s=30):
    def matches():
        expected = expected_documents(stack.postgres_dsn, product_ids)
        return all(visible(worker.get(pid)) == expected.get(pid) for pid in product_ids)

    try:
        poll_until(matches, timeout_s, what, interval_s=0.05)
    except TimeoutError:
        actual = {pid: visible(worker.get(pid)) for pid in product_ids}
        raise AssertionError(
            f"{what}: index {actual} != postgres {expected_documents(stack.postgres_dsn, product_ids)}\n{worker.tail()}"
        ) from None


def test_every_kind_of_change_reaches_the_product_document(worker, shop, stack):
    lamp = shop.add_product("Desk Lamp", "19.90", 5)
    _reaches(worker, stack, [lamp], "a new product")
    assert worker.get(lamp)["price"] == "19.90" and worker.get(lamp)["price_cents"] == 1990

    shop.update(lamp, name="Desk Lamp Pro")
    shop.update(lamp, price="24.50")
    shop.adjust_stock(lamp, 10)
    _reaches(worker, stack, [lamp], "rename, reprice, stock change")

    kept = shop.place_order([(lamp, 3)])
    dropped = shop.place_order([(lamp, 2)])
    shop.pay_order(kept)
    _reaches(worker, stack, [lamp], "orders placed")
    assert worker.get(lamp)["units_sold"] == 5

    shop.cancel_order(dropped)
    _reaches(worker, stack, [lamp], "an order cancelled")
    assert worker.get(lamp)["units_sold"] == 3 and worker.get(lamp)["on_hand"] == 12

    shop.update(lamp, active=False)
    _reaches(worker, stack, [lamp], "discontinued")
    assert worker.get(lamp)["active"] is False


def test_a_deleted_product_disappears_from_search(worker, shop, stack):
    doomed = shop.add_product("Short-lived Vase", "5.00", 1, category="vases")
    _reaches(worker, stack, [doomed], "the product to be indexed")
    sku = worker.get(doomed)["sku"]
    shop.delete_product(doomed)
    poll_until(lambda: worker.get(doomed) is None, 30, "the document to be deleted", interval_s=0.05)
    poll_until(lambda: not worker.search(worker.index, {"term": {"sku": sku}}), 10, "search to forget it")


def test_a_poison_event_goes_to_the_dead_letters_and_the_next_event_is_applied(worker, shop, stack):
    pid = shop.add_product("Poison Neighbour", "1.00", 1)
    _reaches(worker, stack, [pid], "the product")
    garbage = b'\xff{"op": "c", not json at all'
    produce(stack.kafka_bootstrap, "readside.public.products", b'{"id":%d}' % pid, garbage)
    shop.update(pid, name="Applied After Poison")
    _reaches(worker, stack, [pid], "the change after the poison")
    letters = asyncio.run(_read_all(stack.kafka_bootstrap, worker.dlq, 1))
    letter = next(json.loads(v) for v in letters if base64.b64decode(json.loads(v)["value_b64"]) == garbage)
    assert letter["reason"] == "bad_json" and letter["error"]
    assert letter["source"]["topic"] == "readside.public.products"
    metrics = httpx.get(f"http://127.0.0.1:{worker.metrics_port}/metrics").text
    assert 'readside_dead_letters_total{projection="products",reason="bad_json"}' in metrics


def test_checkpoints_prove_a_write_is_applied_the_way_the_query_side_reads_them(worker, shop, stack):
    pid = shop.add_product("Token Clock", "42.00", 7)
    shop.adjust_stock(pid, -2)
    token = shop.wal_position()

    def checkpoints():
        return {
            (c["topic"], c["partition"]): c
            for c in worker.search(worker.checkpoints, {"term": {"projection": "products"}})
        }

    # (a) some applied event (the heartbeat counts) is at or past the token
    poll_until(
        lambda: max((c["lsn"] or 0 for c in checkpoints().values()), default=0) >= token,
        30,
        "an applied LSN past the token",
        interval_s=0.05,
    )
    # (b) then every input partition is applied up to the end offset read now
    inputs = {f"readside.public.{t}" for t in ("products", "inventory", "orders", "order_items", "debezium_heartbeat")}
    ends = asyncio.run(end_offsets(stack.kafka_bootstrap, inputs.__contains__))
    poll_until(
        lambda: all(end == 0 or checkpoints().get(tp, {}).get("offset", -1) >= end - 1 for tp, end in ends.items()),
        30,
        "checkpoints at the end offsets",
        interval_s=0.05,
    )
    assert visible(worker.get(pid)) == expected_documents(stack.postgres_dsn, [pid])[pid]
    assert worker.get(pid)["on_hand"] == 5
    heartbeat = checkpoints()[("readside.public.debezium_heartbeat", 0)]
    assert set(heartbeat) == {"projection", "topic", "partition", "offset", "lsn", "source_ts_ms", "updated_at"}


async def _read_all(bootstrap: str, topic: str, at_least: int, timeout_s: float = 30) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        metadata_max_age_ms=500,
    )
    await consumer.start()
    values: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(values) < at_least and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                values += [r.value for r in records]
    finally:
        await consumer.stop()
    return values
