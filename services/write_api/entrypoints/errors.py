"""Exception handlers: every failure leaves as {"detail": "<reason>"}, never a bare trace."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..service_layer.unit_of_work import DatabaseError, DatabaseUnavailable, RetryableConflict

log = logging.getLogger(__name__)
_MAX_REASONS = 5


def describe_validation_error(error: dict[str, Any]) -> str:
    """One validation error as a sentence; the offending input is not echoed back."""
    source, *path = [str(part) for part in error.get("loc", ())] or ["body"]
    where = ".".join(path)
    if source != "body":
        where = f"{source} {where}".strip()
    kind = error.get("type", "")
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    if source == "header" and path == ["Idempotency-Key"]:
        return "header Idempotency-Key must be 1-255 printable ASCII characters, no spaces"
    if kind == "json_invalid":
        return f"request body is not valid JSON ({error.get('ctx', {}).get('error', '')})"
    if kind == "extra_forbidden":
        return f"unknown field '{where}'"
    if kind == "missing":
        return f"{where}: field required" if where else "a JSON request body is required"
    if not where and kind in ("model_type", "model_attributes_type", "dict_type"):
        return "request body must be a JSON object"
    return f"{where}: {message}" if where else message


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    reasons = [describe_validation_error(e) for e in exc.errors()]
    if len(reasons) > _MAX_REASONS:
        reasons = reasons[:_MAX_REASONS] + [f"and {len(reasons) - _MAX_REASONS} more"]
    return JSONResponse({"detail": "; ".join(reasons)}, status_code=422)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("%s %s: database unavailable: %s", request.method, request.url.path, exc)
    return JSONResponse(
        {"detail": "the database is unavailable; retry shortly"}, status_code=503, headers={"Retry-After": "1"}
    )


async def _too_busy(request: Request, exc: Exception) -> JSONResponse:
    log.warning("%s %s: gave up after repeated aborts: %s", request.method, request.url.path, exc)
    return JSONResponse(
        {"detail": "the database kept aborting this command under contention; nothing was changed; retry"},
        status_code=503,
        headers={"Retry-After": "1"},
    )


async def _database_bug(request: Request, exc: Exception) -> JSONResponse:
    # Not swallowed: the full chain (with the psycopg error) goes to the log.
    log.error("%s %s: unexpected database error", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "unexpected database error; the write API log has details"}, status_code=500)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises after this handler, so the server still logs the traceback.
    return JSONResponse({"detail": "internal error; the write API log has details"}, status_code=500)


def allowed_methods(paths: dict[str, dict], path: str) -> list[str]:
    """The methods the OpenAPI `paths` document for a request path (pure)."""
    return sorted(
        {
            method.upper()
            for template, operations in paths.items()
            if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path)
            for method in operations
        }
    )


async def _method_not_allowed(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Starlette's 405 names only the methods of the first route on the path; a PATCH and a DELETE of one
    resource are two routes, so `Allow` is taken from what the OpenAPI document says of the path."""
    if exc.status_code != 405:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    allowed = allowed_methods(request.app.openapi()["paths"], request.url.path)
    return JSONResponse(
        {"detail": f"method {request.method} not allowed here; allowed: {', '.join(allowed)}"},
        status_code=405,
        headers={"Allow": ", ".join(allowed)},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _method_not_allowed)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(DatabaseUnavailable, _database_unavailable)
    app.add_exception_handler(RetryableConflict, _too_busy)
    app.add_exception_handler(DatabaseError, _database_bug)
    app.add_exception_handler(Exception, _unexpected)
