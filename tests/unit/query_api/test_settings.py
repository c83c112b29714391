"""QueryApiSettings: defaults, READSIDE_* environment names, topic lists."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.query_api.settings import QueryApiSettings

# The products stage reads reviews too: a product carries their count and average rating.
PRODUCTS_INPUT_TOPICS = tuple(
    f"readside.public.{t}" for t in ("inventory", "order_items", "orders", "products", "reviews", "debezium_heartbeat")
)
ORDERS_INPUT_TOPICS = tuple(
    f"readside.public.{t}" for t in ("customers", "order_items", "orders", "products", "debezium_heartbeat")
)
CUSTOMERS_INPUT_TOPICS = ORDERS_INPUT_TOPICS

NAMES = (
    "ELASTICSEARCH_URL",
    "KAFKA_BOOTSTRAP",
    "QUERY_API_HOST",
    "QUERY_API_PORT",
    "CONSISTENCY_WAIT_S",
    "PRODUCTS_INPUT_TOPICS",
    "PRODUCTS_INDEX",
    "ORDERS_INDEX",
    "ORDERS_PROJECTION",
    "ORDERS_INPUT_TOPICS",
    "CUSTOMERS_INDEX",
    "CUSTOMERS_PROJECTION",
    "CUSTOMERS_INPUT_TOPICS",
    "SOURCE_TOPIC_PREFIX",
    "INDEX_OVERRIDES",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(f"READSIDE_{name}", raising=False)


def test_defaults():
    settings = QueryApiSettings()
    assert settings.elasticsearch_url == "http://127.0.0.1:19200"
    assert settings.kafka_bootstrap == "127.0.0.1:19092"
    assert (settings.query_api_host, settings.query_api_port) == ("127.0.0.1", 8002)
    assert settings.consistency_wait_s == 5.0
    assert settings.products_index == "products"
    assert settings.checkpoints_index == "readside_checkpoints"
    assert settings.products_input_topics == PRODUCTS_INPUT_TOPICS
    assert "readside.public.debezium_heartbeat" in PRODUCTS_INPUT_TOPICS


def test_orders_and_customers_defaults_follow_the_contract():
    settings = QueryApiSettings()
    assert (settings.orders_index, settings.customers_index) == ("orders", "customers")
    assert (settings.orders_projection, settings.customers_projection) == ("orders", "customers")
    contract = {
        "readside.public.orders",
        "readside.public.order_items",
        "readside.public.customers",
        "readside.public.products",
        "readside.public.debezium_heartbeat",
    }
    assert set(settings.orders_input_topics) == set(ORDERS_INPUT_TOPICS) == contract
    assert set(settings.customers_input_topics) == set(CUSTOMERS_INPUT_TOPICS) == contract


def test_reads_the_environment(monkeypatch):
    monkeypatch.setenv("READSIDE_ELASTICSEARCH_URL", "http://es:9200")
    monkeypatch.setenv("READSIDE_QUERY_API_PORT", "9002")
    monkeypatch.setenv("READSIDE_CONSISTENCY_WAIT_S", "2.5")
    monkeypatch.setenv("READSIDE_PRODUCTS_INPUT_TOPICS", "a.products, a.heartbeat")
    monkeypatch.setenv("READSIDE_ORDERS_INPUT_TOPICS", "a.orders,a.heartbeat")
    monkeypatch.setenv("READSIDE_CUSTOMERS_INDEX", "customers_v9")
    settings = QueryApiSettings()
    assert settings.elasticsearch_url == "http://es:9200"
    assert settings.query_api_port == 9002
    assert settings.consistency_wait_s == 2.5
    assert settings.products_input_topics == ("a.products", "a.heartbeat")
    assert settings.orders_input_topics == ("a.orders", "a.heartbeat")
    assert settings.customers_index == "customers_v9"


def test_the_input_topics_follow_the_source_topic_prefix(monkeypatch):
    monkeypatch.setenv("READSIDE_SOURCE_TOPIC_PREFIX", "shop.sales")
    settings = QueryApiSettings()
    assert settings.products_input_topics == tuple(
        t.replace("readside.public.", "shop.sales.") for t in PRODUCTS_INPUT_TOPICS
    )


@pytest.mark.parametrize(
    "field,value",
    [
        ("consistency_wait_s", 0),
        ("query_api_port", 0),
        ("products_input_topics", ""),
        ("orders_input_topics", " , "),
        ("customers_input_topics", ()),
        ("orders_index", ""),
        ("search_pit_keep_alive", "forever"),
    ],
)
def test_nonsense_is_refused(field, value):
    with pytest.raises(ValidationError):
        QueryApiSettings(**{field: value})


def test_index_overrides_name_the_index_of_a_model_served_from_its_declaration(monkeypatch):
    assert QueryApiSettings().index_overrides == {}
    monkeypatch.setenv("READSIDE_INDEX_OVERRIDES", '{"reviews": "qtest_reviews"}')
    assert QueryApiSettings().index_overrides == {"reviews": "qtest_reviews"}


@pytest.mark.parametrize(
    "overrides,reason",
    [
        ({"products": "p"}, "READSIDE_PRODUCTS_INDEX"),  # a hand-written read model has a setting of its own
        ({"product_sales": "p"}, "READSIDE_PRODUCT_SALES_INDEX"),
        ({"reveiws": "r"}, "no read model 'reveiws'"),
        ({"reviews": ""}, "empty"),
    ],
)
def test_index_overrides_of_no_declared_model_are_refused(overrides, reason):
    with pytest.raises(ValidationError, match=reason):
        QueryApiSettings(index_overrides=overrides)
