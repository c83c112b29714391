"""Serve an API with uvicorn under its own process supervisor, even with a single worker.

uvicorn's supervisor answers SIGHUP by starting a new worker (new code, new settings), waiting until it
serves, and only then retiring the old one, worker by worker: `readside restart write-api query-api` uses
that, so an upgrade of an API drops no request. Each worker imports `factory` itself and builds the app
from the same READSIDE_* environment.
"""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from uvicorn.supervisors import Multiprocess


def serve_app(factory: Callable, host: str, port: int, workers: int = 1) -> None:
    config = uvicorn.Config(
        f"{factory.__module__}:{factory.__name__}",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()
