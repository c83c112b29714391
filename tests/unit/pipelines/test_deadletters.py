"""Dead letters carry the error, where the event came from, and its original bytes."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime

import pytest

from pipelines.core.deadletters import DeadLetter, DeadLetters, encode, event_fault
from pipelines.metrics import DEAD_LETTERS

LETTER = DeadLetter(
    projection="products",
    reason="bad_json",
    error="Invalid JSON",
    topic="readside.public.products",
    partition=2,
    offset=41,
    key=b'{"id":5}',
    value=b"\xff not json",
    timestamp_ms=1700000000000,
)


def test_the_record_keeps_the_original_bytes_and_says_where_they_came_from():
    key, value, headers = encode(LETTER, datetime(2026, 1, 1, tzinfo=UTC))
    body = json.loads(value)
    assert key == b'{"id":5}'
    assert base64.b64decode(body["value_b64"]) == b"\xff not json"
    assert base64.b64decode(body["key_b64"]) == b'{"id":5}'
    assert body["source"] == {
        "topic": "readside.public.products",
        "partition": 2,
        "offset": 41,
        "timestamp_ms": 1700000000000,
    }
    assert (body["reason"], body["error"], body["projection"]) == ("bad_json", "Invalid JSON", "products")
    assert dict(headers)["readside.reason"] == b"bad_json"


def test_publishing_sends_to_the_topic_and_counts():
    sent = []

    async def send(*args):
        sent.append(args)

    before = DEAD_LETTERS.labels("products", "bad_json")._value.get()
    asyncio.run(DeadLetters(send, "readside.dlq").publish(LETTER))
    assert sent[0][0] == "readside.dlq" and sent[0][1] == b'{"id":5}'
    assert DEAD_LETTERS.labels("products", "bad_json")._value.get() == before + 1


@pytest.mark.parametrize(
    "exc, parked",
    [
        (ValueError("bad value"), True),
        (KeyError("missing"), True),
        (TypeError("not a change"), True),
        (ZeroDivisionError(), True),
        (AttributeError("no field"), True),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "x"), True),
        (OSError(28, "No space left on device"), False),
        (TimeoutError(), False),
        (MemoryError(), False),
        (RuntimeError("a store closed under us"), False),
        (Exception("DB instance already closed"), False),
    ],
)
def test_only_deterministic_errors_of_one_event_are_dead_letters(exc, parked):
    assert event_fault(exc) is parked


def test_a_huge_original_is_not_kept_whole_so_its_letter_stays_under_the_producers_limit():
    garbage = bytes(range(256)) * 3200  # 800 KiB
    letter = DeadLetter("products", "bad_json", "not JSON", "readside.public.products", 1, 42, b'{"id":1}', garbage)
    _, value, _ = encode(letter, datetime(2026, 12, 3, tzinfo=UTC))
    body = json.loads(value)
    assert len(value) < 8 * 1024 and body["value_omitted"]["bytes"] == len(garbage)
    assert base64.b64decode(body["value_b64"]) == garbage[:1024]  # the head, for a preview
    small = encode(DeadLetter("products", "bad_json", "x", "t", 0, 1, None, b"tiny"), datetime.now(UTC))[1]
    assert "value_omitted" not in json.loads(small) and base64.b64decode(json.loads(small)["value_b64"]) == b"tiny"
