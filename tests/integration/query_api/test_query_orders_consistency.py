"""Read-your-writes for orders and customers against real Kafka and Elasticsearch: the test plays
both projections (checkpoints "orders" and "customers"); a customer's order list waits for both."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from services.write_api.domain.consistency import encode_token  # the real issuer of tokens

from .documents import customer, order

pytestmark = pytest.mark.integration
WAIT_S = 0.6
WRITE_LSN = 70_000
TOKEN = encode_token(WRITE_LSN)
ADA = customer(1, "Ada Lovelace", "ada@example.org")
FRESH = order(41, "2026-11-26T10:00:00Z", customer=ADA, lines=[(5, "LAMP-5", "Lamp", 1, "9.99")])


@pytest.fixture
def client(make_client, base_settings, pipeline) -> Iterator[Any]:
    inputs = (pipeline.changes_topic, pipeline.heartbeat_topic)
    settings = base_settings.model_copy(
        update={"orders_input_topics": inputs, "customers_input_topics": inputs, "consistency_wait_s": WAIT_S}
    )
    with make_client(settings) as made:
        yield made


@pytest.fixture(autouse=True)
def unrefreshed_write(customer_docs, order_docs):
    """The write: an order and its customer, indexed but not yet searchable (no refresh)."""
    customer_docs.load([])
    order_docs.load([])
    customer_docs.put(ADA, refresh=False)
    order_docs.put(FRESH, refresh=False)


@pytest.fixture
def heartbeat(pipeline, topics) -> int:
    """Offset of a heartbeat past the token: once a projection applied it, it has the write."""
    return topics.produce(pipeline.heartbeat_topic, 0)


def caught_up(pipeline, heartbeat: int, *projections: str) -> None:
    for projection in projections:
        pipeline.applied(pipeline.heartbeat_topic, 0, offset=heartbeat, lsn=WRITE_LSN + 1, projection=projection)


def read(client, path: str, **params: Any):
    started = time.monotonic()
    response = client.get(path, params=params, headers={"X-Consistency-Token": TOKEN})
    return response, time.monotonic() - started


def test_order_reads_wait_for_the_orders_projection(client, pipeline, heartbeat):
    caught_up(pipeline, heartbeat, "customers")  # the other projection does not count
    for path in ("/orders/41", "/orders/search"):
        response, took = read(client, path)
        assert response.status_code == 504, response.text
        assert WAIT_S <= took < WAIT_S + 2
        assert "projection 'orders'" in response.json()["detail"]


def test_an_order_search_with_a_token_sees_the_write_before_a_refresh(client, pipeline, heartbeat):
    assert client.get("/orders/search").json()["total"] == 0, "eventually consistent without"
    caught_up(pipeline, heartbeat, "orders")
    response, _ = read(client, "/orders/search", q="lamp")
    assert response.status_code == 200
    assert [hit["id"] for hit in response.json()["hits"]] == [41]
    assert read(client, "/orders/41")[0].json()["total"] == "9.99"


def test_a_customer_read_waits_for_the_customers_projection_only(client, pipeline, heartbeat):
    caught_up(pipeline, heartbeat, "orders")
    response, _ = read(client, "/customers/1")
    assert response.status_code == 504
    assert "projection 'customers'" in response.json()["detail"]
    caught_up(pipeline, heartbeat, "customers")
    assert read(client, "/customers/1")[0].json()["email"] == "ada@example.org"


@pytest.mark.parametrize("ahead", ["orders", "customers"])
def test_a_customers_orders_wait_for_both_projections(client, pipeline, heartbeat, ahead):
    caught_up(pipeline, heartbeat, ahead)
    response, took = read(client, "/customers/1/orders")
    assert response.status_code == 504, response.text
    assert WAIT_S <= took < WAIT_S + 2
    behind = {"orders": "customers", "customers": "orders"}[ahead]
    assert f"projection '{behind}'" in response.json()["detail"]

    caught_up(pipeline, heartbeat, behind)
    response, _ = read(client, "/customers/1/orders")
    assert response.status_code == 200
    assert response.json()["total"] == 1 and response.json()["hits"][0]["id"] == 41
