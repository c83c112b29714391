"""The Faust app (`faust -A pipelines.app worker`): wires settings, sinks and every read model's agents."""
from __future__ import annotations

from pipelines.core.checkpoints import Checkpoints
from pipelines.core.deadletters import DeadLetters
from pipelines.core.elasticsearch import create_client, ensure_index, wait_for_cluster
from pipelines.core.factory import create_app
from pipelines.core.metrics import serve_metrics
from pipelines.core.settings import PROJECT_ROOT, PipelineSettings
from pipelines.core.sink import BulkSink
from pipelines.core.topics import connector_topic_config, ensure_topics
from pipelines.products import agents as products

settings = PipelineSettings()
app = create_app(settings)
elasticsearch = create_client(settings.elasticsearch_url)
sink = BulkSink(elasticsearch, settings.bulk_max_actions, settings.bulk_max_bytes,
                settings.bulk_retry_max_wait_s, settings.bulk_retry_timeout_s)
dead_letters = DeadLetters(lambda *args: app.producer.send(*args), settings.dead_letter_topic)
products_checkpoints = Checkpoints(elasticsearch, sink, products.PROJECTION, settings.checkpoints_index,
                                   settings.checkpoint_parts_index, settings.topic_partitions,
                                   refresh=settings.checkpoint_refresh)
products.register(app, settings, sink, products_checkpoints, dead_letters)


@app.before_consuming
async def prepare() -> None:
    """Topics, indices and aliases exist, and metrics are served, before the first event is read."""
    source_config = connector_topic_config(PROJECT_ROOT / "connectors" / "postgres-source.json")
    topics = {topic: (settings.topic_partitions, source_config) for topic in products.source_topics(settings)}
    topics[settings.dead_letter_topic] = (1, {})
    # Created here, not left to Faust's lazy declaration: a group that joins before a topic exists is
    # assigned none of its partitions, and the projector then never runs.
    topics[products.changes_topic(settings)] = (settings.topic_partitions, {})
    for table in app.tables.values():  # the same race holds for the tables' changelogs
        topics[table.changelog_topic.get_topic_name()] = (settings.topic_partitions, {"cleanup.policy": "compact"})
    await ensure_topics(settings.kafka_bootstrap, topics, settings.topic_replication_factor)
    await wait_for_cluster(elasticsearch, settings.elasticsearch_start_timeout_s)
    await ensure_index(elasticsearch, settings.products_index, settings.products_alias, settings.products_mapping)
    await ensure_index(elasticsearch, settings.checkpoints_index, settings.checkpoints_alias,
                       settings.checkpoints_mapping)
    await ensure_index(elasticsearch, settings.checkpoint_parts_index, settings.checkpoint_parts_alias,
                       settings.checkpoint_parts_mapping)
    serve_metrics(settings.pipeline_metrics_host, settings.pipeline_metrics_port)


@app.after_stopping
async def close() -> None:
    await elasticsearch.close()
