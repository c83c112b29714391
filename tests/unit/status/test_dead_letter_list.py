"""What `readside deadletters` shows: the worker's letters decoded, minus those already replayed."""

import json
from datetime import UTC, datetime

from infra.deadletters import bulk_lines, decode_letter, pending
from pipelines.core.deadletters import DeadLetter, encode

LETTER = DeadLetter(
    "products",
    "invalid_row",
    "price: not a number",
    "readside.public.products",
    1,
    42,
    b'{"id":5}',
    b'{"after":{"id":5,"price":"abc"}}' + b"x" * 200,
    1_700_000_000_000,
)


def test_a_letter_the_worker_wrote_decodes_with_its_source_and_original_bytes():
    _, value, _ = encode(LETTER, datetime(2026, 12, 3, 17, 0, tzinfo=UTC))
    letter = decode_letter("0/7", value)
    assert (letter.position, letter.reason, letter.projection) == ("0/7", "invalid_row", "products")
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == ("readside.public.products", 1, 42)
    assert letter.key == LETTER.key and letter.value == LETTER.value
    shown = letter.as_dict()
    assert shown["source"] == "readside.public.products/1/42" and shown["failed_at"].startswith("2026-12-03T17:00")
    assert shown["preview"].startswith('{"after":{"id":5') and shown["preview"].endswith("…")
    assert len(shown["preview"]) == 121


def test_records_that_are_not_letters_are_skipped():
    assert decode_letter("0/1", b"not json") is None
    assert decode_letter("0/1", b'{"reason": "x"}') is None


def test_replayed_letters_leave_the_list_and_a_reason_filters_it():
    _, value, _ = encode(LETTER, datetime.now(UTC))
    _, other, _ = encode(DeadLetter("orders", "bad_json", "", "t", 0, 1, None, b"{"), datetime.now(UTC))
    letters = [decode_letter("0/1", value), decode_letter("0/2", other), decode_letter("1/1", value)]
    assert [x.position for x in pending(letters, {"0/1"})] == ["0/2", "1/1"]
    assert [x.position for x in pending(letters, set(), "bad_json")] == ["0/2"]


def test_a_document_elasticsearch_refused_is_written_again_as_the_worker_would():
    _, value, _ = encode(
        DeadLetter(
            "products",
            "sink_rejected",
            "403 blocked",
            "products_v1",
            -1,
            -1,
            b"7",
            b'{"id":7,"name":"Lamp","source_lsn":123}',
        ),
        datetime.now(UTC),
    )
    meta, body = bulk_lines(decode_letter("0/3", value))
    assert json.loads(meta) == {
        "index": {"_index": "products_v1", "_id": "7", "version": 123, "version_type": "external_gte"}
    }
    assert json.loads(body) == {"id": 7, "name": "Lamp", "source_lsn": 123}
    delete = '{"delete": {"_index": "products_v1", "_id": "8", "version": 9, "version_type": "external_gte"}}'
    _, value, _ = encode(
        DeadLetter("products", "sink_rejected", "403", "products_v1", -1, -1, b"8", delete.encode()), datetime.now(UTC)
    )
    assert bulk_lines(decode_letter("0/4", value)) == [delete]
