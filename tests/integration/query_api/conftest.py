"""Query API integration fixtures: throwaway products, orders, customers and sales indices +
aliases (and one for every read model served from its declaration) and a checkpoints index per session on
the stack's real Elasticsearch, throwaway Kafka topics, a stand-in for a projection's checkpoints, and apps
pointed at them."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from catalog import derive
from catalog.registry import read_model
from infra.settings import PROJECT_ROOT
from search_client import Elasticsearch, sync_client
from services.query_api.entrypoints.app import create_app
from services.query_api.read_models import served_by_declaration
from services.query_api.settings import QueryApiSettings

from .documents import Documents, by_day_and
from .stand_ins import Pipeline, Topics

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
    declared: dict[str, tuple[str, str]] = field(default_factory=dict)  # read model name → (index, alias)

    def read_models(self) -> dict[str, tuple[str, str]]:
        """mapping file stem → (index, alias)"""
        hand_written = {
            "products": (self.products_index, self.products_alias),
            "orders": (self.orders_index, self.orders_alias),
            "customers": (self.customers_index, self.customers_alias),
            "sales": (self.sales_index, self.sales_alias),
            "product_sales": (self.product_sales_index, self.product_sales_alias),
        }
        return {derive.versioned(read_model(name)): pair for name, pair in {**hand_written, **self.declared}.items()}

    def alias_of(self, name: str) -> str:
        """The session alias of a read model served from its declaration."""
        return self.declared[name][1]


def named(prefix: str, model: str) -> tuple[str, str]:
    """A session's index (at the model's mapping version) and alias for a read model."""
    declared = read_model(model)
    return f"{prefix}_{derive.versioned(declared)}", f"{prefix}_{derive.alias(declared)}"


def declared_indices(prefix: str) -> dict[str, tuple[str, str]]:
    """A throwaway index and alias for every read model served from its declaration, named after its own."""
    return {m.name: named(prefix, m.name) for m in served_by_declaration()}


@pytest.fixture(scope="session")
def es(stack) -> Iterator[Elasticsearch]:
    client = sync_client(stack.settings.search_engine.value, stack.elasticsearch_url, request_timeout=30)
    yield client
    client.close()


@pytest.fixture(scope="session")
def indices(es: Elasticsearch) -> Iterator[TestIndices]:
    """Indices made from the real mapping files. Refresh is off on the read model indices, so a
    document is searchable only after an explicit refresh (what token reads must do)."""
    prefix = f"qtest_{secrets.token_hex(4)}"
    names = TestIndices(
        prefix,
        *named(prefix, "products"),
        f"{prefix}_checkpoints",
        *named(prefix, "orders"),
        *named(prefix, "customers"),
        *named(prefix, "sales"),
        *named(prefix, "product_sales"),
        declared_indices(prefix),
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
        index_overrides={name: alias for name, (_, alias) in indices.declared.items()},
        # What a token read of a declared model waits on: throwaway topics' names, as for the others.
        source_topic_prefix=f"{indices.prefix}.no.such",
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


@pytest.fixture(scope="session")
def topics(stack) -> Iterator[Topics]:
    made = Topics(stack.kafka_bootstrap)
    yield made
    made.delete_all()


@pytest.fixture
def pipeline(es, indices, topics, progress_topic) -> Pipeline:
    name = f"{indices.prefix}.{secrets.token_hex(3)}"
    made = Pipeline(es, indices.checkpoints_index, f"{name}.changes", f"{name}.heartbeat", topics, progress_topic)
    topics.create(made.changes_topic, made.heartbeat_topic)
    return made
