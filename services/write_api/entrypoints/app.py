"""The write API application: routers, error handlers, and a lifespan that owns the pool."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from ...bearer import RequireBearerToken
from ..bootstrap import WriteSide, bootstrap
from ..settings import WriteApiSettings
from .errors import install_error_handlers
from .presenter import HttpPresenter
from .routes import customers, health, orders, products

log = logging.getLogger(__name__)


async def purge_expired_keys(side: WriteSide, interval_s: float) -> None:
    """Every `interval_s`, from the start: a failure is logged and tried again next time."""
    while True:
        try:
            await run_in_threadpool(side.purge_expired_keys)
        except Exception as exc:  # the database may be away for a while; the API goes on
            log.warning("could not delete expired idempotency keys: %s", exc)
        await asyncio.sleep(interval_s)  # a schedule, not a wait for a condition


def create_app(settings: WriteApiSettings | None = None) -> FastAPI:
    """Build the app; settings default to the READSIDE_* environment (validated here, so a
    placeholder token fails now rather than at the first request)."""
    settings = settings if settings is not None else WriteApiSettings()  # type: ignore[call-arg]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Blocking start-up (bounded wait for PostgreSQL, opening the pool) off the event loop.
        side = await run_in_threadpool(bootstrap, settings, HttpPresenter())
        app.state.write_side = side
        purging = asyncio.create_task(purge_expired_keys(side, settings.idempotency_purge_interval_s))
        try:
            yield
        finally:
            purging.cancel()
            await asyncio.gather(purging, return_exceptions=True)
            await run_in_threadpool(side.close)

    app = FastAPI(
        title="readside write API",
        version="1.0",
        description="Commands of the readside shop. Every command needs "
        "`Authorization: Bearer <READSIDE_WRITE_TOKEN>` and answers "
        "`{id, consistency_token}`.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(RequireBearerToken, expected=settings.write_token.get_secret_value())
    for module in (customers, products, orders, health):
        app.include_router(module.router)
    return app
