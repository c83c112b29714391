"""Serve an API with uvicorn under its own process supervisor, even with a single worker.

uvicorn's supervisor answers SIGHUP by starting a new worker (new code, new settings), waiting until it
serves, and only then retiring the old one, worker by worker: `readside restart write-api query-api` uses
that, so an upgrade of an API drops no request. Each worker imports `factory` itself and builds the app
from the same READSIDE_* environment. The retiring worker drains its connections (`DrainingProtocol`).
"""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

# How long a retiring worker waits for the request of a connection it accepted but has not read from yet.
DRAIN_S = 1.0
# The bound on a retiring worker's wait for its requests in progress (uvicorn's default is no bound).
GRACEFUL_SHUTDOWN_S = 30


class DrainingProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol, except that a retiring worker does not drop a request already on its way.

    Works around uvicorn 0.54 `Server.shutdown` -> `HttpToolsProtocol.shutdown`, which closes at once every
    connection with no request in progress. A connection the worker accepted a moment before it was told to
    retire usually has one: its bytes are on the wire, or in the socket not yet read. Closing it makes the
    client see "server disconnected without sending a response" (1 read in a few hundred, in
    tests/e2e/test_restart.py). Here such a connection gets `DRAIN_S` to deliver its request, which is
    answered with `Connection: close`; a connection that sends nothing is closed after that, as before.
    ADR 0019."""

    draining = False

    def shutdown(self) -> None:
        if self.cycle is not None and not self.cycle.response_complete:
            super().shutdown()  # a request in progress: answered, then closed (uvicorn's own path)
            return
        self.draining = True
        # data_received cancels this timer; the request then completes and closes the connection.
        self._unset_keepalive_if_required()
        self.timeout_keep_alive_task = self.loop.call_later(DRAIN_S, self.timeout_keep_alive_handler)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if self.draining and self.cycle is not None:
            self.cycle.keep_alive = False


def server_config(factory: Callable, host: str, port: int, workers: int = 1) -> uvicorn.Config:
    return uvicorn.Config(
        f"{factory.__module__}:{factory.__name__}",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=DrainingProtocol,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        log_level="info",
        access_log=False,
    )


def serve_app(factory: Callable, host: str, port: int, workers: int = 1) -> None:
    config = server_config(factory, host, port, workers)
    Multiprocess(config, sockets=[config.bind_socket()]).run()
