"""Settings of the query API deployable, read from READSIDE_* environment variables."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from catalog import derive
from catalog.registry import read_model, read_models

from .read_models import HAND_WRITTEN

SOURCE_TOPIC_PREFIX = "readside.public"  # Debezium's topic.prefix and the schema: the pipeline's default too


def inputs(model: str) -> Any:
    """The default input topics of a read model's token reads: its pipeline stage's source topics, derived
    from the declarations (catalog/derive.py), under this process's topic prefix."""

    def derived(data: dict[str, Any]) -> tuple[str, ...]:
        return derive.input_topics(read_model(model), data.get("source_topic_prefix", SOURCE_TOPIC_PREFIX))

    return Field(default_factory=derived, description=f"the topics a token read of {model} waits on")


def alias_of(model: str, what: str) -> Any:
    return Field(default=derive.alias(read_model(model)), min_length=1, description=f"alias (or index) of {what}")


def projection_of(model: str) -> Any:
    return Field(
        default=derive.projection(read_model(model)), min_length=1, description="its name in the checkpoint documents"
    )


_TOPIC_LISTS = ("products_input_topics", "orders_input_topics", "customers_input_topics", "sales_input_topics")


class QueryApiSettings(BaseSettings):
    """One object for the query API; e.g. `elasticsearch_url` comes from
    READSIDE_ELASTICSEARCH_URL and `orders_input_topics` from READSIDE_ORDERS_INPUT_TOPICS
    (comma-separated)."""

    model_config = SettingsConfigDict(env_prefix="READSIDE_", extra="ignore")

    elasticsearch_url: str = "http://127.0.0.1:19200"
    search_engine: Literal["elasticsearch", "elasticsearch9", "opensearch"] = Field(
        default="elasticsearch", description="the engine at elasticsearch_url; the client speaks its API"
    )
    kafka_bootstrap: str = "127.0.0.1:19092"
    query_api_host: str = "127.0.0.1"
    read_token: SecretStr | None = Field(
        default=None,
        description=("bearer token every read must carry; off by default on a loopback address, required on any other"),
    )
    query_api_port: int = Field(default=8002, ge=1, le=65535)

    consistency_wait_s: float = Field(default=5.0, gt=0, le=120, description="how long a read with a token may wait")
    consistency_horizon_bytes: int = Field(
        default=64 * 2**30,
        ge=2**20,
        description=(
            "a token this far (in WAL bytes) past what a read model has applied was never issued by this "
            "database: answered 422 at once, not 504 after the wait. Far above the WAL the replication slot may "
            "keep behind (max_slot_wal_keep_size, 4GB by default)"
        ),
    )
    progress_topic: str = Field(
        default="readside.progress",
        description=(
            "the topic the pipeline reports applied positions on; reads with a token learn from it, "
            "without a request each (empty: the watch polls the checkpoint documents instead)"
        ),
    )
    consistency_poll_interval_s: float = Field(
        default=0.01,
        gt=0,
        le=1,
        description=(
            "how often the one watch of this process looks at the progress while reads wait "
            "(with a progress topic it also runs as soon as a report arrives)"
        ),
    )

    source_topic_prefix: str = Field(
        default=SOURCE_TOPIC_PREFIX, min_length=1, description="the source topics' prefix, as the pipeline's"
    )
    checkpoints_index: str = Field(default="readside_checkpoints", min_length=1)
    rejections_index: str = Field(
        default="readside_rejections",
        min_length=1,
        description=(
            "where the pipeline notes documents Elasticsearch refused for good: a token read by id of such a "
            "document answers 502 instead of an older version"
        ),
    )
    index_overrides: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "read model name -> the index (or alias) to read it from, for the models served from their "
            'declarations, whose alias is theirs by default; JSON, e.g. {"reviews": "reviews_test"}'
        ),
    )
    products_index: str = alias_of("products", "the products read model")
    products_projection: str = projection_of("products")
    products_input_topics: Annotated[tuple[str, ...], NoDecode] = inputs("products")
    orders_index: str = alias_of("orders", "the orders read model")
    orders_projection: str = projection_of("orders")
    orders_input_topics: Annotated[tuple[str, ...], NoDecode] = inputs("orders")
    customers_index: str = alias_of("customers", "the customers read model")
    customers_projection: str = projection_of("customers")
    customers_input_topics: Annotated[tuple[str, ...], NoDecode] = inputs("customers")
    sales_index: str = alias_of("sales", "the daily sales per category")
    product_sales_index: str = alias_of("product_sales", "the daily sales per product")
    sales_projection: str = projection_of("sales")
    sales_input_topics: Annotated[tuple[str, ...], NoDecode] = inputs("sales")

    search_pit_enabled: bool = Field(
        default=True,
        description=(
            "page through a point in time, so pages stay consistent while documents change; off, "
            "pages follow search_after alone and may repeat or skip changed documents (and "
            "relevance pages drift badly, since scores shift as the index changes)"
        ),
    )
    search_pit_keep_alive: str = Field(default="1m", pattern=r"^\d{1,4}[smh]$")
    search_facet_size: int = Field(default=100, ge=1, le=1000)

    query_api_es_timeout_s: float = Field(default=10.0, gt=0)
    query_api_startup_wait_s: float = Field(default=30.0, gt=0, description="how long start-up waits for ES")
    query_api_health_timeout_s: float = Field(default=2.0, gt=0)

    @field_validator(*_TOPIC_LISTS, mode="before")
    @classmethod
    def _split_topics(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("index_overrides")
    @classmethod
    def _declared_overrides(cls, overrides: dict[str, str]) -> dict[str, str]:
        for name, index in overrides.items():
            if name in HAND_WRITTEN:
                raise ValueError(f"{name} has a setting of its own: READSIDE_{name.upper()}_INDEX, not index_overrides")
            if name not in read_models():
                raise ValueError(f"no read model {name!r} is declared (models/); declared: {', '.join(read_models())}")
            if not index:
                raise ValueError(f"the index of {name} is empty")
        return overrides

    @model_validator(mode="after")
    def _token_off_loopback(self) -> QueryApiSettings:
        if self.read_token is None and not _loopback(self.query_api_host):
            raise ValueError(
                f"the query API binds {self.query_api_host}, beyond this machine: set READSIDE_READ_TOKEN "
                "(a random secret every read must carry), or bind 127.0.0.1"
            )
        return self

    @field_validator(*_TOPIC_LISTS)
    @classmethod
    def _some_topics(cls, topics: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if not topics:
            raise ValueError(
                f"{info.field_name} needs at least one topic (the projection's inputs, heartbeat topic included)"
            )
        return topics


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name that may resolve anywhere
