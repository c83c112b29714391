"""The one place that wires the read side: Elasticsearch, Kafka, the waiter, the queries."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from search_client import AsyncElasticsearch

from .adapters.checkpoints import CheckpointsIndex
from .adapters.elasticsearch.client import cluster_status, create_client, wait_until_reachable
from .adapters.elasticsearch.declared import DeclaredDsl
from .adapters.elasticsearch.documents import DocumentIndex
from .adapters.elasticsearch.orders import OrderDsl
from .adapters.elasticsearch.products import ProductDsl
from .adapters.elasticsearch.stats import StatsDsl
from .adapters.kafka_offsets import KafkaOffsets
from .adapters.progress_feed import ProgressFeed
from .consistency.waiter import ConsistencyWaiter, Projection
from .read_models import index_of, product_extras, projection_of, served_by_declaration, shape_of
from .service_layer.consistency import ReadYourWrites, WaitObserver
from .service_layer.customers import CustomerQueries
from .service_layer.declared import DeclaredQueries
from .service_layer.orders import OrderQueries
from .service_layer.products import ProductQueries
from .service_layer.stats import StatsQueries
from .settings import QueryApiSettings

log = logging.getLogger(__name__)


@dataclass
class ReadSide:
    """What a running query API holds for its lifetime."""

    settings: QueryApiSettings
    elasticsearch: AsyncElasticsearch
    kafka: KafkaOffsets
    waiter: ConsistencyWaiter
    feed: ProgressFeed | None
    products: ProductQueries
    orders: OrderQueries
    customers: CustomerQueries
    stats: StatsQueries
    declared: dict[str, DeclaredQueries]  # read model name -> its reads, for those served from their declarations

    async def elasticsearch_status(self) -> str | None:
        return await cluster_status(self.elasticsearch, self.settings.query_api_health_timeout_s)

    async def close(self) -> None:
        await self.waiter.close()
        if self.feed is not None:
            await self.feed.close()
        await self.kafka.close()
        await self.elasticsearch.close()


async def bootstrap(settings: QueryApiSettings, observe_wait: WaitObserver) -> ReadSide:
    """Wait (bounded) for Elasticsearch and build the read side. Kafka is only needed by reads
    with a consistency token: the progress feed follows it in the background, and end offsets
    are read on the first such read, so reads without one never depend on it."""
    # The declarations first: a mistake in one is reported before any client is opened.
    shapes = [(model, shape_of(model)) for model in served_by_declaration()]
    product_fields = product_extras().names
    es = create_client(settings.elasticsearch_url, settings.query_api_es_timeout_s, settings.search_engine)
    try:
        await wait_until_reachable(es, settings.query_api_startup_wait_s)
    except Exception:
        await es.close()
        raise
    kafka = KafkaOffsets(settings.kafka_bootstrap, request_timeout_ms=int(max(settings.consistency_wait_s, 1.0) * 1000))
    checkpoints = CheckpointsIndex(es, settings.checkpoints_index)
    feed = (
        ProgressFeed(settings.kafka_bootstrap, settings.progress_topic, kafka.partitions, seed=checkpoints)
        if settings.progress_topic
        else None
    )
    waiter = ConsistencyWaiter(
        feed or checkpoints,
        kafka,
        settings.consistency_wait_s,
        settings.consistency_poll_interval_s,
        read_timeout_s=min(settings.consistency_wait_s, 5.0),
        horizon_bytes=settings.consistency_horizon_bytes,
    )
    if feed is not None:  # followed from now on in the background; plain reads never wait for it
        feed.on_progress = waiter.poke
        feed.start()
    products = Projection(settings.products_projection, tuple(settings.products_input_topics))
    orders = Projection(settings.orders_projection, tuple(settings.orders_input_topics))
    customers = Projection(settings.customers_projection, tuple(settings.customers_input_topics))
    sales = Projection(settings.sales_projection, tuple(settings.sales_input_topics))

    def index(alias: str, kind: str) -> DocumentIndex:
        return DocumentIndex(es, alias, settings.search_pit_keep_alive, kind, settings.rejections_index)

    def reading(*projections: Projection) -> ReadYourWrites:
        return ReadYourWrites(waiter, projections, observe_wait)

    declared: dict[str, DeclaredQueries] = {}
    for model, shape in shapes:
        declared[model.name] = DeclaredQueries(
            shape,
            index(index_of(model, settings.index_overrides), shape.kind),
            DeclaredDsl(shape),
            reading(projection_of(model, settings.source_topic_prefix)),
            use_snapshots=settings.search_pit_enabled,
        )

    side = ReadSide(
        settings,
        es,
        kafka,
        waiter,
        feed,
        products=ProductQueries(
            index(settings.products_index, "product"),
            ProductDsl(settings.search_facet_size, product_fields),
            reading(products),
            use_snapshots=settings.search_pit_enabled,
            extra_fields=product_fields,
        ),
        orders=OrderQueries(
            index(settings.orders_index, "order"),
            OrderDsl(),
            reading(orders),
            use_snapshots=settings.search_pit_enabled,
        ),
        customers=CustomerQueries(
            index(settings.customers_index, "customer"),
            index(settings.orders_index, "order"),
            OrderDsl(),
            consistency=reading(customers),
            with_orders=reading(customers, orders),
        ),
        stats=StatsQueries(
            index(settings.sales_index, "sales bucket"),
            index(settings.product_sales_index, "product sales bucket"),
            index(settings.products_index, "product"),
            StatsDsl(),
            reading(sales),
        ),
        declared=declared,
    )
    log.info(
        "query API connected to Elasticsearch at %s (indices '%s', '%s', '%s', '%s', '%s'; from declarations: %s)",
        settings.elasticsearch_url,
        settings.products_index,
        settings.orders_index,
        settings.customers_index,
        settings.sales_index,
        settings.product_sales_index,
        ", ".join(sorted(declared)) or "none",
    )
    return side
