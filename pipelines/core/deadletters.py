"""Dead letters: an event that cannot be applied goes to a topic with its error and original bytes."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pipelines.metrics import DEAD_LETTERS

log = logging.getLogger(__name__)

Send = Callable[..., Awaitable[Any]]  # Faust's producer.send(topic, key, value, partition, timestamp, headers)


# An event's own fault: applying it again would fail the same way, so it is parked and the stream goes on.
EVENT_FAULTS = (ValueError, TypeError, LookupError, ArithmeticError, AttributeError)
# The environment's fault (a disk, RocksDB, a timeout, memory): it may pass, so the worker must not ack the
# event. These propagate, the worker stops without committing, its supervisor restarts it, it replays.
ENVIRONMENT_FAULTS = (OSError, TimeoutError, MemoryError)


def event_fault(exc: BaseException) -> bool:
    """Whether `exc` is a deterministic error of one event (a dead letter) rather than a transient one."""
    return isinstance(exc, EVENT_FAULTS) and not isinstance(exc, ENVIRONMENT_FAULTS)


@dataclass(frozen=True)
class DeadLetter:
    projection: str
    reason: str  # bad_json, unknown_op, unknown_table, invalid_envelope, invalid_row, transform_error, ...
    error: str
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int | None = None


# Original bytes kept in a letter, at most. Base64 adds a third: an 800 KB record kept whole made a letter past
# the producer's 1 MB limit, and the worker failed on it again after every restart.
KEPT_BYTES = 256 * 1024
HEAD_BYTES = 1024


def encode(letter: DeadLetter, failed_at: datetime) -> tuple[bytes | None, bytes, list[tuple[str, bytes]]]:
    """Key, value and headers of the dead-letter record. The original bytes travel base64-encoded; past
    KEPT_BYTES only their size, digest and first KiB do (`value_omitted`), and a replay reads the original
    from its topic, partition and offset while the topic still holds it."""
    body: dict[str, object] = {
        "projection": letter.projection,
        "reason": letter.reason,
        "error": letter.error,
        "source": {
            "topic": letter.topic,
            "partition": letter.partition,
            "offset": letter.offset,
            "timestamp_ms": letter.timestamp_ms,
        },
        "key_b64": _b64(letter.key[:KEPT_BYTES] if letter.key else letter.key),
        "value_b64": _b64(letter.value),
        "failed_at": failed_at.isoformat(),
    }
    if letter.value is not None and len(letter.value) > KEPT_BYTES:
        body["value_b64"] = _b64(letter.value[:HEAD_BYTES])
        body["value_omitted"] = {"bytes": len(letter.value), "sha256": hashlib.sha256(letter.value).hexdigest()}
    headers = [
        ("readside.projection", letter.projection.encode()),
        ("readside.reason", letter.reason.encode()),
        ("readside.source", f"{letter.topic}/{letter.partition}/{letter.offset}".encode()),
    ]
    return letter.key, json.dumps(body, separators=(",", ":")).encode(), headers


class DeadLetters:
    """Publishes dead letters through the worker's producer (so offsets commit only after they are sent)."""

    def __init__(self, send: Send, topic: str) -> None:
        self._send = send
        self.topic = topic

    async def publish(self, letter: DeadLetter) -> None:
        key, value, headers = encode(letter, datetime.now(UTC))
        await self._send(self.topic, key, value, None, None, headers)
        DEAD_LETTERS.labels(letter.projection, letter.reason).inc()
        log.warning(
            "dead letter %s/%s/%s (%s): %s", letter.topic, letter.partition, letter.offset, letter.reason, letter.error
        )


def _b64(raw: bytes | None) -> str | None:
    return None if raw is None else base64.b64encode(raw).decode("ascii")
