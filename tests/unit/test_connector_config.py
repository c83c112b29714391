"""The shipped connector config says what DESIGN §3 requires: exact values, heartbeats, no plaintext secret."""

from __future__ import annotations

import re

from infra.native.servers import connect_environment
from infra.registrar import load_connector_file, load_connector_files
from infra.settings import CONNECTORS_DIR, StackSettings

SOURCE = load_connector_file(CONNECTORS_DIR / "postgres-source.json")


def test_every_connector_file_parses_as_a_connect_rest_body():
    assert [c.name for c in load_connector_files(CONNECTORS_DIR)] == ["postgres-source"]


def test_capture_uses_pgoutput_with_a_named_publication_and_slot_and_the_readside_prefix():
    c = SOURCE.config
    assert c["connector.class"] == "io.debezium.connector.postgresql.PostgresConnector"
    assert (c["plugin.name"], c["publication.name"], c["slot.name"], c["topic.prefix"]) == (
        "pgoutput",
        "readside_publication",
        "readside_slot",
        "readside",
    )


def test_values_arrive_exact_decimals_as_strings_and_heartbeats_are_on():
    c = SOURCE.config
    assert c["decimal.handling.mode"] == "string"
    assert c["time.precision.mode"] in ("adaptive_time_microseconds", "connect", "adaptive")
    assert int(c["heartbeat.interval.ms"]) > 0 and "debezium_heartbeat" in c["heartbeat.action.query"]


def test_topics_use_the_configurable_partition_count_and_keys_stay_the_primary_key():
    c = SOURCE.config
    assert c["topic.creation.default.partitions"] == "${env:READSIDE_TOPIC_PARTITIONS}"
    assert "message.key.columns" not in c and "transforms" not in c
    env = connect_environment(StackSettings(topic_partitions=6), "127.0.0.1", 5432, "pw")
    assert env["READSIDE_TOPIC_PARTITIONS"] == "6"
    assert StackSettings().topic_partitions == 2


def test_no_secret_is_plain_text():
    for key, value in SOURCE.config.items():
        if re.search("password|secret|token", key, re.I):
            assert re.fullmatch(r"\$\{(env|file):[^}]+\}", value), key
