"""Fixtures of the e2e tier: clients of the running write and query APIs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.clients import Shop


@pytest.fixture
def shop(stack) -> Iterator[Shop]:
    shop = Shop.connect(stack.settings)
    yield shop
    shop.close()
