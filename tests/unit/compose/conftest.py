"""Fixtures of the compose tests: the compose file as text and as data, its services, the pins."""

from __future__ import annotations

import pytest
import yaml

from infra.settings import read_versions
from tests.unit.compose.support import COMPOSE_FILE, VERSIONS_FILE


@pytest.fixture(scope="module")
def text() -> str:
    return COMPOSE_FILE.read_text()


@pytest.fixture(scope="module")
def compose(text: str) -> dict:
    data = yaml.safe_load(text)
    assert isinstance(data, dict) and isinstance(data.get("services"), dict), "no services in docker-compose.yml"
    return data


@pytest.fixture(scope="module")
def services(compose: dict) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def versions() -> dict[str, str]:
    return read_versions(VERSIONS_FILE)
