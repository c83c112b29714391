"""Cursors round-trip, and anything damaged, edited or reused elsewhere is a 422 reason."""

from __future__ import annotations

import base64
import json

import pytest

from services.query_api.domain.errors import InvalidQuery
from services.query_api.domain.paging import Cursor, decode_cursor, encode_cursor

FP = "0123456789abcdef"
PIT = "9s6bBAENdG1wX3BpdF9wcm9iZRZEa1dhaFFvSVQxcXcyRGVya3d0RjdRAAEWa2NfSWEyMkxSeGVTWF9FNWttM0pLUQAB=="


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# scored: the first sort key is a relevance score (a float), else a long (cents, a count,
# epoch millis of placed_at).
@pytest.mark.parametrize(
    "cursor,scored",
    [
        (Cursor(FP, [1990, 7], PIT, 0), False),
        (Cursor(FP, [2.7182817, 12], None, 2**63), True),
        (Cursor(FP, [0.0, 1], PIT, 5), True),
        (Cursor(FP, [1_795_687_200_123, 42], PIT, 5), False),
        (Cursor(FP, [-(2**63), 2**63 - 1], None, 0), False),
    ],
)
def test_round_trip(cursor, scored):
    text = encode_cursor(cursor)
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert decode_cursor(text, FP, scored) == cursor


def test_cursor_of_another_search_is_refused():
    text = encode_cursor(Cursor(FP, [1990, 7], PIT, 0))
    with pytest.raises(InvalidQuery, match="different search"):
        decode_cursor(text, "fedcba9876543210", False)


def test_edited_position_is_caught_by_the_digest():
    body, digest = encode_cursor(Cursor(FP, [1990, 7], PIT, 0)).split(".")
    data = json.loads(unb64(body))
    data["a"] = [0, 0]
    forged = b64(json.dumps(data, separators=(",", ":")).encode()) + "." + digest
    with pytest.raises(InvalidQuery, match="damaged or was altered"):
        decode_cursor(forged, FP, False)


def test_every_single_character_change_is_refused():
    text = encode_cursor(Cursor(FP, [1990, 7], None, 0))
    for i, char in enumerate(text):
        if char == ".":
            continue
        replacement = "A" if char != "A" else "B"
        with pytest.raises(InvalidQuery):
            decode_cursor(text[:i] + replacement + text[i + 1 :], FP, False)


@pytest.mark.parametrize(
    "text", ["", "abc", "abc.", ".abc", "a.b.c", "####.####", "x" * 5000, "eyJ2IjoxfQ.AAAA", "not base64!.AAAA"]
)
def test_garbage_is_refused(text):
    with pytest.raises(InvalidQuery):
        decode_cursor(text, FP, True)


@pytest.mark.parametrize(
    "after,scored",
    [
        ([1.5, 7], False),  # prices, counts and instants sort as integers
        ([1990], False),  # the id tie-breaker is missing
        ([1990, 7, 3], False),
        ([True, 7], False),
        (["1990", 7], False),
        (["2026-11-26T10:00:00Z", 7], False),
        ([1.0, 7.5], True),
        ([None, 7], True),
        ([2**64, 7], False),
    ],
)
def test_positions_that_do_not_fit_the_sort_are_refused(after, scored):
    # Built through the encoder, so only the position check can refuse them.
    with pytest.raises(InvalidQuery, match="position"):
        decode_cursor(encode_cursor(Cursor(FP, after, None, 0)), FP, scored)


def test_a_cursor_for_another_sort_is_refused_by_fingerprint_and_shape():
    relevance = encode_cursor(Cursor(FP, [2.5, 7], None, 0))
    with pytest.raises(InvalidQuery):
        decode_cursor(relevance, FP, False)
