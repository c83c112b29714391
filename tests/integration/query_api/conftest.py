"""Query API integration fixtures: throwaway products, orders, customers and sales indices +
aliases and a checkpoints index per session on the stack's real Elasticsearch, throwaway Kafka topics, a
stand-in for a projection's checkpoints, and apps pointed at them."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from elasticsearch import Elasticsearch, helpers
from fastapi.testclient import TestClient

from infra.settings import PROJECT_ROOT
from services.query_api.entrypoints.app import create_app
from services.query_api.settings import QueryApiSettings

SCHEMAS = PROJECT_ROOT / "schemas" / "elasticsearch"


@dataclass(frozen=True)
class TestIndices:
    prefix: str
    products_index: str
    products_alias: str
    checkpoints_index: str
    orders_index: str
    orders_alias: str
    customers_index: str
    customers_alias: str
    sales_index: str
    sales_alias: str
    product_sales_index: str
    product_sales_alias: str

    def read_models(self) -> dict[str, tuple[str, str]]:
        """mapping file stem → (index, alias)"""
        return {
            "products_v2": (self.products_index, self.products_alias),
            "orders_v1": (self.orders_index, self.orders_alias),
            "customers_v1": (self.customers_index, self.customers_alias),
            "sales_daily_v1": (self.sales_index, self.sales_alias),
            "product_sales_daily_v1": (self.product_sales_index, self.product_sales_alias),
        }


@pytest.fixture(scope="session")
def es(stack) -> Iterator[Elasticsearch]:
    client = Elasticsearch(stack.elasticsearch_url, request_timeout=30)
    yield client
    client.close()


@pytest.fixture(scope="session")
def indices(es: Elasticsearch) -> Iterator[TestIndices]:
    """Indices made from the real mapping files. Refresh is off on the read model indices, so a
    document is searchable only after an explicit refresh (what token reads must do)."""
    prefix = f"qtest_{secrets.token_hex(4)}"
    names = TestIndices(
        prefix,
        f"{prefix}_products_v2",
        f"{prefix}_products",
        f"{prefix}_checkpoints",
        f"{prefix}_orders_v1",
        f"{prefix}_orders",
        f"{prefix}_customers_v1",
        f"{prefix}_customers",
        f"{prefix}_sales_daily_v1",
        f"{prefix}_sales_daily",
        f"{prefix}_product_sales_daily_v1",
        f"{prefix}_product_sales_daily",
    )
    created: list[str] = []
    try:
        for stem, (index, alias) in names.read_models().items():
            mapping = json.loads((SCHEMAS / f"{stem}.json").read_text())
            es.indices.create(
                index=index,
                mappings=mapping["mappings"],
                settings={**mapping["settings"], "refresh_interval": "-1"},
                aliases={alias: {}},
            )
            created.append(index)
        checkpoints = json.loads((SCHEMAS / "checkpoints_v1.json").read_text())
        es.indices.create(index=names.checkpoints_index, **checkpoints)
        created.append(names.checkpoints_index)
        yield names
    finally:
        if created:
            es.options(ignore_status=404).indices.delete(index=created)


@pytest.fixture(scope="session")
def progress_topic(indices: TestIndices, topics) -> str:
    """The session's own progress topic (the stand-in pipeline reports on it)."""
    name = f"{indices.prefix}.progress"
    topics.create(name, partitions=1)
    return name


@pytest.fixture(scope="session")
def base_settings(stack, indices: TestIndices, progress_topic: str) -> QueryApiSettings:
    return QueryApiSettings(
        progress_topic=progress_topic,
        elasticsearch_url=stack.elasticsearch_url,
        kafka_bootstrap=stack.kafka_bootstrap,
        products_index=indices.products_alias,
        checkpoints_index=indices.checkpoints_index,
        orders_index=indices.orders_alias,
        customers_index=indices.customers_alias,
        sales_index=indices.sales_alias,
        product_sales_index=indices.product_sales_alias,
        products_input_topics=(f"{indices.prefix}.no.such.topic",),
        orders_input_topics=(f"{indices.prefix}.no.such.topic",),
        customers_input_topics=(f"{indices.prefix}.no.such.topic",),
        sales_input_topics=(f"{indices.prefix}.no.such.topic",),
        consistency_wait_s=0.6,
        consistency_poll_interval_s=0.02,
        query_api_startup_wait_s=10,
    )


@pytest.fixture(scope="session")
def make_client() -> Callable[..., Any]:
    """Factory: `with make_client(settings) as client:` runs the app's lifespan."""

    @contextmanager
    def make(settings: QueryApiSettings) -> Iterator[TestClient]:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client

    return make


@pytest.fixture(scope="session")
def api(make_client, base_settings) -> Iterator[TestClient]:
    with make_client(base_settings) as client:
        yield client


