"""Read-your-writes against real Kafka and Elasticsearch: the test plays the pipeline, writing
messages to throwaway input topics and checkpoint documents, and the reads follow the token."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from services.write_api.domain.consistency import encode_token  # the real issuer of tokens

from .documents import product

pytestmark = pytest.mark.integration
WAIT_S = 0.6
WRITE_LSN = 50_000
TOKEN = encode_token(WRITE_LSN)


@pytest.fixture
def client(make_client, base_settings, pipeline) -> Iterator[Any]:
    settings = base_settings.model_copy(
        update={
            "products_input_topics": (pipeline.changes_topic, pipeline.heartbeat_topic),
            "consistency_wait_s": WAIT_S,
        }
    )
    with make_client(settings) as made:
        yield made


def read(client, path: str, token: str = TOKEN, **params: Any):
    started = time.monotonic()
    response = client.get(path, params=params, headers={"X-Consistency-Token": token})
    return response, time.monotonic() - started


def test_a_token_ahead_of_the_read_model_waits_then_answers_504(client, pipeline, catalogue, topics):
    catalogue.load([product(1, "Teapot", "19.90")])
    topics.produce(pipeline.heartbeat_topic, 0)
    pipeline.applied(pipeline.heartbeat_topic, 0, offset=0, lsn=WRITE_LSN - 1)
    for path in ("/products/1", "/products/search"):
        response, took = read(client, path)
        assert response.status_code == 504, response.text
        assert WAIT_S <= took < WAIT_S + 2
        detail = response.json()["detail"]
        assert detail.startswith(f"read model not yet at token {TOKEN}")
        assert "needs 0/C350" in detail
    assert "readside_query_consistency_timeouts_total 2.0" in client.get("/metrics").text


def test_a_passed_lsn_is_not_enough_while_a_partition_lags(client, pipeline, catalogue, topics):
    catalogue.load([product(1, "Teapot", "19.90")])
    last = topics.produce(pipeline.changes_topic, 2, count=3)  # offsets 0..2, the write last
    topics.produce(pipeline.heartbeat_topic, 0)
    pipeline.applied(pipeline.heartbeat_topic, 0, offset=0, lsn=WRITE_LSN + 10)
    pipeline.applied(pipeline.changes_topic, 2, offset=last - 1, lsn=WRITE_LSN - 5)
    response, _ = read(client, "/products/1")
    assert response.status_code == 504
    assert f"{pipeline.changes_topic}[2] applied 1 of 2" in response.json()["detail"]

    pipeline.applied(pipeline.changes_topic, 2, offset=last, lsn=WRITE_LSN)
    response, took = read(client, "/products/1")
    assert response.status_code == 200 and response.json()["name"] == "Teapot"
    assert took < WAIT_S


def test_idle_partitions_and_old_tokens_need_no_wait(client, pipeline, catalogue, topics):
    catalogue.load([product(1, "Teapot", "19.90")])
    # Nothing was ever produced to the products topic: its partitions hold no write to wait for.
    offset = topics.produce(pipeline.heartbeat_topic, 1, count=2)
    pipeline.applied(pipeline.heartbeat_topic, 1, offset=offset, lsn=WRITE_LSN + 1)
    assert read(client, "/products/1")[0].status_code == 200
    assert read(client, "/products/1", token=encode_token(7))[0].status_code == 200


def test_a_search_with_a_token_sees_the_write_even_before_a_refresh(client, pipeline, catalogue, topics):
    catalogue.load([])
    catalogue.put(product(77, "Brand new kettle", "30.00"), refresh=False)
    # Without a token the search is eventually consistent: this index never refreshes alone.
    assert client.get("/products/search", params={"q": "kettle"}).json()["total"] == 0
    offset = topics.produce(pipeline.changes_topic, 0)
    pipeline.applied(pipeline.changes_topic, 0, offset=offset, lsn=WRITE_LSN)
    response, _ = read(client, "/products/search", q="kettle")
    assert response.status_code == 200
    assert [hit["id"] for hit in response.json()["hits"]] == [77]


def test_a_read_waits_while_the_pipeline_catches_up(make_client, base_settings, pipeline, catalogue, topics):
    catalogue.load([product(5, "Tea Cosy", "9.50")])
    settings = base_settings.model_copy(
        update={"products_input_topics": (pipeline.changes_topic, pipeline.heartbeat_topic), "consistency_wait_s": 10.0}
    )
    write = topics.produce(pipeline.changes_topic, 3)
    heartbeat = topics.produce(pipeline.heartbeat_topic, 0)
    answers: list[Any] = []
    with make_client(settings) as client:
        waiting = threading.Thread(target=lambda: answers.append(read(client, "/products/5")))
        waiting.start()
        # The pipeline applies the write, then a heartbeat past the token.
        pipeline.applied(pipeline.changes_topic, 3, offset=write, lsn=WRITE_LSN - 5)
        pipeline.applied(pipeline.heartbeat_topic, 0, offset=heartbeat, lsn=WRITE_LSN + 5)
        waiting.join(timeout=15)
        metrics = client.get("/metrics").text
    ((response, took),) = answers
    assert response.status_code == 200 and took < 10.0
    assert 'readside_query_consistency_wait_seconds_count{outcome="caught_up"} 1.0' in metrics


def test_no_checkpoints_at_all_is_504(make_client, base_settings, pipeline, topics):
    topics.produce(pipeline.heartbeat_topic, 0)
    settings = base_settings.model_copy(
        update={
            "products_input_topics": (pipeline.changes_topic, pipeline.heartbeat_topic),
            "checkpoints_index": "qtest_no_checkpoints_here",
            "consistency_wait_s": 0.3,
        }
    )
    with make_client(settings) as client:
        response, _ = read(client, "/products/1")
    assert response.status_code == 504
    assert "applied source LSN nothing" in response.json()["detail"]


def test_unreachable_kafka_is_503_not_500(make_client, base_settings):
    settings = base_settings.model_copy(update={"kafka_bootstrap": "127.0.0.1:1", "consistency_wait_s": 3.0})
    with make_client(settings) as client:
        response, _ = read(client, "/products/1")
        assert response.status_code == 503, response.text
        assert "Kafka is unreachable" in response.json()["detail"]
        # Reads without a token do not need Kafka at all.
        assert client.get("/products/search").status_code == 200


def test_a_malformed_token_is_422(client):
    for token in ("v1.garbage", "AAAAFrN02Eg", "v1.AAAAFrN02Eh"):
        response, took = read(client, "/products/1", token=token)
        assert response.status_code == 422 and took < WAIT_S
        assert "X-Consistency-Token" in response.json()["detail"]
