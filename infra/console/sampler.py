"""Sample the whole stack on a period: health, connectors (restarting failed tasks), the slot, the pipeline's
counters. Keeps the newest report and a few minutes of history for the page and sets the console's metrics."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
from prometheus_client.parser import text_string_to_metric_families

from infra.console.history import History, scrape_from_families
from infra.console.letters import LetterTally
from infra.console.metrics import CONNECTOR_RESTARTS, export
from infra.console.stalls import ProgressWatch
from infra.console.watchdog import ConnectorWatchdog
from infra.console.workers import Workers
from infra.settings import StackSettings
from infra.status import all_healthy, collect_status, mark_pipeline_problems

log = logging.getLogger("readside.console")


class Sampler:
    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.history = History(keep_s=settings.console_history_s)
        self.workers = Workers()  # every pipeline worker's counters, summed
        self.watchdog = ConnectorWatchdog(
            settings.connect_url, settings.connector_restart_first_s, settings.connector_restart_max_s
        )
        self.progress = ProgressWatch(settings.pipeline_stall_after_s, settings.dead_letter_alarm_per_min)
        self.letters = LetterTally(settings)
        self.problems: list[str] = []  # why the pipeline makes no progress; [] when it does
        self.latest: dict | None = None
        self.viewed_at = 0.0  # the last time someone asked for the report: sample faster while watched
        self._wake = asyncio.Event()

    def report(self) -> dict | None:
        self.viewed_at = time.monotonic()
        if self.latest and time.time() - self.latest["sampled_at"] > self.settings.console_interval_s:
            self._wake.set()  # a look during the idle period's longer wait gets a fresh sample soon
        return self.latest

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=5) as http:
            while True:
                try:
                    await self.sample(http)
                except Exception:  # one bad round must not end the console; the next may succeed
                    log.exception("sampling the stack failed")
                watched = time.monotonic() - self.viewed_at < 30
                interval = self.settings.console_interval_s if watched else self.settings.console_idle_interval_s
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), interval)
                except TimeoutError:
                    pass

    async def sample(self, http: httpx.AsyncClient) -> None:
        status = await asyncio.to_thread(collect_status, self.settings, False)
        if status["components"]["kafka"]["healthy"]:
            await self.letters.refresh()
            status["dead_letters_pending"] = self.letters.pending_by_reason()
            status["newest_dead_letters"] = self.letters.newest(5)
        before = {name: b.restarts for name, b in self.watchdog.backoffs.items()}
        if status["components"]["connect"]["healthy"]:
            await self.watchdog.check(http, status["connectors"], time.time())
        for name, backoff in self.watchdog.backoffs.items():
            CONNECTOR_RESTARTS.labels(name).inc(backoff.restarts - before.get(name, 0))
        point = None
        scrapes = {}
        for url in worker_metrics_urls(self.settings, status):
            metrics = await self._pipeline_metrics(http, url)
            if metrics is not None:
                scrapes[url] = scrape_from_families(text_string_to_metric_families(metrics), time.time())
        if scrapes:
            point = self.history.add(self.workers.combine(time.time(), scrapes))
        pipeline = status.get("pipeline") or {}
        dead_letters = sum(point["dead_letters"].values()) if point else 0.0
        self.problems = self.progress.problems(
            pipeline.get("committed") or {},
            pipeline.get("lag") or {},
            dead_letters,
            time.time(),
            paused=bool(point and point["source_paused"]),
            refused=point["sink_refused"] if point else None,
        )
        mark_pipeline_problems(status, self.problems)
        export(status)
        status.pop("write_token", None)
        self.latest = {
            **status,
            "healthy": all_healthy(status),
            "sampled_at": time.time(),
            "now": point,
            "history": list(self.history.points),
            "restarts": self.watchdog.events,
        }

    async def _pipeline_metrics(self, http: httpx.AsyncClient, url: str) -> str | None:
        try:
            response = await http.get(url)
        except httpx.HTTPError:
            return None
        return response.text if response.status_code == 200 else None


def worker_metrics_urls(settings: StackSettings, status: dict) -> list[str]:
    """The metrics of every pipeline worker the status report lists (`pipeline`, `pipeline-2`, ...); the
    first worker's address when it lists none (a stack readside does not run)."""
    workers = [
        svc["url"] for name, svc in sorted(status.get("services", {}).items()) if name.split("-")[0] == "pipeline"
    ]
    return [f"{url}/metrics" for url in workers] or [f"http://{settings.host}:{settings.pipeline_metrics_port}/metrics"]
