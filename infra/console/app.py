"""The console: one page that shows the whole stack live, its JSON, and the stack-wide Prometheus metrics."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from infra.console.drift import DriftWatch
from infra.console.metrics import REGISTRY
from infra.console.sampler import Sampler
from infra.settings import StackSettings

PAGE = Path(__file__).with_name("page.html")
CONNECTOR_NAME = re.compile(r"^[A-Za-z0-9._-]{1,200}$")


def create_app(settings: StackSettings) -> FastAPI:
    sampler, drift = Sampler(settings), DriftWatch(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(sampler.run()), asyncio.create_task(drift.run())]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()

    app = FastAPI(title="readside console", lifespan=lifespan, docs_url=None, redoc_url=None)

    @app.get("/", response_class=HTMLResponse)
    async def page() -> str:
        return PAGE.read_text()

    @app.get("/api/status")
    async def status() -> JSONResponse:
        report = sampler.report()
        if report is None:
            return JSONResponse(
                {"detail": "the first sample of the stack is still being taken"},
                status_code=503,
                headers={"Retry-After": "1"},
            )
        return JSONResponse(report)

    @app.get("/api/problems")
    async def problems() -> dict:
        """Why the pipeline makes no progress, as the console judged it from its samples ([] when it does)."""
        now = (sampler.latest or {}).get("now") or {}
        return {
            "pipeline": sampler.problems + drift.problems,
            "sampled_at": sampler.latest and sampler.latest["sampled_at"],
            "source_paused": bool(now.get("source_paused")),
        }

    @app.post("/api/connectors/{name}/restart")
    async def restart(name: str) -> dict:
        if not CONNECTOR_NAME.match(name):
            raise HTTPException(400, "a connector name is letters, digits, '.', '_' or '-'")
        async with httpx.AsyncClient(timeout=10) as http:
            try:
                response = await http.post(
                    f"{settings.connect_url}/connectors/{name}/restart",
                    params={"includeTasks": "true", "onlyFailed": "false"},
                )
            except httpx.HTTPError as exc:
                raise HTTPException(503, f"Kafka Connect did not answer: {exc}") from None
        if response.status_code == 404:
            raise HTTPException(404, f"no connector named {name}")
        if response.status_code >= 400:
            raise HTTPException(502, f"Kafka Connect answered {response.status_code}: {response.text[:300]}")
        return {"connector": name, "restart": "requested"}

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok", "sampled": sampler.latest is not None}

    return app


def serve(settings: StackSettings) -> None:
    import logging

    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request of every sample otherwise

    uvicorn.run(create_app(settings), host=settings.host, port=settings.console_port, log_level="warning")
