"""Prometheus metrics of the pipeline worker, and the endpoint that serves them."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import Counter, Gauge, Histogram, start_http_server

log = logging.getLogger(__name__)

EVENTS_PROCESSED = Counter(
    "readside_pipeline_events_total",
    "Source events handled (applied, ignored as stale, or dead-lettered)",
    ["projection", "topic"],
)
DEAD_LETTERS = Counter("readside_dead_letters_total", "Events sent to the dead-letter topic", ["projection", "reason"])
STALE_WRITES = Counter(
    "readside_es_stale_writes_total", "Writes Elasticsearch refused because the document was already newer", ["index"]
)
SINK_REFUSED = Gauge(
    "readside_sink_refused",
    "1 while Elasticsearch refuses writes to an index (a write block, a closed index, a "
    "disk watermark...): the worker waits and retries, its checkpoints stand still",
    ["index", "reason"],
)
DOCUMENTS_WRITTEN = Counter(
    "readside_documents_written_total", "Document writes and deletes Elasticsearch applied", ["index"]
)
BULK_SECONDS = Histogram(
    "readside_es_bulk_seconds",
    "Latency of one Elasticsearch bulk request, retries included",
    ["index"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
FRESHNESS_SECONDS = Histogram(
    "readside_freshness_seconds",
    "Source commit (source.ts_ms) to applied in Elasticsearch",
    ["projection"],
    buckets=(0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

BATCH_EVENTS = Histogram(
    "readside_batch_events",
    "Events per batch a stage handled",
    ["projection", "stage"],
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2000, 5000),
)
BATCH_SECONDS = Histogram(
    "readside_batch_seconds",
    "Time a stage took for one batch, every await included",
    ["projection", "stage"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
SKIPPED_OFFSETS = Counter(
    "readside_skipped_offsets_total",
    "Offset gaps in internal topics: events Faust never handed to the stream",
    ["topic"],
)

HANDOVER_PENDING = Gauge(
    "readside_handover_pending_lsn",
    "A partition waiting for the end of a backfill's handover (its floor LSN; "
    "0 when live): it indexes nothing until then",
    ["projection", "partition"],
)
SOURCE_PAUSED = Gauge("readside_source_paused", "1 while a backfill has the worker's source topics paused (on purpose)")
UNHANDLED_ACKS = Counter(
    "readside_unhandled_acks_total",
    "Acks refused: events Faust's stream skipped (fetched before a rebalance, or "
    "taken while the flow was suspended) without a batch handling them",
    ["topic"],
)
CONSUMER_REWINDS = Counter(
    "readside_consumer_rewinds_total",
    "Partitions sought back because records were stale (fetched before a "
    "seek) or missing (a hole in an internal topic)",
    ["topic", "reason"],
)

LOOP_LAG_SECONDS = Histogram(
    "readside_event_loop_lag_seconds",
    "How late the worker's event loop woke a timer: time every await waits on "
    "top of its own (a busy loop, a held GIL, or a machine short of CPU)",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


async def watch_loop_lag(interval_s: float = 0.1) -> None:
    """Observe, forever, how much later than asked a sleep of `interval_s` ends."""
    loop = asyncio.get_running_loop()
    while True:
        asked = loop.time() + interval_s
        await asyncio.sleep(interval_s)
        LOOP_LAG_SECONDS.observe(max(0.0, loop.time() - asked))


def serve_metrics(host: str, port: int) -> None:
    """Expose /metrics on host:port; port 0 disables it. A taken port is logged, not fatal."""
    if not port:
        return
    try:
        start_http_server(port, addr=host)
    except OSError as exc:
        log.error("metrics endpoint %s:%s not started: %s (set READSIDE_PIPELINE_METRICS_PORT)", host, port, exc)
    else:
        log.info("metrics on http://%s:%s/metrics", host, port)
