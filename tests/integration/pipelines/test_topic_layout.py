"""The worker refuses topics whose partition count differs from its setting, and says how to fix it."""
from __future__ import annotations

import asyncio
import uuid

import pytest

from pipelines.core.topics import TopicLayoutError, ensure_topics

pytestmark = pytest.mark.integration


def test_existing_topics_with_another_partition_count_are_refused(stack):
    topic = f"readside-test-layout-{uuid.uuid4().hex[:8]}"

    async def run() -> None:
        assert await ensure_topics(stack.kafka_bootstrap, {topic: (3, {})}, 1) == [topic]
        assert await ensure_topics(stack.kafka_bootstrap, {topic: (3, {})}, 1) == []  # same layout: fine
        with pytest.raises(TopicLayoutError, match=rf"{topic}: 3 partitions, settings say 2.*--purge"):
            await ensure_topics(stack.kafka_bootstrap, {topic: (2, {})}, 1)

    asyncio.run(run())
