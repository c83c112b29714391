"""Wait for a condition with a deadline: the one polling loop the stack, the registrar and the tests share."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class DeadlineExceeded(TimeoutError):
    pass


def poll_until(check: Callable[[], T | None], timeout_s: float, what: str, interval_s: float = 0.2) -> T:
    """Call `check` until it returns something truthy; raise DeadlineExceeded naming `what` after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise DeadlineExceeded(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(interval_s)
