"""GET /health: is the database reachable? No token needed, so probes can call it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ...bootstrap import WriteSide
from ..dependencies import write_side

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(side: Annotated[WriteSide, Depends(write_side)]) -> JSONResponse:
    if side.database_reachable():
        return JSONResponse({"status": "ok", "database": "reachable"})
    return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
