"""Purge what the projections have consumed from the internal changes topics, as Kafka Streams does with its
repartition topics. The topics keep everything until it is consumed (no time limit, so a worker stopped for a
week loses nothing), and nothing longer: what the router sent (customer names among it) goes once committed."""

from __future__ import annotations

import logging

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.records_to_delete import RecordsToDelete

log = logging.getLogger(__name__)

# How the internal topics are made: no time limit, and segments that close hourly (a purged record leaves the
# disk when its segment is deleted, and the open segment never is).
INTERNAL_TOPIC_CONFIG = {"cleanup.policy": "delete", "retention.ms": "-1", "segment.ms": "3600000"}


def purge_points(committed: dict[TopicPartition, int], topics: set[str]) -> dict[TopicPartition, int]:
    """Where each partition of `topics` may be cut: below the group's committed offset (what it reads next)."""
    return {tp: offset for tp, offset in committed.items() if tp.topic in topics and offset > 0}


async def purge_consumed(bootstrap: str, group: str, topics: set[str]) -> dict[TopicPartition, int]:
    """Delete the records of `topics` that `group` has committed past; returns the new start offsets."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = {tp: meta.offset for tp, meta in (await admin.list_consumer_group_offsets(group)).items()}
        points = purge_points(committed, topics)
        if points:
            await admin.delete_records({tp: RecordsToDelete(offset) for tp, offset in points.items()})
        return points
    finally:
        await admin.close()
