"""Restart failed Kafka Connect tasks, with backoff: Connect itself never restarts a FAILED task, and a
failed Debezium task leaves the replication slot unconsumed, so WAL piles up in Postgres."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import httpx

log = logging.getLogger("readside.console.watchdog")


@dataclass
class Backoff:
    """When the next restart of one connector may happen: doubling waits, reset after a healthy stretch."""

    first_s: float = 5.0
    max_s: float = 300.0
    healthy_after_s: float = 120.0
    wait_s: float = 0.0
    next_at: float = 0.0
    failing_since: float | None = None
    restarts: int = 0

    def due(self, now: float) -> bool:
        return now >= self.next_at

    def restarted(self, now: float) -> None:
        self.wait_s = self.first_s if self.wait_s == 0 else min(self.wait_s * 2, self.max_s)
        self.next_at = now + self.wait_s
        self.restarts += 1
        if self.failing_since is None:
            self.failing_since = now

    def healthy(self, now: float) -> None:
        if self.failing_since is not None and now - self.next_at >= self.healthy_after_s:
            self.wait_s, self.failing_since = 0.0, None


def failed_parts(status: dict) -> list[str]:
    """The failed parts of one connector ('connector', 'task 0', …), from its entry in `collect_status`."""
    parts = ["connector"] if status["state"] == "FAILED" else []
    return parts + [f"task {t['id']}" for t in status.get("tasks", []) if t["state"] == "FAILED"]


def trace_summary(status: dict) -> str:
    """Connect's error trace of the first failed part in one line: its first line and its root cause (the
    last "Caused by"), or ''."""
    for part in [status, *status.get("tasks", [])]:
        if part.get("state") == "FAILED" and part.get("trace"):
            lines = part["trace"].strip().splitlines()
            causes = [line.removeprefix("Caused by: ") for line in lines if line.startswith("Caused by: ")]
            return lines[0] + (f" (caused by {causes[-1]})" if causes else "")
    return ""


@dataclass
class ConnectorWatchdog:
    connect_url: str
    first_s: float = 5.0
    max_s: float = 300.0
    backoffs: dict[str, Backoff] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)  # the newest restarts, for the page

    async def check(self, http: httpx.AsyncClient, statuses: dict[str, dict], now: float) -> None:
        """Restart (failed tasks only) every connector that has a failed part and whose backoff is due."""
        for name, status in statuses.items():
            backoff = self.backoffs.setdefault(name, Backoff(self.first_s, self.max_s))
            failed = failed_parts(status)
            if not failed:
                backoff.healthy(now)
                continue
            if not backoff.due(now):
                continue
            reason = trace_summary(status) or "no trace"
            response = await http.post(
                f"{self.connect_url}/connectors/{name}/restart", params={"includeTasks": "true", "onlyFailed": "true"}
            )
            backoff.restarted(now)
            outcome = f"HTTP {response.status_code}"
            log.warning(
                "connector %s: %s FAILED (%s); restart requested (%s), next no sooner than %.0f s",
                name,
                ", ".join(failed),
                reason,
                outcome,
                backoff.wait_s,
            )
            self.events = [
                {
                    "at": now,
                    "connector": name,
                    "failed": failed,
                    "reason": reason,
                    "outcome": outcome,
                    "restarts": backoff.restarts,
                },
                *self.events,
            ][:10]
