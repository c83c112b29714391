"""GET /health: can Elasticsearch answer? GET /metrics: Prometheus text format. Its response body, then its routes."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from ..dependencies import Side


class Health(BaseModel):
    status: str
    elasticsearch: str


router = APIRouter(tags=["operations"])


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health(side: Side) -> JSONResponse:
    status = await side.elasticsearch_status()
    if status in ("green", "yellow"):
        return JSONResponse({"status": "ok", "elasticsearch": status})
    return JSONResponse({"status": "unavailable", "elasticsearch": status or "unreachable"}, status_code=503)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
