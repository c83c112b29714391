"""Idempotency keys: what a stored answer looks like and how a request is fingerprinted."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..domain.commands import Command
from ..domain.errors import Invalid


@dataclass(frozen=True)
class Answer:
    """What the client was told. Stored verbatim under its idempotency key so a retry gets the
    same status, body and token; `replayed` is never stored, it marks a served copy."""

    status: int
    body: Mapping[str, Any]
    consistency_token: str | None = None
    replayed: bool = field(default=False, compare=False)

    @property
    def succeeded(self) -> bool:
        return self.status < 400


class IdempotencyKeyReused(Invalid):
    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was already used for a different request; use a new key for a new request"
        )


def fingerprint(command: Command) -> str:
    """sha256 of the command's type and fields: two requests meaning the same thing (say price
    "19.9" and "19.90") share a fingerprint, and anything else does not."""
    payload = {"command": type(command).__name__, "fields": dataclasses.asdict(command)}  # type: ignore[call-overload]
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_plain)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot fingerprint {type(value).__name__}")
