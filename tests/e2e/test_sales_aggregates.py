"""Sales aggregates end to end: exact against SQL after every kind of change, and after a replay from scratch."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
import psycopg
import pytest

from infra.polling import poll_until
from infra.secrets import postgres_password
from tests.integration.pipelines.support import Worker, end_offsets

REPLAY_BASE_S = 180.0
REPLAY_EVENTS_PER_S = 300.0  # well under what a replay worker manages while the rest of the stack idles

pytestmark = pytest.mark.e2e
SALES_MODELS = ("sales", "product_sales")


def verify_sales(timeout_s: float = 90) -> None:
    args = [a for m in SALES_MODELS for a in ("--model", m)]
    result = subprocess.run(
        [sys.executable, "-m", "infra.cli.main", "verify", *args, "--wait", str(timeout_s)],
        capture_output=True,
        text=True,
        timeout=timeout_s + 60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("0 differences") == len(SALES_MODELS), result.stdout


def _stats(shop, token: str, **params) -> list[dict]:
    response = shop.get("/stats/sales", token, **params)
    assert response.status_code == 200, response.text
    return response.json()


def test_place_pay_cancel_and_edit_keep_the_totals_equal_to_sql(stack, shop):
    category = f"cat-{shop.add_customer()['id']}"  # a category of its own: its figures start from zero
    customer = shop.add_customer()
    lamp = shop.add_product(price="10.00", category=category, initial_stock=50)
    placed = shop.command(
        "POST", "/orders", {"customer_id": customer["id"], "items": [{"product_id": lamp["id"], "quantity": 3}]}
    )
    rows = [r for r in _stats(shop, placed["consistency_token"], category=category)]
    assert [(r["orders"], r["units"], r["revenue"]) for r in rows] == [(1, 3, "30.00")]
    verify_sales()
    paid = shop.command("POST", f"/orders/{placed['id']}/pay")
    assert [(r["orders"], r["units"]) for r in _stats(shop, paid["consistency_token"], category=category)] == [(1, 3)]
    second = shop.command(
        "POST", "/orders", {"customer_id": customer["id"], "items": [{"product_id": lamp["id"], "quantity": 2}]}
    )
    cancelled = shop.command("POST", f"/orders/{second['id']}/cancel")
    assert [(r["orders"], r["units"]) for r in _stats(shop, cancelled["consistency_token"], category=category)] == [
        (1, 3)
    ]
    verify_sales()
    # An edited line (no API command edits one; a back-office fix in SQL does): retract 3, add many more,
    # which makes the lamp the best seller of the stack (above lamps of earlier runs: ids only grow).
    units = 100_000 + lamp["id"]
    with psycopg.connect(stack.settings.postgres_dsn(postgres_password(stack.settings)), autocommit=True) as conn:
        conn.execute("UPDATE order_items SET quantity = %s WHERE order_id = %s", (units, placed["id"]))
    verify_sales()
    top = shop.get("/stats/top-products", placed["consistency_token"], limit=1).json()
    assert top == [
        {
            "product_id": lamp["id"],
            "sku": lamp["sku"],
            "name": lamp["name"],
            "units": units,
            "revenue": f"{units * 10}.00",
        }
    ]


def test_a_replay_from_the_beginning_into_fresh_state_gives_identical_totals(stack, shop, tmp_path_factory):
    shop.add_customer()  # something recent, so both workers have seen the same source positions
    live = _documents(stack.elasticsearch_url, "sales_daily")
    assert live, "the live pipeline has no sales to compare with"
    replay = Worker(stack.elasticsearch_url, stack.kafka_bootstrap, stack.settings.data / "replay-test")
    replay.start()
    try:
        replay.wait_ready()
        index = f"test_{replay.tag}_sales_daily"
        poll_until(
            lambda: _documents(stack.elasticsearch_url, index) == _documents(stack.elasticsearch_url, "sales_daily"),
            _replay_deadline_s(stack.kafka_bootstrap),
            "the replayed sales to equal the live ones",
            1.0,
        )
    finally:
        replay.stop()
        replay.cleanup()


def _replay_deadline_s(bootstrap: str) -> float:
    """A replay reads the whole history: a stack that has run benchmarks or the demo holds far more than a
    fresh one, so the wait grows with it (within the test's own timeout)."""
    history = sum(asyncio.run(end_offsets(bootstrap, lambda topic: topic.startswith("readside.public."))).values())
    return min(REPLAY_BASE_S + history / REPLAY_EVENTS_PER_S, 540.0)


def _documents(es_url: str, index: str) -> dict[str, dict]:
    response = httpx.post(
        f"{es_url}/{index}/_search",
        params={"size": 10000},
        json={"query": {"match_all": {}}, "_source": {"excludes": ["indexed_at", "source_*"]}},
    )
    if response.status_code != 200:
        return {}
    return {hit["_id"]: hit["_source"] for hit in response.json()["hits"]["hits"]}
