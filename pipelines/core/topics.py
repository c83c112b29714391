"""Make sure the topics a worker subscribes to exist, with the settings their producers would give them."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

log = logging.getLogger(__name__)

_CREATION_PREFIX = "topic.creation.default."
_NOT_TOPIC_CONFIGS = {"partitions", "replication.factor"}
_TOPIC_ALREADY_EXISTS = 36


class TopicLayoutError(RuntimeError):
    """Existing topics have another partition count than the settings give them."""


def partition_mismatches(wanted: dict[str, int], existing: dict[str, int]) -> list[str]:
    """'<topic>: N partitions, settings say M' for each existing topic whose count differs from the wanted one.

    Routing is `key % partitions` and the checkpoints keep one position per partition: a worker whose
    setting differs from the topics' would send changes and marks to partitions no one reads as such."""
    return [
        f"{name}: {existing[name]} partitions, settings say {count}"
        for name, count in sorted(wanted.items())
        if name in existing and existing[name] != count
    ]


def connector_topic_config(connector_file: Path) -> dict[str, str]:
    """The topic configs Kafka Connect would create Debezium's topics with (topic.creation.default.*)."""
    if not connector_file.exists():
        return {"cleanup.policy": "compact"}
    config = json.loads(connector_file.read_text())["config"]
    return {
        key[len(_CREATION_PREFIX) :]: value
        for key, value in config.items()
        if key.startswith(_CREATION_PREFIX) and key[len(_CREATION_PREFIX) :] not in _NOT_TOPIC_CONFIGS
    }


async def ensure_topics(bootstrap: str, topics: dict[str, tuple[int, dict[str, str]]], replication: int) -> list[str]:
    """Create the missing ones of {name: (partitions, configs)}; returns what was created.

    Change topics appear only with their table's first change. A consumer that subscribes earlier would
    make the broker auto-create them with its defaults (wrong partition count or cleanup policy), so the
    worker creates them first, as the connector would have. Raises `TopicLayoutError` when existing ones
    have another partition count (the data was made with another READSIDE_TOPIC_PARTITIONS).
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics()}
        mismatched = partition_mismatches({name: count for name, (count, _) in topics.items()}, existing)
        if mismatched:
            raise TopicLayoutError(
                "topics exist with another partition count than READSIDE_TOPIC_PARTITIONS gives them ("
                + "; ".join(mismatched)
                + "). Set READSIDE_TOPIC_PARTITIONS to the count the data was created "
                "with, or start over with `readside down --purge`."
            )
        await _align_configs(
            admin, {name: configs for name, (_, configs) in topics.items() if name in existing and configs}
        )
        missing = [
            NewTopic(name, partitions, replication, topic_configs=configs)
            for name, (partitions, configs) in topics.items()
            if name not in existing
        ]
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


def config_drift(wanted: dict[str, str], actual: dict[str, str]) -> dict[str, tuple[str | None, str]]:
    """{config: (what the topic has, what is wanted)} for each wanted config the topic does not have."""
    return {key: (actual.get(key), value) for key, value in wanted.items() if actual.get(key) != value}


async def _align_configs(admin: AIOKafkaAdminClient, wanted: dict[str, dict[str, str]]) -> None:
    """Give existing topics the configs this version wants (a retention or compaction bound added later
    reaches topics made before it). Only topics that differ are altered, with their whole wanted set."""
    if not wanted:
        return
    answers = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in wanted])
    actual: dict[str, dict[str, str]] = {}
    for answer in answers:
        for _code, _message, _type, name, entries in answer.resources:
            actual[name] = {entry[0]: entry[1] for entry in entries}
    drifted = {name: config_drift(configs, actual.get(name, {})) for name, configs in wanted.items()}
    drifted = {name: drift for name, drift in drifted.items() if drift}
    if not drifted:
        return
    await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, wanted[name]) for name in drifted])
    for name, drift in drifted.items():
        log.info(
            "topic %s: configs set to %s (were %s)",
            name,
            {k: v for k, (_, v) in drift.items()},
            {k: was for k, (was, _) in drift.items()},
        )
