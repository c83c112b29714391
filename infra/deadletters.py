"""Dead letters for operators: list what the pipeline could not apply, and send it through again after a fix.

The worker writes each letter to the dead-letter topic with the original record's bytes and coordinates.
A replay produces those bytes again to the same topic and partition they came from (the worker applies
them like any change: a version older than the document is ignored). A letter Elasticsearch refused
(`sink_rejected`: its source is the index, partition -1, and it holds the document) is written to the
index again, versioned by the document's source LSN as the worker writes it. Either way the letter is
then recorded on a compacted "replayed" topic, keyed by its own position, so it leaves the list. A letter
that fails again comes back as a new letter; a document Elasticsearch still refuses stays in the list.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypedDict

import httpx

from infra.settings import StackSettings

PREVIEW_CHARS = 120
TOPIC_ALREADY_EXISTS = 36  # Kafka's error code


class Omitted(TypedDict):
    """What a letter says of an original too large to keep whole (pipelines/core/deadletters.py)."""

    bytes: int  # its size
    sha256: str  # its digest, hex


@dataclass(frozen=True)
class Letter:
    position: str  # where the letter itself sits: dead-letter topic partition/offset
    projection: str
    reason: str
    error: str
    source_topic: str
    source_partition: int
    source_offset: int
    failed_at: str
    key: bytes | None
    value: bytes | None  # the original's first KiB only, when `omitted` says how large it was
    omitted: Omitted | None = None  # of an original too large to keep

    def preview(self) -> str:
        raw = (self.value or b"").decode(errors="replace").replace("\n", " ")
        return raw[:PREVIEW_CHARS] + ("…" if len(raw) > PREVIEW_CHARS else "")

    def as_dict(self) -> dict:
        return {
            "position": self.position,
            "projection": self.projection,
            "reason": self.reason,
            "error": self.error,
            "source": f"{self.source_topic}/{self.source_partition}/{self.source_offset}",
            "failed_at": self.failed_at,
            "preview": self.preview(),
            **({"original_bytes": self.omitted["bytes"]} if self.omitted else {}),
        }


def decode_letter(position: str, value: bytes) -> Letter | None:
    """A dead-letter record as the worker wrote it (pipelines/core/deadletters.py); None if it is not one."""
    try:
        body = json.loads(value)
        source = body["source"]
        return Letter(
            position,
            body["projection"],
            body["reason"],
            body.get("error", ""),
            source["topic"],
            int(source["partition"]),
            int(source["offset"]),
            body.get("failed_at", ""),
            _unb64(body.get("key_b64")),
            _unb64(body.get("value_b64")),
            body.get("value_omitted"),
        )
    except (ValueError, KeyError, TypeError):
        return None


def _unb64(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)


def bulk_lines(letter: Letter) -> list[str]:
    """For a letter Elasticsearch refused (its source is an index, partition -1): the bulk lines of the write
    the worker attempted, versioned by the document's source LSN like the worker's own (pure)."""
    body = json.loads(letter.value or b"null")
    if isinstance(body, dict) and "delete" in body:  # a refused delete: the letter holds its action line
        return [json.dumps(body)]
    meta = {
        "_index": letter.source_topic,
        "_id": (letter.key or b"").decode(),
        "version": body["source_lsn"],
        "version_type": "external_gte",
    }
    return [json.dumps({"index": meta}), json.dumps(body, separators=(",", ":"))]


def pending(letters: list[Letter], replayed: set[str], reason: str | None = None) -> list[Letter]:
    """Letters not yet replayed, optionally of one reason, oldest first (pure)."""
    return [letter for letter in letters if letter.position not in replayed and reason in (None, letter.reason)]


def replayed_topic(settings: StackSettings) -> str:
    return f"{settings.dead_letter_topic}.replayed"


async def read_records(
    settings: StackSettings, topic: str, tail: int | None = None, resume: dict[int, int] | None = None
) -> list[tuple[str, bytes | None, bytes | None]]:
    """Every record of `topic` up to its end when called, or the last `tail` of each partition:
    (partition/offset, key, value). With `resume` (partition -> next offset, updated in place), only
    what was added since the previous call that passed the same dict."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    tps = [TopicPartition(topic, p["partition"]) for p in described.get("partitions", [])]
    if described.get("error_code") or not tps:  # 3: the topic does not exist (yet)
        return []
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False, group_id=None, request_timeout_ms=10_000
    )
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        if tail is not None or resume:
            starts = await consumer.beginning_offsets(tps)
            for tp in tps:
                start = resume.get(tp.partition, 0) if resume is not None else ends[tp] - (tail or 0)
                consumer.seek(tp, max(starts[tp], start))
        if resume is not None:
            resume.update({tp.partition: offset for tp, offset in ends.items()})
        records: list[tuple[str, bytes | None, bytes | None]] = []
        remaining = {tp for tp in tps if ends[tp] > await consumer.position(tp)}
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, messages in batch.items():
                for m in messages:
                    if m.offset < ends[tp]:
                        records.append((f"{tp.partition}/{m.offset}", m.key, m.value))
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        return records
    finally:
        await consumer.stop()


