"""Fixtures of the pipeline integration tests: one shared worker per module, a shop to write through."""
from __future__ import annotations

import socket
from typing import Iterator

import pytest

from tests.integration.pipelines.support import Shop, Worker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def worker(stack, tmp_path_factory) -> Iterator[Worker]:
    running = Worker(stack.elasticsearch_url, stack.kafka_bootstrap, tmp_path_factory.mktemp("pipeline"),
                     metrics_port=free_port())
    running.start()
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()
        running.cleanup()


@pytest.fixture(scope="module")
def shop(stack) -> Iterator[Shop]:
    writer = Shop(stack.postgres_dsn)
    yield writer
    writer.close()
