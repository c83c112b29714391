"""Prometheus metrics of one app: requests, latency, consistency waits, 504s."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_WAIT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class QueryMetrics:
    """One registry per app (so tests can build many apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "readside_query_requests_total",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "readside_query_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.consistency_wait = Histogram(
            "readside_query_consistency_wait_seconds",
            "time a read with X-Consistency-Token waited for the read model",
            ["outcome"],
            buckets=_WAIT_BUCKETS,
            registry=self.registry,
        )
        self.consistency_timeouts = Counter(
            "readside_query_consistency_timeouts_total",
            "reads answered 504 because the read model did not reach the token in time",
            registry=self.registry,
        )

    def observe_consistency_wait(self, outcome: str, seconds: float) -> None:
        self.consistency_wait.labels(outcome).observe(seconds)
        if outcome == "timeout":
            self.consistency_timeouts.inc()

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Count and time every HTTP request, as plain ASGI: Starlette's BaseHTTPMiddleware runs each
        request in a task of its own and streams the response through it (a fifth of a plain read's CPU)."""

        async def measured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            status = 500

            async def sending(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, sending)
            finally:
                route = getattr(scope.get("route"), "path", "unmatched")
                self.requests.labels(scope["method"], route, str(status)).inc()
                self.latency.labels(scope["method"], route).observe(time.perf_counter() - started)

        return measured
