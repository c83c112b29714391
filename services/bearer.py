"""Bearer-token auth of both services (the write API always; the query API with READSIDE_READ_TOKEN): checked
before the body is read, and declared on the write API's routes for OpenAPI."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

PUBLIC_PATHS = frozenset({"/health", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
_REFUSAL = "missing or wrong bearer token; send 'Authorization: Bearer <{}>'"
_CHALLENGE = {"WWW-Authenticate": "Bearer"}
# auto_error=False: a missing header must give our 401 (with the challenge), not a 403.
_bearer = HTTPBearer(auto_error=False, description="READSIDE_WRITE_TOKEN")


def token_matches(authorization: str | None, expected: str) -> bool:
    scheme, _, given = (authorization or "").partition(" ")
    # compare_digest: the time taken must not reveal how much of the token was right.
    return scheme.lower() == "bearer" and bool(given) and hmac.compare_digest(given.strip().encode(), expected.encode())


class RequireBearerToken:
    """ASGI middleware refusing any non-public request without the token. It runs before
    FastAPI parses the body, so an unauthenticated client learns nothing, not even that its
    JSON was malformed. `setting` names the token in the refusal."""

    def __init__(self, app: ASGIApp, expected: str, setting: str = "READSIDE_WRITE_TOKEN") -> None:
        self._app = app
        self._expected = expected
        self._refusal = _REFUSAL.format(setting)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in PUBLIC_PATHS:
            headers = dict(scope["headers"])
            raw = headers.get(b"authorization")
            if not token_matches(raw.decode("latin-1") if raw else None, self._expected):
                await JSONResponse({"detail": self._refusal}, status_code=401, headers=_CHALLENGE)(scope, receive, send)
                return
        await self._app(scope, receive, send)


def require_write_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """The same check as a route dependency: documents the scheme in OpenAPI and still guards
    the routers if they are ever mounted without the middleware."""
    expected = request.app.state.write_side.settings.write_token.get_secret_value()
    given = f"Bearer {credentials.credentials}" if credentials is not None else None
    if not token_matches(given, expected):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail=_REFUSAL.format("READSIDE_WRITE_TOKEN"), headers=_CHALLENGE
        )
