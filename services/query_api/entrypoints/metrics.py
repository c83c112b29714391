"""Prometheus metrics of one app: requests, latency, consistency waits, 504s."""
from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_WAIT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class QueryMetrics:
    """One registry per app (so tests can build many apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("readside_query_requests_total", "HTTP requests answered",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("readside_query_request_seconds", "HTTP request latency",
                                 ["method", "route"], buckets=_LATENCY_BUCKETS,
                                 registry=self.registry)
        self.consistency_wait = Histogram(
            "readside_query_consistency_wait_seconds",
            "time a read with X-Consistency-Token waited for the read model",
            ["outcome"], buckets=_WAIT_BUCKETS, registry=self.registry)
        self.consistency_timeouts = Counter(
            "readside_query_consistency_timeouts_total",
            "reads answered 504 because the read model did not reach the token in time",
            registry=self.registry)

    def observe_consistency_wait(self, outcome: str, seconds: float) -> None:
        self.consistency_wait.labels(outcome).observe(seconds)
        if outcome == "timeout":
            self.consistency_timeouts.inc()

    async def middleware(self, request: Request,
                         call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = getattr(request.scope.get("route"), "path", "unmatched")
            self.requests.labels(request.method, route, str(status)).inc()
            self.latency.labels(request.method, route).observe(time.perf_counter() - started)
