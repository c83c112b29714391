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
    400: "the body is not UTF-8 (a body that is not JSON is a 422)",
    401: "missing or wrong bearer token",
    404: "unknown id",
    409: "refused by the current state",
    422: "invalid request",
    503: "the database is unavailable or too busy; retry after Retry-After seconds",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers a route can give (400, 401, 422 and 503 always)."""
    return {code: {"model": ErrorBody, "description": _REASONS[code]} for code in sorted({400, 401, 422, 503, *codes})}
