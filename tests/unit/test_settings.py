"""Stack settings: loopback defaults, environment overrides, pins read from the one versions file."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from infra.settings import StackMode, StackSettings, read_versions


def test_defaults_bind_loopback_and_keep_data_in_the_git_ignored_folder(monkeypatch):
    for var in ("READSIDE_HOST", "READSIDE_DATA_DIR", "READSIDE_STACK"):
        monkeypatch.delenv(var, raising=False)
    s = StackSettings()
    assert s.host == "127.0.0.1" and s.stack is StackMode.native
    assert s.data.name == ".readside" and s.dist == s.data / "dist"
    assert ".readside/" in (Path(__file__).parents[2] / ".gitignore").read_text().splitlines()


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("READSIDE_KAFKA_PORT", "29999")
    monkeypatch.setenv("READSIDE_STACK", "external")
    monkeypatch.setenv("READSIDE_DATA_DIR", str(tmp_path))
    s = StackSettings()
    assert (s.kafka_bootstrap, s.stack, s.data) == ("127.0.0.1:29999", StackMode.external, tmp_path)


def test_partitions_must_be_positive():
    with pytest.raises(ValidationError):
        StackSettings(topic_partitions=0)


def test_versions_come_from_one_file():
    pins = read_versions()
    assert pins["KAFKA_VERSION"] == "4.3.1" and pins["DEBEZIUM_VERSION"] == "3.6.1.Final"
    assert pins["ELASTICSEARCH_VERSION"] == "8.19.9"
