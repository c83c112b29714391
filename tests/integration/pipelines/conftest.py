"""Fixtures of the pipeline integration tests: one shared worker per module, a shop to write through."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pipelines.settings import PipelineSettings
from tests.integration.pipelines.support import Shop, Worker, end_offsets


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def source_baseline(stack) -> dict[tuple[str, int], int]:
    """The source topics' ends when the first pipeline test began: where test workers start reading."""
    prefix = f"{PipelineSettings().source_topic_prefix}."
    return asyncio.run(end_offsets(stack.kafka_bootstrap, lambda topic: topic.startswith(prefix)))


@contextmanager
def started_worker(stack, data: Path, start_at: dict[tuple[str, int], int], **options: int) -> Iterator[Worker]:
    """A worker of its own (group, indices, topics), ready; stopped and cleaned up afterwards."""
    running = Worker(
        stack.elasticsearch_url, stack.kafka_bootstrap, data, metrics_port=free_port(), start_at=start_at, **options
    )
    running.start()
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()
        running.cleanup()


@pytest.fixture(scope="module")
def worker(stack, tmp_path_factory, source_baseline) -> Iterator[Worker]:
    with started_worker(stack, tmp_path_factory.mktemp("pipeline"), source_baseline) as running:
        yield running


@pytest.fixture(scope="module")
def shop(stack) -> Iterator[Shop]:
    writer = Shop(stack.postgres_dsn)
    yield writer
    writer.close()
