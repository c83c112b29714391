"""Serve the query API with uvicorn; `python -m services.query_api.entrypoints.server`."""

from __future__ import annotations

from services.serving import serve_app

from ..settings import QueryApiSettings
from .app import create_app


def serve(settings: QueryApiSettings) -> None:
    """Block serving on settings.query_api_host:query_api_port until interrupted."""
    serve_app(create_app, settings.query_api_host, settings.query_api_port)


if __name__ == "__main__":
    serve(QueryApiSettings())
