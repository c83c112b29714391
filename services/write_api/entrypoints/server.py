"""Serve the write API with uvicorn; `python -m services.write_api.entrypoints.server`."""
from __future__ import annotations

import logging

import uvicorn

from ..settings import WriteApiSettings
from .app import create_app


def serve(settings: WriteApiSettings) -> None:
    """Block serving on settings.write_api_host:write_api_port until interrupted."""
    # uvicorn configures only its own loggers; ours (retries, 503s, database bugs with their
    # tracebacks) need a handler too, with time and origin.
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.write_api_workers == 1:
        uvicorn.run(create_app(settings), host=settings.write_api_host,
                    port=settings.write_api_port, log_level="info", access_log=False)
        return
    # Several processes (the commands' JSON, validation and psycopg calls hold one GIL each): uvicorn
    # imports the factory in every worker, which reads the same READSIDE_* environment.
    uvicorn.run(f"{create_app.__module__}:{create_app.__name__}", factory=True,
                workers=settings.write_api_workers, host=settings.write_api_host,
                port=settings.write_api_port, log_level="info", access_log=False)


if __name__ == "__main__":
    serve(WriteApiSettings())  # type: ignore[call-arg]
