"""A sampled `verify` on a timer (off by default): drift between Postgres and the read models is exported as a
metric and named among the console's problems, so it is seen before a customer sees it."""

from __future__ import annotations

import asyncio
import logging
import time

from infra.console.metrics import DRIFT, DRIFT_COMPARED, DRIFT_LAST_RUN
from infra.secrets import postgres_password
from infra.settings import StackSettings
from infra.verify.diff import ModelDiff
from infra.verify.runner import CHECKS, verify

log = logging.getLogger(__name__)


def drift_problems(diffs: list[ModelDiff]) -> list[str]:
    """What a sampled verify found, as problems (none when every sample agreed)."""
    return [
        f"sampled verify: {d.problem or f'{d.count} difference(s) in {d.compared} document(s)'} in {d.model} "
        f"(see `readside verify --model {d.model}`)"
        for d in diffs
        if d.count
    ]


class DriftWatch:
    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.problems: list[str] = []

    def once(self) -> list[ModelDiff]:
        s = self.settings
        diffs = verify(
            s.postgres_dsn(postgres_password(s)),
            s.elasticsearch_url,
            list(CHECKS),
            s.verify_sample_wait_s,
            sample=s.verify_sample_size,
        )
        for d in diffs:
            DRIFT.labels(d.model).set(d.count)
            DRIFT_COMPARED.labels(d.model).set(d.compared)
        DRIFT_LAST_RUN.set(time.time())
        self.problems = drift_problems(diffs)
        return diffs

    async def run(self) -> None:
        interval = self.settings.verify_sample_interval_s
        if not interval:
            return
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(self.once)
            except Exception as exc:  # Postgres or Elasticsearch away: the next round tries again
                log.warning("sampled verify failed: %s", exc)
