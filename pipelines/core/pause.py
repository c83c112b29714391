"""Pausing the source topics on request, for a bounded time: a backfill indexes without the stream competing.

On a small machine the stream's catch-up (routing and folding every change event of a bulk load) and a
backfill's bulk indexing fight for the same cores, and both slow down. While a handover is pending the
stream indexes nothing anyway (pipelines/core/handover.py), so `readside backfill` asks the worker to
stop reading the source topics until its documents are in. The pause always ends by itself, at most
`limit_s` after the last request, whatever happens to the caller; internal topics keep flowing.

    POST   /readside/pause/?seconds=N    pause (again) for N seconds: finite, 0 < N <= the limit
    DELETE /readside/pause/              resume now
Both need `Authorization: Bearer <READSIDE_CONTROL_TOKEN>`; without a configured token they refuse.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import math
from typing import Any

import faust

from pipelines.metrics import SOURCE_PAUSED

log = logging.getLogger(__name__)


class SourcePause:
    def __init__(self, app: Any, topics: set[str], limit_s: float) -> None:
        self.app = app
        self.topics = topics
        self.limit_s = limit_s
        self.active = False
        self._timer: asyncio.Task | None = None
        app.source_pause = self  # the consumer keeps what it holds paused (pipelines/runtime/kafka.py)

    def holds(self, tp: Any) -> bool:
        """Whether `tp` stays paused: Faust resumes every stream partition when a recovery ends (after a
        rebalance), which would end the pause on the partitions a worker was given meanwhile."""
        return self.active and tp.topic in self.topics

    def pause(self, seconds: float) -> float:
        granted = min(max(seconds, 0.0), self.limit_s)  # checked by pause_seconds() already; kept as a bound
        tps = {tp for tp in self.app.consumer.assignment() if tp.topic in self.topics}
        self.active = True
        self.app.consumer.pause_partitions(tps)
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.ensure_future(self._resume_after(granted))
        SOURCE_PAUSED.set(1)
        log.info("source topics paused for %.0f s (%d partitions)", granted, len(tps))
        return granted

    def resume(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.active:
            self.active = False
            if not self.app.rebalancing:  # else the recovery resumes them when it ends, as it does every partition
                tps = {tp for tp in self.app.consumer.assignment() if tp.topic in self.topics}
                self.app.consumer.resume_partitions(tps)
            log.info("source topics resumed")
        SOURCE_PAUSED.set(0)

    async def _resume_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self._timer = None
        self.resume()


def pause_seconds(raw: str | None, limit_s: float) -> float | str:
    """The pause asked for, or why it is refused (pure)."""
    try:
        seconds = float(raw or "")
    except ValueError:
        return "query parameter seconds must be a number"
    if not math.isfinite(seconds) or not 0 < seconds <= limit_s:
        return f"query parameter seconds must be a finite number of seconds in (0, {limit_s:g}]"
    return seconds


def refusal(authorization: str | None, token: str | None) -> tuple[int, str] | None:
    """(status, reason) when a control request may not go on; None when its bearer token is the right one."""
    if not token:
        return 403, "the control endpoint is off: the worker has no READSIDE_CONTROL_TOKEN"
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return 401, "Authorization: Bearer <READSIDE_CONTROL_TOKEN> required"
    return None


def serve_pause(app: faust.App, pause: SourcePause, token: str | None) -> None:
    """The worker's web endpoint for `pause` (Faust's web server: loopback by default)."""

    @app.page("/readside/pause/")
    class PauseView(faust.web.View):
        async def post(self, request: Any) -> Any:
            if refused := refusal(request.headers.get("Authorization"), token):
                return self.json({"error": refused[1]}, status=refused[0])
            seconds = pause_seconds(request.query.get("seconds"), pause.limit_s)
            if isinstance(seconds, str):
                return self.json({"error": seconds}, status=400)
            return self.json({"paused_s": pause.pause(seconds), "limit_s": pause.limit_s})

        async def delete(self, request: Any) -> Any:
            if refused := refusal(request.headers.get("Authorization"), token):
                return self.json({"error": refused[1]}, status=refused[0])
            pause.resume()
            return self.json({"paused_s": 0})
