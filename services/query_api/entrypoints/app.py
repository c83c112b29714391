"""The query API application: routers, error handlers, metrics, and a lifespan that owns the clients.

The lifespan builds the read side (bootstrap.py), which holds the Elasticsearch and Kafka clients. serve() runs
it with uvicorn (what `readside serve query-api` calls); `python -m services.query_api.entrypoints.app` too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.serving import serve_app

from ...bearer import RequireBearerToken
from ..bootstrap import bootstrap
from ..read_models import product_extras, served_by_declaration, shape_of
from ..settings import QueryApiSettings
from .errors import install_error_handlers
from .metrics import QueryMetrics
from .routes import customers, declared, health, orders, products, stats


def create_app(settings: QueryApiSettings | None = None) -> FastAPI:
    """Build the app; settings default to the READSIDE_* environment."""
    settings = settings if settings is not None else QueryApiSettings()
    metrics = QueryMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        side = await bootstrap(settings, metrics.observe_consistency_wait)
        app.state.read_side = side
        try:
            yield
        finally:
            await side.close()

    app = FastAPI(
        title="readside query API",
        version="1.0",
        description="Reads of the readside shop's read models. Every read accepts "
        "`X-Consistency-Token` (from a write) and then reflects that "
        "write, or answers 504 after a bounded wait.",
        lifespan=lifespan,
    )
    app.state.metrics = metrics
    install_error_handlers(app)
    app.add_middleware(metrics.middleware)
    if settings.read_token is not None:
        app.add_middleware(
            RequireBearerToken, expected=settings.read_token.get_secret_value(), setting="READSIDE_READ_TOKEN"
        )
    app.include_router(products.router_for(product_extras()))
    for module in (orders, customers, stats, health):
        app.include_router(module.router)
    for model in served_by_declaration():  # every other declared read model: routes derived from it
        app.include_router(declared.router_for(shape_of(model)))
    return app


def serve(settings: QueryApiSettings) -> None:
    """Block serving on settings.query_api_host:query_api_port until interrupted."""
    serve_app(create_app, settings.query_api_host, settings.query_api_port)


if __name__ == "__main__":
    # Run as a script this module is __main__; uvicorn's workers import the factory by module name, so
    # serve the one from the importable module.
    from services.query_api.entrypoints import app as importable

    importable.serve(QueryApiSettings())
