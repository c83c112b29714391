"""The Faust app (`faust -A pipelines.app worker`): wires settings, sinks and every read model's agents."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from catalog import derive
from catalog.registry import read_models
from pipelines.core.checkpoints import Checkpoints
from pipelines.core.deadletters import DeadLetters
from pipelines.core.elasticsearch import create_client, ensure_index, wait_for_cluster
from pipelines.core.pause import SourcePause, serve_pause
from pipelines.core.purge import INTERNAL_TOPIC_CONFIG, purge_consumed
from pipelines.core.router import ChangeRouter
from pipelines.core.sink import BulkSink, SharedBulk
from pipelines.core.topics import connector_topic_config, ensure_topics
from pipelines.declared import agents as declared
from pipelines.metrics import serve_metrics, watch_loop_lag
from pipelines.orders import agents as orders
from pipelines.products import agents as products
from pipelines.runtime.factory import batch_agent, create_app
from pipelines.runtime.watchdog import watch_commits
from pipelines.settings import PROJECT_ROOT, PipelineSettings

log = logging.getLogger(__name__)

settings = PipelineSettings()
app = create_app(settings)
elasticsearch = create_client(settings.elasticsearch_url, settings.search_engine)
sink = BulkSink(
    elasticsearch,
    settings.bulk_max_actions,
    settings.bulk_max_bytes,
    settings.bulk_retry_max_wait_s,
    settings.bulk_retry_timeout_s,
)
if settings.pipeline_commit_stall_s:
    watch_commits(app, settings.pipeline_commit_stall_s, interval_s=5.0)
dead_letters = DeadLetters(lambda *args: app.producer.send(*args), settings.dead_letter_topic)


checkpoint_writes = SharedBulk(sink)  # one request for the checkpoints of every projection


def report_progress(key: bytes, value: bytes) -> Awaitable[Any]:
    return app.producer.send(settings.progress_topic, key, value, 0, None, None)


def checkpoints(projection: str) -> Checkpoints:
    return Checkpoints(
        elasticsearch,
        checkpoint_writes,
        projection,
        settings.checkpoints_index,
        settings.checkpoint_parts_index,
        settings.topic_partitions,
        refresh=settings.checkpoint_refresh,
        min_interval_s=settings.checkpoint_interval_s,
        parts_refresh_s=settings.checkpoint_store_interval_s,
        publish=report_progress if settings.progress_topic else None,
    )


# The models no hand-written stage streams: the declared engine does, one projection each (models/).
DECLARED = [model for model in read_models().values() if derive.streamed_by_declaration(model)]
OUTLETS = [products.outlet(settings), orders.outlet(settings), *(declared.outlet(m, settings) for m in DECLARED)]
TABLE_OF_TOPIC = {settings.source_topic(table): table for outlet in OUTLETS for table in sorted(outlet.tables)}
SOURCE_TOPICS = sorted(TABLE_OF_TOPIC)
router = ChangeRouter(
    outlets=OUTLETS,
    table_of_topic=TABLE_OF_TOPIC,
    partitions=settings.topic_partitions,
    send=lambda *args: app.producer.send(*args),
    dead_letters=dead_letters,
    marks_interval_s=settings.pipeline_marks_interval_s,
)
serve_pause(app, SourcePause(app, set(SOURCE_TOPICS), settings.pipeline_pause_limit_s), settings.control_token)
app.on_committed_sought.append(router.announce_committed)
route_changes = batch_agent(
    app, app.topic(*SOURCE_TOPICS), "route_changes", router.route, "routing a batch of source events", settings
)
products.register(app, settings, sink, checkpoints(products.PROJECTION), dead_letters)
orders.register(
    app,
    settings,
    sink,
    checkpoints(orders.ORDERS),
    checkpoints(orders.CUSTOMERS),
    checkpoints(orders.SALES),
    dead_letters,
)

for model in DECLARED:
    declared.register(app, model, settings, sink, checkpoints(derive.projection(model)), dead_letters)

NAMES = [settings.index_names(model) for model in read_models().values()]
READ_MODEL_ALIASES = [names.alias for names in NAMES]
INDICES = [
    *((names.index, names.alias, names.mapping) for names in NAMES),
    (settings.checkpoints_index, settings.checkpoints_alias, settings.checkpoints_mapping),
    (settings.checkpoint_parts_index, settings.checkpoint_parts_alias, settings.checkpoint_parts_mapping),
    (settings.rejections_index, settings.rejections_alias, settings.rejections_mapping),
]

# Compaction only cleans closed segments, and Kafka closes one at 1 GiB or after 7 days by default: a
# changelog would then keep every write it ever had, and a restart would read them all. Segments
# close after 10 minutes here, so recovery reads about one value per key plus the last minutes.
# max.compaction.lag.ms bounds how long a value replaced by a newer one for its key (a customer's name after
# an erasure) can stay in a changelog: a day, whatever the dirty ratio says (ARCHITECTURE.md, personal data).
CHANGELOG_CONFIG = {
    "cleanup.policy": "compact",
    "segment.ms": "600000",
    "min.cleanable.dirty.ratio": "0.2",
    "max.compaction.lag.ms": "86400000",
}
PROGRESS_CONFIG = {"cleanup.policy": "delete", "retention.ms": "3600000", "segment.ms": "600000"}


def kept_for(days: float) -> dict[str, str]:
    """A topic whose records are deleted `days` after they were written, give or take an hour: segments close
    hourly, and only closed segments are deleted (by default one stays open for 7 days)."""
    return {"cleanup.policy": "delete", "retention.ms": str(int(days * 86_400_000)), "segment.ms": "3600000"}


INTERNAL_TOPICS = [
    products.changes_topic(settings),
    *orders.internal_topics(settings),
    *(settings.changes_topic(derive.projection(m)) for m in DECLARED),
]


@app.before_consuming
async def prepare() -> None:
    """Topics, indices and aliases exist, and metrics are served, before the first event is read."""
    source_config = connector_topic_config(PROJECT_ROOT / "connectors" / "postgres-source.json")
    topics = {topic: (settings.topic_partitions, source_config) for topic in SOURCE_TOPICS}
    topics[settings.dead_letter_topic] = (1, kept_for(settings.dead_letter_retention_days))
    if settings.progress_topic:  # soft state, read from its end: an hour of it is plenty
        topics[settings.progress_topic] = (1, PROGRESS_CONFIG)
    # Created here, not left to Faust's lazy declaration: a group that joins before a topic exists is
    # assigned none of its partitions, and the projector then never runs.
    for internal in INTERNAL_TOPICS:
        topics[internal] = (settings.topic_partitions, INTERNAL_TOPIC_CONFIG)
    for table in app.tables.values():  # the same race holds for the tables' changelogs
        topics[table.changelog_topic.get_topic_name()] = (settings.topic_partitions, CHANGELOG_CONFIG)
    await ensure_topics(settings.kafka_bootstrap, topics, settings.topic_replication_factor)
    await wait_for_cluster(elasticsearch, settings.elasticsearch_start_timeout_s)
    for index, alias, mapping in INDICES:
        await ensure_index(elasticsearch, index, alias, mapping)
    for alias in READ_MODEL_ALIASES:  # documents go to the aliases, or to their shadow sets during a rebuild
        await sink.reload_shadow(alias)
    serve_metrics(settings.pipeline_metrics_host, settings.pipeline_metrics_port)


@app.task
async def measure_loop_lag() -> None:
    await watch_loop_lag()


if settings.internal_purge_interval_s:

    @app.timer(settings.internal_purge_interval_s)
    async def purge_internal_topics() -> None:
        """What the projections committed past leaves the internal topics (pipelines/core/purge.py)."""
        try:
            await purge_consumed(settings.kafka_bootstrap, settings.pipeline_app_id, set(INTERNAL_TOPICS))
        except Exception as exc:  # Kafka away for a moment: the next round purges it
            log.warning(
                "purging consumed internal records failed (retried in %.0f s): %s",
                settings.internal_purge_interval_s,
                exc,
            )


@app.after_stopping
async def close() -> None:
    await elasticsearch.close()
