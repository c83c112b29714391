"""A retiring API worker answers a request that reached it as it was told to stop, instead of dropping it."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from services.serving import DrainingProtocol

pytestmark = pytest.mark.integration


async def hello(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"5")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"hello"})


def wait_until(condition, what: str, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def retire_with_a_connection_waiting(protocol: type) -> bytes:
    """Serve, accept a connection, tell the server to stop, then send a request on that connection: returns
    what the server answered (b"" when it closed the connection without an answer)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        config = uvicorn.Config(hello, http=protocol, log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
        thread.start()
        wait_until(lambda: server.started, "the server to start")
        with socket.create_connection(listener.getsockname(), timeout=5) as client:
            wait_until(lambda: len(server.server_state.connections) == 1, "the server to accept the connection")
            server.should_exit = True
            wait_until(lambda: not any(s.is_serving() for s in server.servers), "the server to stop accepting")
            try:
                client.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
                answer = b"".join(iter(lambda: client.recv(65536), b""))
            except ConnectionError:
                answer = b""
        thread.join(10)
        assert not thread.is_alive(), "the server did not stop"
    return answer


def test_a_request_on_a_connection_accepted_before_retiring_is_answered_and_the_connection_closed():
    answer = retire_with_a_connection_waiting(DrainingProtocol)
    head = answer.split(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 200"), answer
    assert b"connection: close" in head
    assert answer.endswith(b"hello")


def test_uvicorn_alone_still_drops_it():
    """The upstream behaviour DrainingProtocol works around: when this fails, uvicorn fixed it, and
    DrainingProtocol can go."""
    answer = retire_with_a_connection_waiting(HttpToolsProtocol)
    assert answer == b""
