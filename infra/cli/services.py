"""`readside serve <service>`: one of readside's services in the foreground (what `up` runs in the background)."""

from __future__ import annotations

import os
import sys
from typing import TypeVar

import typer

from infra.cli.output import fail
from infra.settings import StackSettings

T = TypeVar("T")

serve_app = typer.Typer(help="Run one of readside's services in the foreground.", no_args_is_help=True)


@serve_app.command("write-api")
def serve_write_api() -> None:
    """The command API (uvicorn). Reads READSIDE_DATABASE_URL and READSIDE_WRITE_TOKEN; `up` sets both."""
    from services.write_api.entrypoints.server import serve
    from services.write_api.settings import WriteApiSettings

    serve(_service_settings(WriteApiSettings, "write API"))


@serve_app.command("query-api")
def serve_query_api() -> None:
    """The query API (uvicorn) over Elasticsearch, with read-your-writes tokens."""
    from services.query_api.entrypoints.app import serve
    from services.query_api.settings import QueryApiSettings

    serve(_service_settings(QueryApiSettings, "query API"))


@serve_app.command("pipeline")
def serve_pipeline() -> None:
    """The Faust worker that keeps the Elasticsearch read models (under `readside up`, its supervisor restarts
    it if it crashes or is killed: the worker exits on purpose when a batch fails, and resumes from its
    committed offsets)."""
    os.execv(sys.executable, [sys.executable, "-m", "pipelines.main"])


@serve_app.command("console")
def serve_console() -> None:
    """The status page, its JSON and the stack-wide metrics; restarts FAILED connector tasks with backoff."""
    from infra.console.app import serve

    serve(_service_settings(StackSettings, "console"))


def _service_settings(settings_class: type[T], what: str) -> T:
    """Build a service's settings from the environment, or say plainly which value is wrong."""
    from pydantic import ValidationError

    try:
        return settings_class()
    except ValidationError as exc:
        fail(f"{what} settings: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
