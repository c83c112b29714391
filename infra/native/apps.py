"""readside's own services (write API, query API, pipeline worker) as managed local processes."""

from __future__ import annotations

import os
import sys
from functools import cache
from importlib.metadata import PackageNotFoundError, version

import httpx

from infra.native.unit import Context, Launch, Server
from infra.pipeline_status import seconds_since_last_checkpoint
from infra.probes import Health
from infra.secrets import control_token, postgres_password, write_token
from infra.settings import StackSettings


class App(Server):
    """A Python service of ours, run as `readside serve <name>` by the invoking user (whose venv it needs)."""

    as_service_user = False

    def __init__(
        self,
        name: str,
        port_field: str,
        health_path: str = "/health",
        other_port_fields: tuple[str, ...] = (),
        public: bool = False,
    ):
        self.name = name
        self.role = name  # what it runs (`readside serve <role>`) and which secrets it gets; pipeline-k: pipeline
        self.port_field = port_field  # the StackSettings field of the port its health is asked on
        self.health_path = health_path
        self.port_fields = (port_field, *other_port_fields)
        self.public = public  # an API users call: it listens on READSIDE_API_HOST when that is set

    def port(self, settings: StackSettings) -> int:
        return getattr(settings, self.port_field)

    def bind_host(self, settings: StackSettings) -> str:
        return (settings.api_host or settings.host) if self.public else settings.host

    def url(self, settings: StackSettings) -> str:
        """Where this machine reaches it (a wildcard bind is reached on loopback)."""
        host = self.bind_host(settings)
        return f"http://{WILDCARDS.get(host, host)}:{self.port(settings)}"

    def launch(self, ctx: Context) -> Launch:
        return Launch(
            [sys.executable, "-m", "infra.cli.main", "serve", self.role], app_environment(ctx.settings, self.role)
        )


class PipelineWorker(App):
    """Worker k (2..READSIDE_WORKERS) of the pipeline's consumer group: the first worker's ports plus k-1, its
    own table folder. Kafka shares the partitions out among the workers, and moves them when one goes."""

    def __init__(self, k: int) -> None:
        super().__init__(f"pipeline-{k}", "pipeline_metrics_port", "/metrics", ("pipeline_web_port",))
        self.role, self.k = "pipeline", k

    def wanted(self, s: StackSettings) -> bool:
        return self.k <= s.workers

    def port(self, settings: StackSettings) -> int:
        return settings.pipeline_metrics_port + self.k - 1

    def ports(self, s: StackSettings) -> dict[str, int]:
        return {field: getattr(s, field) + self.k - 1 for field in self.port_fields}

    def launch(self, ctx: Context) -> Launch:
        launch = super().launch(ctx)
        ports = self.ports(ctx.settings)
        launch.env.update(
            READSIDE_PIPELINE_METRICS_PORT=str(ports["pipeline_metrics_port"]),
            READSIDE_PIPELINE_WEB_PORT=str(ports["pipeline_web_port"]),
            READSIDE_PIPELINE_DATA_DIR=str(ctx.settings.data / self.name),
        )
        return launch


WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1"}
APPS = [
    App("write-api", "write_api_port", public=True),
    App("query-api", "query_api_port", public=True),
    App("pipeline", "pipeline_metrics_port", "/metrics", ("pipeline_web_port",)),
    *[PipelineWorker(k) for k in range(2, 9)],  # those past READSIDE_WORKERS are not wanted
    App("console", "console_port"),
]


# The secrets each service is given (in its environment, never on its command line); it gets no others.
SECRETS_OF = {
    "write-api": ("READSIDE_DATABASE_URL", "READSIDE_WRITE_TOKEN"),
    "query-api": ("READSIDE_READ_TOKEN",),
    "pipeline": ("READSIDE_CONTROL_TOKEN",),
    "console": ("READSIDE_POSTGRES_PASSWORD",),
}  # its status page reads the replication slot


def app_environment(settings: StackSettings, app: str) -> dict[str, str]:
    """What service `app` reads from READSIDE_*: where the stack is, and the secrets it uses (SECRETS_OF)."""
    secrets = {
        "READSIDE_DATABASE_URL": lambda: settings.postgres_dsn(postgres_password(settings)),
        "READSIDE_WRITE_TOKEN": lambda: write_token(settings),
        "READSIDE_CONTROL_TOKEN": lambda: control_token(settings),
        "READSIDE_POSTGRES_PASSWORD": lambda: postgres_password(settings),
        "READSIDE_READ_TOKEN": lambda: os.environ.get("READSIDE_READ_TOKEN"),
    }  # the operator's choice
    given = {name: value for name in SECRETS_OF[app] if (value := secrets[name]())}
    return {
        **given,
        "READSIDE_WRITE_API_HOST": settings.api_host or settings.host,
        "READSIDE_WRITE_API_PORT": str(settings.write_api_port),
        "READSIDE_ELASTICSEARCH_URL": settings.elasticsearch_url,
        "READSIDE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "READSIDE_QUERY_API_HOST": settings.api_host or settings.host,
        "READSIDE_QUERY_API_PORT": str(settings.query_api_port),
        "READSIDE_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap,
        "READSIDE_ELASTICSEARCH_HOSTS": settings.elasticsearch_url,
        "READSIDE_SEARCH_ENGINE": settings.search_engine.value,
        "READSIDE_DATA_DIR": str(settings.data),
        "READSIDE_TOPIC_PARTITIONS": str(settings.topic_partitions),
        "READSIDE_PIPELINE_METRICS_PORT": str(settings.pipeline_metrics_port),
        "READSIDE_PIPELINE_WEB_PORT": str(settings.pipeline_web_port),
    }


@cache  # read from the installed package's metadata once, not on every probe
def readside_version() -> str | None:
    try:
        return version("readside")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return None


def probe_app(app: App, settings: StackSettings) -> Health:
    url = app.url(settings)
    try:
        response = httpx.get(f"{url}{app.health_path}", timeout=3)
    except httpx.HTTPError as exc:
        return Health(False, url, detail=f"{type(exc).__name__}: {exc}")
    if response.status_code != 200:
        return Health(False, url, detail=f"{app.health_path} answered {response.status_code}")
    if app.role == "pipeline":
        return _pipeline_health(url, settings)
    return Health(True, url, readside_version(), detail=response.text[:120])


def _pipeline_health(url: str, settings: StackSettings) -> Health:
    """Alive is healthy (a worker replaying a long backlog checkpoints rarely); the detail says how recent."""
    since = seconds_since_last_checkpoint(settings)
    seen = "no checkpoint yet" if since is None else f"last checkpoint {since:.1f} s ago"
    return Health(True, url, readside_version(), detail=f"worker up; {seen}")
