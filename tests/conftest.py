"""Session-wide fixtures: one real stack per test session, shared by the integration and e2e tiers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.settings import StackSettings
from tests.support.isolation import isolate_test_stack
from tests.support.stack import RunningStack, running_stack

# Before any settings are read, by this process or the `readside` commands the tests run.
isolate_test_stack()


@pytest.fixture(scope="session")
def stack() -> Iterator[RunningStack]:
    """The configured stack (READSIDE_STACK=native|docker|external), started once; stops only what it started."""
    with running_stack(StackSettings()) as running:
        yield running


@pytest.fixture(scope="session")
def postgres_admin_dsn(stack: RunningStack) -> str:
    """A DSN for the app role, which may CREATE DATABASE (tests make throwaway databases with it)."""
    return stack.postgres_dsn
