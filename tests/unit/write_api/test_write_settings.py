"""WriteApiSettings refuses placeholder tokens and reads the READSIDE_ environment."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.write_api.settings import WriteApiSettings

GOOD_TOKEN = "k3Jd9-s0dfL2mQp7xZ"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("READSIDE_DATABASE_URL", "READSIDE_WRITE_TOKEN", "READSIDE_WRITE_API_PORT", "READSIDE_WRITE_API_HOST"):
        monkeypatch.delenv(name, raising=False)


def test_reads_environment_with_defaults(monkeypatch):
    monkeypatch.setenv("READSIDE_DATABASE_URL", "postgresql://u:p@127.0.0.1:5432/db")
    monkeypatch.setenv("READSIDE_WRITE_TOKEN", GOOD_TOKEN)
    settings = WriteApiSettings()
    assert settings.database_url.get_secret_value() == "postgresql://u:p@127.0.0.1:5432/db"
    assert settings.write_token.get_secret_value() == GOOD_TOKEN
    assert (settings.write_api_host, settings.write_api_port) == ("127.0.0.1", 8001)
    assert GOOD_TOKEN not in repr(settings) and "u:p@" not in repr(settings)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "changeme",
        "changethis",
        "secret",
        "CHANGEME",
        "short-token",
        "a" * 40,
        "abababababababab",
        " " + GOOD_TOKEN,
        "tökenwithumlaut12345",
    ],
)
def test_placeholder_or_weak_tokens_are_refused(token):
    with pytest.raises(ValidationError, match="READSIDE_WRITE_TOKEN"):
        WriteApiSettings(database_url="postgresql://x", write_token=token)


def test_missing_token_is_refused():
    with pytest.raises(ValidationError, match="write_token"):
        WriteApiSettings(database_url="postgresql://x")


def test_pool_bounds_are_checked():
    with pytest.raises(ValidationError, match="pool_min_size"):
        WriteApiSettings(
            database_url="postgresql://x", write_token=GOOD_TOKEN, write_api_pool_min_size=5, write_api_pool_max_size=2
        )


def test_workers_default_to_the_cores_and_are_configurable(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert WriteApiSettings(database_url="postgresql://x", write_token=GOOD_TOKEN).write_api_workers == 2
    monkeypatch.setattr("os.cpu_count", lambda: 64)
    assert WriteApiSettings(database_url="postgresql://x", write_token=GOOD_TOKEN).write_api_workers == 4
    monkeypatch.setenv("READSIDE_WRITE_API_WORKERS", "1")
    assert WriteApiSettings(database_url="postgresql://x", write_token=GOOD_TOKEN).write_api_workers == 1
    with pytest.raises(ValidationError, match="write_api_workers"):
        WriteApiSettings(database_url="postgresql://x", write_token=GOOD_TOKEN, write_api_workers=0)
