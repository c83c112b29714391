"""Serve the query API with uvicorn; `python -m services.query_api.entrypoints.server`."""
from __future__ import annotations

import uvicorn

from ..settings import QueryApiSettings
from .app import create_app


def serve(settings: QueryApiSettings) -> None:
    """Block serving on settings.query_api_host:query_api_port until interrupted."""
    uvicorn.run(create_app(settings), host=settings.query_api_host,
                port=settings.query_api_port, log_level="info", access_log=False)


if __name__ == "__main__":
    serve(QueryApiSettings())