async def _ensure_compacted(settings: StackSettings, topic: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        response = await admin.create_topics([NewTopic(topic, 1, 1, topic_configs={"cleanup.policy": "compact"})])
    finally:
        await admin.close()
    for name, code, *rest in response.topic_errors:
        if code not in (0, TOPIC_ALREADY_EXISTS):
            raise RuntimeError(f"cannot create topic {name}: error {code} {rest[0] if rest else ''}")


async def _load(settings: StackSettings, tail: int | None = None) -> tuple[list[Letter], set[str]]:
    letters = [
        letter
        for position, _, value in await read_records(settings, settings.dead_letter_topic, tail)
        if value and (letter := decode_letter(position, value))
    ]
    replayed = {
        key.decode() for _, key, value in await read_records(settings, replayed_topic(settings)) if key and value
    }
    return letters, replayed


def list_letters(settings: StackSettings, reason: str | None = None) -> list[Letter]:
    letters, replayed = asyncio.run(_load(settings))
    return pending(letters, replayed, reason)


def replay(settings: StackSettings, reason: str | None = None, say: Callable[[str], None] = print) -> int:
    """Send every pending letter (of `reason`) back to where it came from; returns how many were sent."""
    return asyncio.run(_replay(settings, reason, say))


async def _replay(settings: StackSettings, reason: str | None, say: Callable[[str], None]) -> int:
    from aiokafka import AIOKafkaProducer

    letters, replayed = await _load(settings)
    chosen = pending(letters, replayed, reason)
    if not chosen:
        return 0
    await _ensure_compacted(settings, replayed_topic(settings))
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    sent_count = 0
    try:
        async with httpx.AsyncClient(base_url=settings.elasticsearch_url, timeout=30) as es:
            for letter in chosen:
                if letter.source_partition < 0:  # refused by Elasticsearch: write the document again
                    refused = await _index_again(es, letter)
                    if refused:
                        say(
                            f"not replayed {letter.position} ({letter.reason}): Elasticsearch refused it again: "
                            f"{refused}"
                        )
                        continue
                    to = f"index {letter.source_topic}"
                else:  # from a topic: the change goes through the pipeline again
                    value = letter.value
                    if letter.omitted:  # too large to keep in the letter: the original, if its topic still has it
                        value = await _original(settings, letter)
                        if value is None:
                            say(
                                f"not replayed {letter.position} ({letter.reason}): its {letter.omitted['bytes']:,} "
                                f"bytes were not kept in the letter and {letter.source_topic}/"
                                f"{letter.source_partition}/{letter.source_offset} no longer holds them"
                            )
                            continue
                    sent = await producer.send_and_wait(
                        letter.source_topic,
                        value,
                        key=letter.key,
                        partition=letter.source_partition,
                        headers=[("readside.replay-of", letter.position.encode())],
                    )
                    to = f"{letter.source_topic}/{sent.partition}/{sent.offset}"
                marker = {"replayed_at": datetime.now(UTC).isoformat(), "to": to}
                await producer.send_and_wait(
                    replayed_topic(settings), json.dumps(marker).encode(), key=letter.position.encode()
                )
                sent_count += 1
                say(f"replayed {letter.position} ({letter.reason}) to {to}")
    finally:
        await producer.stop()
    return sent_count


async def _original(settings: StackSettings, letter: Letter) -> bytes | None:
    """The letter's original record from its source topic, if still there and the same bytes."""
    import hashlib

    from aiokafka import AIOKafkaConsumer, TopicPartition

    tp = TopicPartition(letter.source_topic, letter.source_partition)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        enable_auto_commit=False,
        group_id=None,
        request_timeout_ms=10_000,
        fetch_max_bytes=4 * 1024 * 1024,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    try:
        consumer.assign([tp])
        if (await consumer.beginning_offsets([tp]))[tp] > letter.source_offset:
            return None
        consumer.seek(tp, letter.source_offset)
        batch = await consumer.getmany(tp, timeout_ms=5000, max_records=1)
        record = next(iter(batch.get(tp, [])), None)
    finally:
        await consumer.stop()
    if record is None or record.offset != letter.source_offset or record.value is None:
        return None
    assert letter.omitted is not None  # only a letter that omitted its original asks for it
    return record.value if hashlib.sha256(record.value).hexdigest() == letter.omitted["sha256"] else None


async def _index_again(es: httpx.AsyncClient, letter: Letter) -> str | None:
    """Bulk-write the refused action again; None when applied (or already superseded by a newer version)."""
    body = "\n".join(bulk_lines(letter)) + "\n"
    response = await es.post("/_bulk", content=body, headers={"Content-Type": "application/x-ndjson"})
    if response.status_code >= 300:
        return f"HTTP {response.status_code} {response.text[:200]}"
    item = next(iter(response.json()["items"][0].values()))
    if item["status"] < 300 or item["status"] in (404, 409):  # 404: already deleted; 409: a newer version
        return None
    return f"{item['status']} {json.dumps(item.get('error'))[:200]}"
