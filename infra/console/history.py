"""Turn the pipeline's cumulative Prometheus counters and histograms into what a person watches: rates and
latency quantiles over a recent window (pure functions over parsed metrics)."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client.metrics_core import Metric

SOURCE_TOPIC_PREFIX = "readside.public."
HEARTBEAT_TOPIC = "readside.public.debezium_heartbeat"


@dataclass(frozen=True)
class Scrape:
    """The worker's counters at one moment, keyed the way the page groups them."""

    at: float  # seconds, monotonic
    events_in: dict[str, float]  # projection -> source changes its router took (heartbeats excluded)
    source_changes: float  # source changes taken, each counted once however many routers read its topic
    documents_out: dict[str, float]  # index -> document writes and deletes Elasticsearch applied
    freshness: dict[str, dict[float, float]]  # projection -> cumulative bucket counts by upper bound (le)
    dead_letters: dict[str, float]  # reason -> count
    source_paused: bool = False  # a backfill paused the worker's source topics
    sink_refused: dict[str, str] = field(default_factory=dict)  # index -> why Elasticsearch refuses its writes


def scrape_from_families(families: Iterable[Metric], at: float) -> Scrape:
    """Build a Scrape from prometheus_client's parsed metric families."""
    events: dict[str, float] = {}
    by_topic: dict[str, float] = {}  # the most any router took of each source topic
    documents: dict[str, float] = {}
    freshness: dict[str, dict[float, float]] = {}
    dead: dict[str, float] = {}
    paused = False
    refused: dict[str, str] = {}
    for family in families:
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "readside_pipeline_events_total":
                topic = labels.get("topic", "")
                if topic.startswith(SOURCE_TOPIC_PREFIX) and topic != HEARTBEAT_TOPIC:
                    _add(events, labels["projection"], sample.value)
                    by_topic[topic] = max(by_topic.get(topic, 0.0), sample.value)
            elif sample.name == "readside_documents_written_total":
                _add(documents, labels["index"], sample.value)
            elif sample.name == "readside_freshness_seconds_bucket":
                freshness.setdefault(labels["projection"], {})[float(labels["le"])] = sample.value
            elif sample.name == "readside_dead_letters_total":
                _add(dead, labels["reason"], sample.value)
            elif sample.name == "readside_source_paused":
                paused = sample.value > 0
            elif sample.name == "readside_sink_refused" and sample.value > 0:
                refused[labels["index"]] = labels["reason"]
    return Scrape(at, events, sum(by_topic.values()), documents, freshness, dead, paused, refused)


def _add(totals: dict[str, float], key: str, value: float) -> None:
    totals[key] = totals.get(key, 0.0) + value


def quantile(buckets: dict[float, float], q: float) -> float | None:
    """Prometheus-style histogram_quantile over cumulative buckets (le -> count); None without observations."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] <= 0:
        return None
    total = buckets[bounds[-1]]
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                return lower_bound  # past the highest finite bucket: its bound is all that is known
            share = (rank - lower_count) / (count - lower_count) if count > lower_count else 1.0
            return lower_bound + (bound - lower_bound) * share
        lower_bound, lower_count = bound, count
    return lower_bound


def bucket_delta(new: dict[float, float], old: dict[float, float]) -> dict[float, float]:
    """Observations between two scrapes; a worker restart (counters reset) counts from zero."""
    if any(new.get(le, 0.0) < count for le, count in old.items()):
        return dict(new)
    return {le: count - old.get(le, 0.0) for le, count in new.items()}


def rates(new: dict[str, float], old: dict[str, float], seconds: float) -> dict[str, float]:
    """Per key, counts per second between two scrapes; a reset counter counts from zero."""
    if seconds <= 0:
        return {key: 0.0 for key in new}
    return {
        key: (value - old.get(key, 0.0) if value >= old.get(key, 0.0) else value) / seconds
        for key, value in sorted(new.items())
    }


@dataclass
class History:
    """The last `keep_s` seconds of scrapes, and the figures the page plots from them."""

    keep_s: float = 600.0
    window_s: float = 60.0
    scrapes: deque[Scrape] = field(default_factory=deque)
    points: deque[dict] = field(default_factory=deque)

    def add(self, scrape: Scrape) -> dict:
        previous = self.scrapes[-1] if self.scrapes else None
        self.scrapes.append(scrape)
        while self.scrapes and scrape.at - self.scrapes[0].at > self.keep_s:
            self.scrapes.popleft()
        point = self._point(scrape, previous)
        self.points.append(point)
        while self.points and scrape.at - self.points[0]["at"] > self.keep_s:
            self.points.popleft()
        return point

    def _point(self, scrape: Scrape, previous: Scrape | None) -> dict:
        seconds = scrape.at - previous.at if previous else 0.0
        window_start = next((s for s in self.scrapes if scrape.at - s.at <= self.window_s), scrape)
        freshness = {}
        for projection, buckets in sorted(scrape.freshness.items()):
            delta = bucket_delta(buckets, window_start.freshness.get(projection, {}))
            freshness[projection] = {
                "p50_s": quantile(delta, 0.5),
                "p99_s": quantile(delta, 0.99),
                "count": max(delta.values(), default=0.0),
            }
        return {
            "at": scrape.at,
            "changes_in_per_s": rates(scrape.events_in, previous.events_in if previous else {}, seconds),
            "source_changes_per_s": rates(
                {"all": scrape.source_changes}, {"all": previous.source_changes} if previous else {}, seconds
            )["all"],
            "documents_out_per_s": rates(scrape.documents_out, previous.documents_out if previous else {}, seconds),
            "freshness": freshness,
            "dead_letters": dict(scrape.dead_letters),
            "source_paused": scrape.source_paused,
            "sink_refused": dict(scrape.sink_refused),
        }
