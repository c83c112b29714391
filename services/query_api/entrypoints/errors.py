"""Exception handlers: every failure leaves as {"detail": "<reason>"}, never a bare trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ..domain.errors import DocumentRejected, InvalidQuery, NotFound, QueryError, ReadModelBehind, ReadModelUnavailable

log = logging.getLogger(__name__)
_MAX_REASONS = 5
_STATUS: dict[type[QueryError], int] = {
    InvalidQuery: 422,
    NotFound: 404,
    DocumentRejected: 502,
    ReadModelBehind: 504,
    ReadModelUnavailable: 503,
}


class ErrorBody(BaseModel):
    detail: str


_REASONS = {
    404: "unknown id",
    422: "invalid parameters, cursor or token",
    502: "with a token: Elasticsearch refused this write's version of the document for good (a dead letter)",
    503: "Elasticsearch or Kafka unavailable",
    504: "read model not yet at the token",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route declares, as OpenAPI shows them."""
    return {code: {"model": ErrorBody, "description": _REASONS[code]} for code in codes}


def describe_validation_error(error: dict[str, Any]) -> str:
    """One validation error as a sentence; the offending input is not echoed back."""
    source, *path = [str(part) for part in error.get("loc", ())] or ["request"]
    where = f"{source} {'.'.join(path)}".strip()
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    if error.get("type") == "missing":
        return f"{where}: required"
    return f"{where}: {message}"


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    reasons = [describe_validation_error(e) for e in exc.errors()]
    if len(reasons) > _MAX_REASONS:
        reasons = reasons[:_MAX_REASONS] + [f"and {len(reasons) - _MAX_REASONS} more"]
    return JSONResponse({"detail": "; ".join(reasons)}, status_code=422)


async def _query_error(request: Request, exc: QueryError) -> JSONResponse:
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 422)
    headers = {"Retry-After": "1"} if status in (503, 504) else None
    if status >= 500:
        log.info("%s %s: %s %s", request.method, request.url.path, status, exc)
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises after this handler, so the server still logs the traceback.
    return JSONResponse({"detail": "internal error; the query API log has details"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(QueryError, _query_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
