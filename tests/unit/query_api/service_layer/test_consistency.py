"""Read-your-writes: a read of two projections waits for both side by side; a read waits for one at least."""

from __future__ import annotations

import asyncio

import pytest

from services.query_api.consistency.waiter import Projection
from services.query_api.service_layer.consistency import ReadYourWrites

from ..fakes import FakeWaiter

CUSTOMERS = Projection("customers", ("t",))


ORDERS = Projection("orders", ("t",))


TOKEN_1000 = "v1.AAAAAAAAA-g"


def run(coro):
    return asyncio.run(coro)


class BarrierWaiter:
    """Each wait returns only once every projection's wait has started: sequential waits would
    hang, so this proves they run side by side (and share one bound)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.started: list[str] = []
        self.all_started = asyncio.Event()

    async def wait_for(self, projection: Projection, lsn: int, token: str) -> None:
        self.started.append(projection.name)
        if len(self.started) == self.count:
            self.all_started.set()
        await asyncio.wait_for(self.all_started.wait(), 1.0)


def test_two_projections_are_waited_for_side_by_side():
    waiter = BarrierWaiter(2)
    consistency = ReadYourWrites(waiter, (CUSTOMERS, ORDERS), lambda outcome, s: None)
    run(consistency.catch_up(TOKEN_1000, 1000))
    assert waiter.started == ["customers", "orders"]


def test_a_read_must_wait_for_some_projection():
    with pytest.raises(ValueError):
        ReadYourWrites(FakeWaiter(), (), lambda outcome, s: None)
