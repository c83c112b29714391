"""The one place that wires the read side: Elasticsearch, Kafka, the waiter, the queries."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from elasticsearch import AsyncElasticsearch

from .adapters.checkpoints import CheckpointsIndex
from .adapters.elasticsearch import cluster_status, create_client, wait_until_reachable
from .adapters.kafka_offsets import KafkaOffsets
from .adapters.products_index import ProductsIndex
from .consistency.waiter import ConsistencyWaiter, Projection
from .service_layer.consistency import ReadYourWrites, WaitObserver
from .service_layer.products import ProductQueries
from .settings import QueryApiSettings

log = logging.getLogger(__name__)


@dataclass
class ReadSide:
    """What a running query API holds for its lifetime."""
    settings: QueryApiSettings
    elasticsearch: AsyncElasticsearch
    kafka: KafkaOffsets
    products: ProductQueries

    async def elasticsearch_status(self) -> str | None:
        return await cluster_status(self.elasticsearch, self.settings.query_api_health_timeout_s)

    async def close(self) -> None:
        await self.kafka.close()
        await self.elasticsearch.close()


async def bootstrap(settings: QueryApiSettings, observe_wait: WaitObserver) -> ReadSide:
    """Wait (bounded) for Elasticsearch and build the read side. Kafka is connected on the
    first read with a consistency token, so reads without one never depend on it."""
    es = create_client(settings.elasticsearch_url, settings.query_api_es_timeout_s)
    try:
        await wait_until_reachable(es, settings.query_api_startup_wait_s)
    except Exception:
        await es.close()
        raise
    kafka = KafkaOffsets(settings.kafka_bootstrap,
                         request_timeout_ms=int(max(settings.consistency_wait_s, 1.0) * 1000))
    waiter = ConsistencyWaiter(CheckpointsIndex(es, settings.checkpoints_index), kafka,
                               settings.consistency_wait_s, settings.consistency_poll_interval_s)
    products_projection = Projection(settings.products_projection,
                                     tuple(settings.products_input_topics))
    products = ProductQueries(
        ProductsIndex(es, settings.products_index, settings.search_pit_keep_alive),
        ReadYourWrites(waiter, products_projection, observe_wait),
        facet_size=settings.search_facet_size, use_snapshots=settings.search_pit_enabled)
    log.info("query API connected to Elasticsearch at %s (products index '%s')",
             settings.elasticsearch_url, settings.products_index)
    return ReadSide(settings, es, kafka, products)
