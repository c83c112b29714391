"""The worker refuses topics whose partition count differs from its setting, and says how to fix it."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

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


def test_an_existing_topic_is_given_the_configs_this_version_wants(stack):
    topic = f"readside-test-configs-{uuid.uuid4().hex[:8]}"
    wanted = {"cleanup.policy": "delete", "retention.ms": "3600000", "segment.ms": "600000"}

    async def configs() -> dict[str, str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
        await admin.start()
        try:
            [answer] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
            [(_, _, _, _, entries)] = answer.resources
            return {entry[0]: entry[1] for entry in entries}
        finally:
            await admin.close()

    async def run() -> None:
        await ensure_topics(stack.kafka_bootstrap, {topic: (1, {})}, 1)  # as made by an older version
        assert (await configs())["retention.ms"] != wanted["retention.ms"]  # the broker default
        assert await ensure_topics(stack.kafka_bootstrap, {topic: (1, wanted)}, 1) == []
        assert {key: (await configs())[key] for key in wanted} == wanted

    asyncio.run(run())
