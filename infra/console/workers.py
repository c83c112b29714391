"""Several pipeline workers' scrapes as one (pure): what the page plots with `readside up --workers N`.

Each worker exports its own counters, which restart from zero when the worker does. Summed as they are, a
restart of one worker would look like a reset of all of them, and the next rate would count everything the
others ever did. So each worker's counters are kept monotonic first: when one goes down, what the worker
had counted is carried over; a worker that leaves keeps its last counts in the sum.
"""

from __future__ import annotations

from collections.abc import Mapping

from infra.console.history import Scrape

Key = tuple[str, ...]


def _flat(scrape: Scrape) -> dict[Key, float]:
    counters: dict[Key, float] = {("source",): scrape.source_changes}
    counters.update({("events", projection): v for projection, v in scrape.events_in.items()})
    counters.update({("documents", index): v for index, v in scrape.documents_out.items()})
    counters.update({("dead", reason): v for reason, v in scrape.dead_letters.items()})
    for projection, buckets in scrape.freshness.items():
        counters.update({("freshness", projection, repr(le)): v for le, v in buckets.items()})
    return counters


def _scrape(at: float, counters: Mapping[Key, float], paused: bool, refused: dict[str, str]) -> Scrape:
    events: dict[str, float] = {}
    documents: dict[str, float] = {}
    dead: dict[str, float] = {}
    freshness: dict[str, dict[float, float]] = {}
    for key, value in counters.items():
        kind = key[0]
        if kind == "events":
            events[key[1]] = value
        elif kind == "documents":
            documents[key[1]] = value
        elif kind == "dead":
            dead[key[1]] = value
        elif kind == "freshness":
            freshness.setdefault(key[1], {})[float(key[2])] = value
    return Scrape(at, events, counters.get(("source",), 0.0), documents, freshness, dead, paused, refused)


class Workers:
    """The running sum of every worker's counters, each kept monotonic across its restarts."""

    def __init__(self) -> None:
        self._last: dict[str, dict[Key, float]] = {}  # worker -> its counters at the last scrape
        self._carried: dict[str, dict[Key, float]] = {}  # worker -> what it had counted before its restarts

    def combine(self, at: float, scrapes: Mapping[str, Scrape]) -> Scrape:
        """`scrapes`: this round's scrape of each worker that answered."""
        for worker, scrape in scrapes.items():
            now, last = _flat(scrape), self._last.get(worker, {})
            carried = self._carried.setdefault(worker, {})
            if any(now.get(key, 0.0) < value for key, value in last.items()):  # it restarted: keep its counts
                for key, value in last.items():
                    carried[key] = carried.get(key, 0.0) + value
            self._last[worker] = now
        total: dict[Key, float] = {}
        for worker, counters in self._last.items():
            for source in (counters, self._carried.get(worker, {})):
                for key, value in source.items():
                    total[key] = total.get(key, 0.0) + value
        paused = any(scrape.source_paused for scrape in scrapes.values())
        refused = {index: why for scrape in scrapes.values() for index, why in scrape.sink_refused.items()}
        return _scrape(at, total, paused, refused)
