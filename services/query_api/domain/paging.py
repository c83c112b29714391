"""Paging of searches: the limits every search shares, and the opaque cursor that continues one.

A cursor says where the last page ended, for which search, in which snapshot: base64url(JSON) + "." + a
digest of that JSON. It carries the search's fingerprint (so it cannot continue a different search), the
sort values of the last hit (for search_after), the point-in-time id (so every page reads the same
snapshot) and the LSN that snapshot is known to include (so a later page with a newer consistency token
gets a newer snapshot). The digest catches damaged or hand-edited cursors; it is not a secret: every
field is validated anyway.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from dataclasses import dataclass

from .errors import InvalidQuery

MAX_QUERY_TEXT = 256
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_CURSOR_LENGTH = 4096
_VERSION = 1
_DIGEST_KEY = b"readside/query_api/cursor/v1"
_CURSOR_TEXT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}$"  # what the OpenAPI schema declares: body "." digest
_PIT_TEXT = re.compile(r"[A-Za-z0-9+/=_-]{1,2048}")
_INT64 = (-(2**63), 2**63 - 1)
_RESTART = "; start again from the first page (no cursor)"


@dataclass(frozen=True)
class Cursor:
    fingerprint: str
    after: list[int | float]
    pit_id: str | None = None
    lsn_horizon: int = 0


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _digest(body: bytes) -> bytes:
    return hashlib.blake2b(body, key=_DIGEST_KEY, digest_size=12).digest()


def encode_cursor(cursor: Cursor) -> str:
    body = json.dumps(
        {"v": _VERSION, "f": cursor.fingerprint, "a": cursor.after, "p": cursor.pit_id, "l": cursor.lsn_horizon},
        separators=(",", ":"),
        allow_nan=False,
    ).encode()
    return f"{_b64(body)}.{_b64(_digest(body))}"


def decode_cursor(text: str, fingerprint: str, scored: bool) -> Cursor:
    """The cursor inside `text`, checked against the search it is used with (`scored`: is its
    first sort key the relevance score?); InvalidQuery (422) for anything damaged, edited, or
    issued for another search."""
    if len(text) > MAX_CURSOR_LENGTH or not _CURSOR_TEXT.fullmatch(text):
        raise InvalidQuery("cursor is malformed" + _RESTART)
    body_text, digest_text = text.split(".")
    try:
        body, digest = _unb64(body_text), _unb64(digest_text)
    except (binascii.Error, ValueError):
        raise InvalidQuery("cursor is malformed" + _RESTART) from None
    if _b64(body) != body_text or _b64(digest) != digest_text:  # one spelling per cursor
        raise InvalidQuery("cursor is malformed" + _RESTART)
    if digest != _digest(body):
        raise InvalidQuery("cursor is damaged or was altered" + _RESTART)
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise InvalidQuery("cursor is malformed" + _RESTART) from None
    if not isinstance(data, dict) or set(data) != {"v", "f", "a", "p", "l"} or data["v"] != _VERSION:
        raise InvalidQuery("cursor is from another version of this API" + _RESTART)
    if data["f"] != fingerprint:
        raise InvalidQuery("cursor belongs to a different search (q, filters or sort changed)" + _RESTART)
    after, pit_id, horizon = data["a"], data["p"], data["l"]
    if not _valid_sort_values(after, scored):
        raise InvalidQuery("cursor position is invalid" + _RESTART)
    if pit_id is not None and not (isinstance(pit_id, str) and _PIT_TEXT.fullmatch(pit_id)):
        raise InvalidQuery("cursor snapshot id is invalid" + _RESTART)
    if not _is_int(horizon) or not 0 <= horizon < 2**64:
        raise InvalidQuery("cursor is malformed" + _RESTART)
    return Cursor(str(data["f"]), after, pit_id, horizon)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _valid_sort_values(after: object, scored: bool) -> bool:
    """Two values: the sort key (a float score, else a long: cents, a count, epoch millis) and
    the id."""
    if not isinstance(after, list) or len(after) != 2:
        return False
    key, doc_id = after
    if not _is_int(doc_id) or not _INT64[0] <= doc_id <= _INT64[1]:
        return False
    if scored:
        return (_is_int(key) or isinstance(key, float)) and math.isfinite(key)
    return _is_int(key) and _INT64[0] <= key <= _INT64[1]
