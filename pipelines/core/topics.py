"""Make sure the topics a worker subscribes to exist, with the settings their producers would give them."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

log = logging.getLogger(__name__)

_CREATION_PREFIX = "topic.creation.default."
_NOT_TOPIC_CONFIGS = {"partitions", "replication.factor"}
_TOPIC_ALREADY_EXISTS = 36


def connector_topic_config(connector_file: Path) -> dict[str, str]:
    """The topic configs Kafka Connect would create Debezium's topics with (topic.creation.default.*)."""
    if not connector_file.exists():
        return {"cleanup.policy": "compact"}
    config = json.loads(connector_file.read_text())["config"]
    return {key[len(_CREATION_PREFIX):]: value for key, value in config.items()
            if key.startswith(_CREATION_PREFIX) and key[len(_CREATION_PREFIX):] not in _NOT_TOPIC_CONFIGS}


async def ensure_topics(bootstrap: str, topics: dict[str, tuple[int, dict[str, str]]], replication: int) -> list[str]:
    """Create the missing ones of {name: (partitions, configs)}; returns what was created.

    Change topics appear only with their table's first change. A consumer that subscribes earlier would
    make the broker auto-create them with its defaults (wrong partition count or cleanup policy), so the
    worker creates them first, as the connector would have.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(name, partitions, replication, topic_configs=configs)
                   for name, (partitions, configs) in topics.items() if name not in existing]
        if not missing:
            return []
        response = await admin.create_topics(missing)
        created = []
        for name, code, *rest in response.topic_errors:
            if code == 0:
                created.append(name)
            elif code != _TOPIC_ALREADY_EXISTS:  # another worker, or the connector, may be first: fine
                raise RuntimeError(f"cannot create topic {name}: error {code} {rest[0] if rest else ''}")
        if created:
            log.info("created topics %s", created)
        return created
    finally:
        await admin.close()
