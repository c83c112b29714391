"""Settings of the write API deployable, read from READSIDE_* environment variables."""

from __future__ import annotations

import os

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values people paste from templates; a token equal to one of these protects nothing.
_PLACEHOLDERS = frozenset(
    {
        "changeme",
        "changethis",
        "change-me",
        "change_me",
        "secret",
        "password",
        "token",
        "test",
        "example",
        "placeholder",
        "xxx",
    }
)
MIN_TOKEN_LENGTH = 16


class WriteApiSettings(BaseSettings):
    """One object for the write API; e.g. `database_url` comes from READSIDE_DATABASE_URL."""

    model_config = SettingsConfigDict(env_prefix="READSIDE_", extra="ignore")

    database_url: SecretStr = Field(description="libpq URL or DSN of the write database")
    write_token: SecretStr = Field(description="bearer token every write request must carry")
    write_api_host: str = "127.0.0.1"
    write_api_port: int = Field(default=8001, ge=1, le=65535)
    write_api_workers: int = Field(
        default_factory=lambda: max(1, min(4, os.cpu_count() or 1)),
        ge=1,
        le=64,
        description="uvicorn worker processes (default: one per core, at most 4); each has its own pool",
    )
    write_api_pool_min_size: int = Field(default=2, ge=1)
    write_api_pool_max_size: int = Field(default=10, ge=1)
    write_api_pool_timeout_s: float = Field(default=10.0, gt=0, description="wait for a free pooled connection")
    write_api_db_wait_s: float = Field(default=30.0, gt=0, description="how long start-up waits for PostgreSQL")
    write_api_health_timeout_s: float = Field(default=2.0, gt=0)
    idempotency_key_retention_s: float = Field(
        default=24 * 3600, ge=60, description="how long a retry with the same Idempotency-Key replays the answer"
    )
    idempotency_purge_interval_s: float = Field(
        default=600, gt=0, description="how often expired idempotency keys are deleted"
    )

    @field_validator("write_token")
    @classmethod
    def _refuse_placeholder_token(cls, token: SecretStr) -> SecretStr:
        value = token.get_secret_value()
        if value.strip().lower() in _PLACEHOLDERS or len(set(value)) <= 2:
            raise ValueError(
                "READSIDE_WRITE_TOKEN is a placeholder; set a random secret, "
                "e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        if len(value) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"READSIDE_WRITE_TOKEN must be at least {MIN_TOKEN_LENGTH} "
                f"characters; generate one with secrets.token_urlsafe(32)"
            )
        if not (value.isascii() and value.isprintable()) or value != value.strip():
            raise ValueError(
                "READSIDE_WRITE_TOKEN must be printable ASCII without surrounding "
                "whitespace (it travels in an HTTP header)"
            )
        return token

    @field_validator("database_url")
    @classmethod
    def _refuse_empty_url(cls, url: SecretStr) -> SecretStr:
        if not url.get_secret_value().strip():
            raise ValueError("READSIDE_DATABASE_URL is empty")
        return url

    @model_validator(mode="after")
    def _pool_bounds(self) -> WriteApiSettings:
        if self.write_api_pool_min_size > self.write_api_pool_max_size:
            raise ValueError("write_api_pool_min_size must not exceed write_api_pool_max_size")
        return self
