"""Consistency tokens: an opaque, versioned wrapper around a PostgreSQL WAL position (LSN).

The write side reads `pg_current_wal_lsn()` on the committing connection right after COMMIT.
With synchronous commit the commit record is flushed before COMMIT returns, so that position
is at or past the end of the commit record: a read model that has applied the source beyond
it includes the write (and every write committed before it). Tokens order like the LSNs they
wrap; compare decoded values, never the strings.

Pure on purpose: the query side imports this module to decode what the write side encoded.
"""

from __future__ import annotations

import base64
import binascii
import re

TOKEN_PREFIX = "v1."
_LSN_TEXT = re.compile(r"([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})")
_LSN_MAX = 2**64 - 1


class InvalidConsistencyToken(ValueError):
    """The token was not produced by `encode_token` (or was damaged on the way)."""


def encode_token(lsn: int) -> str:
    """ "v1." + unpadded base64url of the LSN as an unsigned 64-bit big-endian integer."""
    if not 0 <= lsn <= _LSN_MAX:
        raise ValueError(f"an LSN is an unsigned 64-bit integer, got {lsn}")
    raw = lsn.to_bytes(8, "big")
    return TOKEN_PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_token(token: str) -> int:
    """The LSN inside a token; raises InvalidConsistencyToken for anything else."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
        raise InvalidConsistencyToken("consistency token must start with 'v1.'")
    body = token[len(TOKEN_PREFIX) :]
    if len(body) != 11 or not re.fullmatch(r"[A-Za-z0-9_-]+", body):
        raise InvalidConsistencyToken("consistency token is malformed")
    try:
        raw = base64.urlsafe_b64decode(body + "=")
    except (binascii.Error, ValueError):
        raise InvalidConsistencyToken("consistency token is malformed") from None
    if encode_token(int.from_bytes(raw, "big")) != token:  # refuse non-canonical spellings
        raise InvalidConsistencyToken("consistency token is malformed")
    return int.from_bytes(raw, "big")


def lsn_from_text(text: str) -> int:
    """PostgreSQL's "16/B374D848" form to an integer."""
    match = _LSN_TEXT.fullmatch(text)
    if match is None:
        raise ValueError(f"not an LSN: {text!r}")
    return (int(match[1], 16) << 32) | int(match[2], 16)


def lsn_to_text(lsn: int) -> str:
    """An integer LSN in PostgreSQL's "16/B374D848" form."""
    if not 0 <= lsn <= _LSN_MAX:
        raise ValueError(f"an LSN is an unsigned 64-bit integer, got {lsn}")
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"