def product(
    product_id: int,
    name: str,
    price: str,
    *,
    category: str = "kitchen",
    description: str = "",
    on_hand: int = 5,
    units_sold: int = 0,
    active: bool = True,
    sku: str | None = None,
    brand: str | None = None,
) -> dict[str, Any]:
    """A document as the products pipeline writes it."""
    cents = int(round(float(price) * 100))
    return {
        "id": product_id,
        "sku": sku or f"SKU-{product_id:05d}",
        "name": name,
        "description": description,
        "category": category,
        "brand": brand,
        "price": price,
        "price_cents": cents,
        "active": active,
        "on_hand": on_hand,
        "in_stock": on_hand > 0,
        "units_sold": units_sold,
        "source_lsn": 1,
        "source_ts_ms": 0,
        "indexed_at": "2026-01-01T00:00:00Z",
    }


def order(
    order_id: int,
    placed_at: str,
    *,
    customer: dict[str, Any] | None = None,
    status: str = "placed",
    lines: list[tuple[int, str, str, int, str]] = (),
    updated_at: str | None = None,
) -> dict[str, Any]:
    """An order document as the orders pipeline writes it; `customer` is a customer() document
    (or None: no customer), each line is (product_id, sku, name, quantity, unit_price)."""
    items, total_cents = [], 0
    for line_no, (product_id, sku, name, quantity, unit_price) in enumerate(lines, start=1):
        cents = quantity * int(round(float(unit_price) * 100))
        total_cents += cents
        items.append(
            {
                "line_no": line_no,
                "product_id": product_id,
                "sku": sku,
                "name": name,
                "quantity": quantity,
                "unit_price": unit_price,
                "line_total": f"{cents / 100:.2f}",
                "line_total_cents": cents,
            }
        )
    embedded = None if customer is None else {k: customer[k] for k in ("id", "name", "email", "country")}
    return {
        "id": order_id,
        "status": status,
        "customer_id": None if customer is None else customer["id"],
        "customer": embedded,
        "items": items,
        "total": f"{total_cents / 100:.2f}",
        "total_cents": total_cents,
        "placed_at": placed_at,
        "updated_at": updated_at or placed_at,
        "source_lsn": 1,
        "source_ts_ms": 0,
        "indexed_at": "2026-01-01T00:00:00Z",
    }


def customer(
    customer_id: int,
    name: str,
    email: str,
    country: str = "GB",
    *,
    order_count: int = 0,
    lifetime_value: str = "0.00",
    last_order_at: str | None = None,
) -> dict[str, Any]:
    """A customer document as the customers pipeline writes it."""
    return {
        "id": customer_id,
        "email": email,
        "name": name,
        "country": country,
        "order_count": order_count,
        "lifetime_value": lifetime_value,
        "lifetime_value_cents": int(round(float(lifetime_value) * 100)),
        "last_order_at": last_order_at,
        "source_lsn": 1,
        "source_ts_ms": 0,
        "indexed_at": "2026-01-01T00:00:00Z",
    }


def sales_bucket(day: str, category: str, orders: int, units: int, revenue: str) -> dict[str, Any]:
    """A sales_daily document as the sales pipeline writes it (docs/API.md, 'Meaning of the numbers')."""
    return {
        "day": day,
        "category": category,
        "orders": orders,
        "units": units,
        "revenue": revenue,
        "revenue_cents": int(round(float(revenue) * 100)),
        "source_lsn": 1,
        "source_ts_ms": 0,
        "indexed_at": "2026-01-01T00:00:00Z",
    }


def product_sales_bucket(day: str, product_id: int, units: int, revenue: str) -> dict[str, Any]:
    """A product_sales_daily document as the sales pipeline writes it."""
    return {
        "day": day,
        "product_id": product_id,
        "units": units,
        "revenue": revenue,
        "revenue_cents": int(round(float(revenue) * 100)),
        "source_lsn": 1,
        "source_ts_ms": 0,
        "indexed_at": "2026-01-01T00:00:00Z",
    }


def by_id(doc: dict[str, Any]) -> str:
    return str(doc["id"])


def by_day_and(field: str) -> Callable[[dict[str, Any]], str]:
    """The _id of an aggregate document: "<day>|<category or product id>"."""
    return lambda doc: f"{doc['day']}|{doc[field]}"


