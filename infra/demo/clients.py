"""Async HTTP clients of the write and query APIs for the demo: bounded concurrency, retries, one-line errors."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from infra.demo.workload import EXPECTED_REFUSALS, Command

# FastAPI's own answer for a path no route serves (an unknown id has a sentence of its own).
_NO_ROUTE = {"detail": "Not Found"}


class DemoError(Exception):
    """A failure the demo reports in one line (no trace) before it exits non-zero."""


class RouteNotDeployed(Exception):
    """The query API has no route for this path yet (read models being built in parallel)."""


class _Busy(Exception):
    """503: the service asked us to retry."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    seconds: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def new_id(self) -> int | None:
        return self.body.get("id") if self.ok and isinstance(self.body, dict) else None

    @property
    def token(self) -> str | None:
        return self.body.get("consistency_token") if self.ok and isinstance(self.body, dict) else None

    @property
    def detail(self) -> str:
        return str(self.body.get("detail", self.body)) if isinstance(self.body, dict) else str(self.body)


def _retrying(backoff_s: float) -> AsyncRetrying:
    # About 7 s of backoff in all: long enough to ride out a service restart, short enough to fail clearly.
    return AsyncRetrying(
        retry=retry_if_exception_type((httpx.TransportError, _Busy)),
        reraise=True,
        stop=stop_after_attempt(8),
        wait=wait_exponential(multiplier=backoff_s, max=2),
    )


def _decode(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"detail": response.text[:200]}


class WriteApi:
    """Commands with the bearer token; at most `concurrency` in flight. Every command carries an
    Idempotency-Key, so a retry after a lost answer cannot apply it twice."""

    def __init__(
        self,
        base_url: str,
        token: str,
        concurrency: int = 8,
        timeout_s: float = 30,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_s: float = 0.1,
    ):
        self.base_url = base_url
        self._backoff_s = backoff_s
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout_s,
            transport=transport,
            headers={"Authorization": f"Bearer {token}"},
            limits=httpx.Limits(max_connections=concurrency),
        )
        self._slots = asyncio.Semaphore(concurrency)

    async def send(self, command: Command) -> Answer:
        """2xx, or an expected refusal (404/409) as an Answer; anything else raises DemoError."""
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        async with self._slots:
            began = time.perf_counter()
            try:
                async for attempt in _retrying(self._backoff_s):
                    with attempt:
                        response = await self._http.request(
                            command.method, command.path, json=command.body, headers=headers
                        )
                        if response.status_code == 503:
                            raise _Busy(_decode(response))
            except httpx.TransportError as exc:
                raise DemoError(
                    f"the write API at {self.base_url} does not answer ({type(exc).__name__}): "
                    f"is the stack up? `readside status` shows it, `readside up` starts it"
                ) from None
            except _Busy as exc:
                raise DemoError(
                    f"the write API kept answering 503 to {command.method} {command.path}: {exc}; see `readside status`"
                ) from None
        answer = Answer(response.status_code, _decode(response), time.perf_counter() - began)
        if answer.ok or answer.status in EXPECTED_REFUSALS:
            return answer
        if answer.status == 401:
            raise DemoError(
                "the write API refused the bearer token (401): the demo uses READSIDE_WRITE_TOKEN "
                "or the token file `readside status` names; it must be the one the service runs with"
            )
        raise DemoError(f"{command.method} {command.path} answered {answer.status}: {answer.detail}")

    async def aclose(self) -> None:
        await self._http.aclose()


class QueryApi:
    """Reads, optionally with X-Consistency-Token."""

    def __init__(
        self,
        base_url: str,
        concurrency: int = 8,
        timeout_s: float = 30,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_s: float = 0.1,
    ):
        self.base_url = base_url
        self._backoff_s = backoff_s
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=timeout_s, transport=transport, limits=httpx.Limits(max_connections=concurrency)
        )

    async def get(
        self, path: str, params: dict | None = None, token: str | None = None, also: tuple[int, ...] = ()
    ) -> Answer:
        """2xx, 404 for an unknown id, 504 (not yet at the token) or a status in `also` as an
        Answer; RouteNotDeployed when no route serves `path`; DemoError for anything else."""
        headers = {"X-Consistency-Token": token} if token else {}
        began = time.perf_counter()
        try:
            async for attempt in _retrying(self._backoff_s):
                with attempt:
                    response = await self._http.get(path, params=params, headers=headers)
        except httpx.TransportError as exc:
            raise DemoError(
                f"the query API at {self.base_url} does not answer ({type(exc).__name__}): "
                f"is the stack up? `readside status` shows it, `readside up` starts it"
            ) from None
        answer = Answer(response.status_code, _decode(response), time.perf_counter() - began)
        if answer.status == 404 and answer.body == _NO_ROUTE:
            raise RouteNotDeployed(path)
        if answer.ok or answer.status in (404, 504, *also):
            return answer
        raise DemoError(f"GET {path} answered {answer.status}: {answer.detail}")

    async def aclose(self) -> None:
        await self._http.aclose()
