"""Stop the worker process at once when a batch cannot be completed, so no offset of it is committed."""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable

log = logging.getLogger(__name__)

EXIT_BATCH_FAILED = 70


async def complete_or_die(batch: Awaitable[None], what: str) -> None:
    """Await a batch; on any error, log it and exit the process without cleanup.

    Letting the exception escape would be worse: Faust restarts a crashed agent, which reads on past the
    batch, whose events (never acked, see `take_available()`) then hold that partition's commit back until
    the commit watchdog steps in. A hard exit is the SIGKILL case, which the pipeline is built to survive:
    redelivery from the last commit.
    Whatever runs the worker (systemd, `readside serve pipeline`, Kubernetes) restarts it.
    """
    try:
        await batch
    except Exception:
        exit_now(f"{what} failed; exiting so that no offset of it is committed", exc_info=True)


def exit_now(reason: str, exc_info: bool = False) -> None:
    """Log `reason` and end the process at once, without cleanup: nothing in flight gets acked."""
    log.critical(reason, exc_info=exc_info)
    logging.shutdown()
    os._exit(EXIT_BATCH_FAILED)