class Documents:
    """The documents in one session index; each test loads its own. `key` gives a document's _id."""

    def __init__(self, es: Elasticsearch, alias: str, key: Callable[[dict[str, Any]], str] = by_id) -> None:
        self.es, self.alias, self.key = es, alias, key

    def load(self, docs: list[dict[str, Any]]) -> None:
        self.es.indices.refresh(index=self.alias)
        existing = self.es.search(index=self.alias, size=10_000, source=False)["hits"]["hits"]
        helpers.bulk(
            self.es, [{"_op_type": "delete", "_index": self.alias, "_id": h["_id"]} for h in existing], refresh=True
        )
        self.put(*docs)

    def put(self, *docs: dict[str, Any], refresh: bool = True) -> None:
        helpers.bulk(self.es, [{"_index": self.alias, "_id": self.key(d), "_source": d} for d in docs], refresh=refresh)

    def delete(self, doc_id: int | str) -> None:
        self.es.delete(index=self.alias, id=str(doc_id), refresh=True)


@pytest.fixture
def catalogue(es: Elasticsearch, indices: TestIndices) -> Documents:
    return Documents(es, indices.products_alias)


@pytest.fixture
def order_docs(es: Elasticsearch, indices: TestIndices) -> Documents:
    return Documents(es, indices.orders_alias)


@pytest.fixture
def customer_docs(es: Elasticsearch, indices: TestIndices) -> Documents:
    return Documents(es, indices.customers_alias)


@pytest.fixture
def sales_docs(es: Elasticsearch, indices: TestIndices) -> Documents:
    return Documents(es, indices.sales_alias, by_day_and("category"))


@pytest.fixture
def product_sales_docs(es: Elasticsearch, indices: TestIndices) -> Documents:
    return Documents(es, indices.product_sales_alias, by_day_and("product_id"))


class Topics:
    """Throwaway Kafka topics standing in for a projection's inputs."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.created: list[str] = []

    def create(self, *names: str, partitions: int = 4) -> None:
        asyncio.run(self._create(names, partitions))
        self.created += names

    def send(self, topic: str, key: bytes, value: bytes) -> None:
        async def send() -> None:
            from aiokafka import AIOKafkaProducer

            producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap)
            await producer.start()
            try:
                await producer.send_and_wait(topic, value, key=key)
            finally:
                await producer.stop()

        asyncio.run(send())

    def produce(self, topic: str, partition: int, count: int = 1) -> int:
        """Append `count` messages; the offset of the last one."""
        return asyncio.run(self._produce(topic, partition, count))

    async def _create(self, names: tuple[str, ...], partitions: int) -> None:
        from aiokafka.admin import AIOKafkaAdminClient, NewTopic

        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(n, partitions, 1) for n in names])
        finally:
            await admin.close()

    async def _produce(self, topic: str, partition: int, count: int) -> int:
        from aiokafka import AIOKafkaProducer

        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap)
        await producer.start()
        try:
            offset = -1
            for n in range(count):
                sent = await producer.send_and_wait(topic, json.dumps({"n": n}).encode(), partition=partition)
                offset = sent.offset
            return offset
        finally:
            await producer.stop()

    def delete_all(self) -> None:
        async def delete() -> None:
            from aiokafka.admin import AIOKafkaAdminClient

            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
            await admin.start()
            try:
                await admin.delete_topics(self.created)
            finally:
                await admin.close()

        if self.created:
            asyncio.run(delete())


@pytest.fixture(scope="session")
def topics(stack) -> Iterator[Topics]:
    made = Topics(stack.kafka_bootstrap)
    yield made
    made.delete_all()


@dataclass
class Pipeline:
    """Stands in for the projections: an input topic of changes, the heartbeat topic, and what a
    projection records after applying: its checkpoint document and its report on the progress topic."""

    es: Any
    checkpoints_index: str
    changes_topic: str
    heartbeat_topic: str
    topics: Any = None
    progress_topic: str | None = None

    def applied(self, topic: str, partition: int, offset: int, lsn: int, projection: str = "products") -> None:
        if self.progress_topic is not None:
            self.topics.send(
                self.progress_topic,
                projection.encode(),
                json.dumps(
                    {
                        "projection": projection,
                        "positions": [{"topic": topic, "partition": partition, "offset": offset, "lsn": lsn}],
                    }
                ).encode(),
            )
        self.es.index(
            index=self.checkpoints_index,
            id=f"{projection}:{topic}:{partition}",
            document={
                "projection": projection,
                "topic": topic,
                "partition": partition,
                "offset": offset,
                "lsn": lsn,
                "source_ts_ms": 0,
                "updated_at": datetime.now(UTC).isoformat(),
            },
        )


@pytest.fixture
def pipeline(es, indices, topics, progress_topic) -> Pipeline:
    name = f"{indices.prefix}.{secrets.token_hex(3)}"
    made = Pipeline(es, indices.checkpoints_index, f"{name}.changes", f"{name}.heartbeat", topics, progress_topic)
    topics.create(made.changes_topic, made.heartbeat_topic)
    return made


def search(api, **params):
    """GET /products/search, asserting a 200, and return the body."""
    response = api.get("/products/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()
