"""Decode the write side's consistency tokens (documented format, implemented here on purpose).

Format (see services/write_api/domain/consistency.py, the encoder): "v1." followed by the
unpadded base64url of the commit WAL position (LSN) as an unsigned 64-bit big-endian integer,
so always 3 + 11 characters. Only the canonical spelling is accepted. The read side keeps its
own decoder because the two sides share no run-time code path, only the format.
"""

from __future__ import annotations

import base64
import binascii
import re

TOKEN_PREFIX = "v1."
_BODY = re.compile(r"[A-Za-z0-9_-]{11}")
# The same, as the OpenAPI schema declares it: 64 bits in 11 base64url characters leave the last two bits of
# the last character zero, so only every fourth character can end a canonical token.
# An empty header means no token.
TOKEN_PATTERN = r"^(v1\.[A-Za-z0-9_-]{10}[AEIMQUYcgkosw048])?$"


class MalformedToken(ValueError):
    """The X-Consistency-Token header does not hold a token the write side issued."""


def decode_token(token: str) -> int:
    """The LSN a token stands for; MalformedToken for anything else."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
        raise MalformedToken("consistency token must start with 'v1.'")
    body = token[len(TOKEN_PREFIX) :]
    if not _BODY.fullmatch(body):
        raise MalformedToken("consistency token must be 'v1.' and 11 base64url characters")
    try:
        raw = base64.urlsafe_b64decode(body + "=")
    except (binascii.Error, ValueError):
        raise MalformedToken("consistency token is not valid base64url") from None
    # 11 characters carry 66 bits; the last 2 must be zero, or two strings would mean one LSN.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != body:
        raise MalformedToken("consistency token is not in canonical form")
    return int.from_bytes(raw, "big")


def lsn_text(lsn: int) -> str:
    """PostgreSQL's "16/B374D848" spelling, for messages people read."""
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"
