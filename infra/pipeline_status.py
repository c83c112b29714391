"""How far the pipeline is: consumer lag per input topic (source and internal stage topics) and the age of the
newest change it applied."""

from __future__ import annotations

import asyncio
import time

import httpx

from infra.settings import StackSettings

CONSUMER_GROUP = "readside-pipeline"  # the Faust app id (pipelines/settings.py)
SOURCE_PREFIX = "readside.public."
STAGE_SUFFIX = "-changes"  # <app id>-<projection>-changes: what a router or a projector passes on
CHECKPOINTS_INDEX = "readside_checkpoints"


def pipeline_progress(settings: StackSettings) -> dict:
    positions = consumer_positions(settings)
    return {
        "consumer_group": CONSUMER_GROUP,
        "lag": _column(positions, 1),
        "committed": _column(positions, 0),
        "newest_applied_change_age_s": _newest_applied_age_s(settings),
        "pending_handovers": pending_handovers(settings),
    }


def pending_handovers(settings: StackSettings) -> dict[str, dict[int, int]] | None:
    """Per projection, the partitions waiting for a backfill's handover to end, with its floor LSN (the
    worker's gauge `readside_handover_pending_lsn`); None when the worker's metrics cannot be read."""
    try:
        response = httpx.get(f"http://{settings.host}:{settings.pipeline_metrics_port}/metrics", timeout=3)
    except httpx.HTTPError:
        return None
    return parse_pending_handovers(response.text) if response.status_code == 200 else None


def parse_pending_handovers(metrics: str) -> dict[str, dict[int, int]]:
    from prometheus_client.parser import text_string_to_metric_families

    pending: dict[str, dict[int, int]] = {}
    for family in text_string_to_metric_families(metrics):
        if family.name != "readside_handover_pending_lsn":
            continue
        for sample in family.samples:
            if sample.value > 0:
                projection = sample.labels["projection"]
                pending.setdefault(projection, {})[int(sample.labels["partition"])] = int(sample.value)
    return {projection: dict(sorted(parts.items())) for projection, parts in sorted(pending.items())}


def lag_by_topic(settings: StackSettings) -> dict[str, int] | None:
    return _column(consumer_positions(settings), 1)


def _column(positions: dict[str, tuple[int, int]] | None, index: int) -> dict[str, int] | None:
    return None if positions is None else {topic: pair[index] for topic, pair in positions.items()}


def consumer_positions(settings: StackSettings) -> dict[str, tuple[int, int]] | None:
    """Per input topic (source and internal stage topics), the group's committed offsets summed over the
    partitions, and its lag (end minus committed); None when Kafka or the group cannot be read."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient

    async def positions() -> dict[str, tuple[int, int]]:
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, request_timeout_ms=3000)
        consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, request_timeout_ms=3000)
        await admin.start()
        await consumer.start()
        try:
            committed = await admin.list_consumer_group_offsets(CONSUMER_GROUP)
            # The stages' own topics count too: a router can be current while a projector is far behind.
            sources = {
                tp: meta.offset
                for tp, meta in committed.items()
                if tp.topic.startswith(SOURCE_PREFIX) or tp.topic.endswith(STAGE_SUFFIX)
            }
            # Assigned first, the consumer asks for exactly these topics' metadata; unassigned, end_offsets
            # waits a metadata refresh cycle (about 1 s).
            consumer.assign(list(sources))
            ends = await consumer.end_offsets(list(sources)) if sources else {}
        finally:
            await consumer.stop()
            await admin.close()
        result: dict[str, tuple[int, int]] = {}
        for tp, offset in sources.items():
            done, lag = result.get(tp.topic, (0, 0))
            result[tp.topic] = (done + max(offset, 0), lag + max(ends[tp] - max(offset, 0), 0))
        return dict(sorted(result.items()))

    try:
        return asyncio.run(asyncio.wait_for(positions(), 8))
    except Exception:  # an unreachable broker or an unknown group: report "unknown", not a crash
        return None


def _newest_applied_age_s(settings: StackSettings) -> float | None:
    body = {"size": 0, "aggs": {"newest": {"max": {"field": "source_ts_ms"}}}}
    try:
        response = httpx.post(f"{settings.elasticsearch_url}/{CHECKPOINTS_INDEX}/_search", json=body, timeout=3)
        newest = response.json()["aggregations"]["newest"]["value"] if response.status_code == 200 else None
    except (httpx.HTTPError, KeyError, ValueError):
        return None
    return round(time.time() - newest / 1000, 1) if newest else None


def seconds_since_last_checkpoint(settings: StackSettings) -> float | None:
    """How long ago the worker last recorded progress (it does after every batch, heartbeats included)."""
    body = {"size": 0, "aggs": {"last": {"max": {"field": "updated_at"}}}}
    try:
        response = httpx.post(f"{settings.elasticsearch_url}/{CHECKPOINTS_INDEX}/_search", json=body, timeout=3)
        last = response.json()["aggregations"]["last"]["value"] if response.status_code == 200 else None
    except (httpx.HTTPError, KeyError, ValueError):
        return None
    return time.time() - last / 1000 if last else None
