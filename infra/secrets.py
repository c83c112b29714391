"""Secrets the stack needs: taken from the environment, else generated once and kept in the data folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from infra.native.process import StackError
from infra.settings import StackMode, StackSettings


def secret_file(settings: StackSettings, name: str) -> Path:
    return settings.data / "secrets" / name


def read_or_create_secret(settings: StackSettings, name: str, given: str | None) -> str:
    """Use `given` when set; otherwise the kept secret, creating it (mode 0600) on first use."""
    if given:
        return given
    path = secret_file(settings, name)
    if path.exists():
        return path.read_text().strip()
    if settings.stack is StackMode.external:
        raise StackError(f"no {name} for the external stack: set it in the environment (READSIDE_...)")
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def postgres_password(settings: StackSettings) -> str:
    return read_or_create_secret(settings, "postgres.password", settings.postgres_password)


def write_token(settings: StackSettings) -> str:
    return read_or_create_secret(settings, WRITE_TOKEN_FILE, settings.write_token)


def write_token_source(settings: StackSettings) -> str:
    """Where the write API's bearer token comes from, for `readside status` (never the token itself)."""
    if settings.write_token:
        return "environment variable READSIDE_WRITE_TOKEN"
    return f"file {secret_file(settings, WRITE_TOKEN_FILE)}"


WRITE_TOKEN_FILE = "write-api.token"


def control_token(settings: StackSettings) -> str:
    """The bearer token of the pipeline worker's control endpoint (what `readside backfill` pauses it with)."""
    return read_or_create_secret(settings, "pipeline-control.token", settings.control_token)
