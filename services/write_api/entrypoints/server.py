"""Serve the write API with uvicorn; `python -m services.write_api.entrypoints.server`."""

from __future__ import annotations

import logging

from services.serving import serve_app

from ..settings import WriteApiSettings
from .app import create_app


def serve(settings: WriteApiSettings) -> None:
    """Block serving on settings.write_api_host:write_api_port until interrupted."""
    # uvicorn configures only its own loggers; ours (retries, 503s, database bugs with their
    # tracebacks) need a handler too, with time and origin.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Several processes (the commands' JSON, validation and psycopg calls hold one GIL each), each
    # building the app from the same READSIDE_* environment; SIGHUP replaces them one by one.
    serve_app(create_app, settings.write_api_host, settings.write_api_port, settings.write_api_workers)


if __name__ == "__main__":
    serve(WriteApiSettings())  # type: ignore[call-arg]
