"""The write API application: routers, error handlers, and a lifespan that owns the pool."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from ..bootstrap import bootstrap
from ..settings import WriteApiSettings
from .auth import RequireWriteToken
from .errors import install_error_handlers
from .presenter import HttpPresenter
from .routes import customers, health, orders, products


def create_app(settings: WriteApiSettings | None = None) -> FastAPI:
    """Build the app; settings default to the READSIDE_* environment (validated here, so a
    placeholder token fails now rather than at the first request)."""
    settings = settings if settings is not None else WriteApiSettings()  # type: ignore[call-arg]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Blocking start-up (bounded wait for PostgreSQL, opening the pool) off the event loop.
        side = await run_in_threadpool(bootstrap, settings, HttpPresenter())
        app.state.write_side = side
        try:
            yield
        finally:
            await run_in_threadpool(side.close)

    app = FastAPI(title="readside write API", version="1.0",
                  description="Commands of the readside shop. Every command needs "
                              "`Authorization: Bearer <READSIDE_WRITE_TOKEN>` and answers "
                              "`{id, consistency_token}`.", lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(RequireWriteToken, expected=settings.write_token.get_secret_value())
    for module in (customers, products, orders, health):
        app.include_router(module.router)
    return app
