"""Honour an optional X-Consistency-Token before a read: decode it, wait, record the wait."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from ..consistency.token import MalformedToken, decode_token
from ..consistency.waiter import ConsistencyWaiter, Projection
from ..domain.errors import InvalidQuery, ReadModelBehind

# (outcome, seconds) with outcome "caught_up", "timeout" or "error"
WaitObserver = Callable[[str, float], None]


class Refreshable(Protocol):
    async def refresh(self) -> None: ...


def parse_token(token: str | None) -> int | None:
    """The LSN of a presented token (None without one, or with an empty header); a malformed token is a 422."""
    if not token:
        return None
    try:
        return decode_token(token)
    except MalformedToken as exc:
        raise InvalidQuery(f"X-Consistency-Token is malformed: {exc}") from None


class ReadYourWrites:
    """Blocks a read until the projections it reads reflect the token's write (or raises 504)."""

    def __init__(
        self, waiter: ConsistencyWaiter, projection: Projection | Sequence[Projection], observe: WaitObserver
    ) -> None:
        self._waiter = waiter
        self._projections = (projection,) if isinstance(projection, Projection) else tuple(projection)
        if not self._projections:
            raise ValueError("a read must wait for at least one projection")
        self._observe = observe

    async def catch_up(self, token: str | None, lsn: int | None) -> None:
        if token is None or lsn is None:
            return
        started = time.monotonic()
        outcome = "error"
        try:
            await self._wait_for_all(lsn, token)
            outcome = "caught_up"
        except ReadModelBehind:
            outcome = "timeout"
            raise
        finally:
            self._observe(outcome, time.monotonic() - started)

    async def searchable(self, token: str | None, *indices: Refreshable) -> int | None:
        """Catch up with the token's write, then refresh `indices` so that a search sees it
        (a realtime get would not need the refresh); the token's LSN, or None without one."""
        lsn = parse_token(token)
        await self.catch_up(token, lsn)
        if lsn is not None:
            for index in indices:
                await index.refresh()
        return lsn

    async def _wait_for_all(self, lsn: int, token: str) -> None:
        # Side by side, so a read of two projections is bounded by one wait, not two; every
        # wait ends on its own deadline, then the first failure (in projection order) is raised.
        results = await asyncio.gather(
            *(self._waiter.wait_for(p, lsn, token) for p in self._projections), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
