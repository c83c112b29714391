"""What every command route shares: auth, path ids, documented error answers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path

from ....bearer import require_write_token
from ...domain.values import INT8_MAX
from ..schemas import ErrorBody

AUTHENTICATED = [Depends(require_write_token)]
PathId = Annotated[int, Path(ge=1, le=INT8_MAX, description="integer id")]

_REASONS = {
    400: "the body could not be read (not JSON, or not UTF-8)",
    401: "missing or wrong bearer token",
    404: "unknown id",
    409: "refused by the current state",
    422: "invalid request",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers a route can give (400, 401 and 422 always)."""
    return {code: {"model": ErrorBody, "description": _REASONS[code]} for code in sorted({400, 401, 422, *codes})}
