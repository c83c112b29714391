"""Recorded Debezium events (schemas/envelopes/*.json) as the bytes a consumer receives, and fake Faust events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

ENVELOPES = Path(__file__).resolve().parents[3] / "schemas" / "envelopes"


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: float | None = None


@dataclass(frozen=True)
class Event:
    """What the agents use of a Faust event: its message."""

    message: Message


def recorded(name: str) -> dict:
    return json.loads((ENVELOPES / f"{name}.json").read_text())


def message(name: str, **changes: object) -> Message:
    """The recorded event `name` (e.g. 'products.create') as raw bytes; `changes` patch value fields."""
    data = recorded(name)
    value = data["value"]
    if value is not None and changes:
        value = {**value, **changes}
    return Message(
        topic=data["topic"],
        partition=data["partition"],
        offset=data["offset"],
        key=json.dumps(data["key"]).encode(),
        value=None if value is None else json.dumps(value).encode(),
    )


def value_bytes(name: str) -> bytes | None:
    return message(name).value


def routed(name: str, partitions: int = 4, **changes: object) -> list:
    """The (partition, change) pairs the router makes of a recorded event."""
    from pipelines.core.envelope import decode_envelope
    from pipelines.core.records import Origin
    from pipelines.core.rows import envelope_of
    from pipelines.products.routing import route

    msg = message(name, **changes)
    table = msg.topic.rsplit(".", 1)[1]
    envelope = decode_envelope(msg.value, envelope_of(table), table)
    return route(table, envelope, Origin(topic=msg.topic, partition=msg.partition, offset=msg.offset), partitions)


def state(partitions: int = 4, table=dict):
    """A ProductsState over plain dicts (or `table()`s): the same code the agent runs over Faust tables."""
    from pipelines.products.tables import ProductsState, ProductTables

    return ProductsState(ProductTables(table(), table(), table(), table(), table()), partitions)


class LoggedDict(dict):
    """A dict that appends every write to `log`, like a changelog topic (for crash-prefix tests)."""

    def __init__(self, log: list) -> None:
        super().__init__()
        self.log = log

    def __setitem__(self, key, value) -> None:
        self.log.append((key, json.loads(json.dumps(value))))
        super().__setitem__(key, value)
