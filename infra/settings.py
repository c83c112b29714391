"""Settings of the stack deployable: where each server listens, where data lives, how big heaps are."""

from __future__ import annotations

from enum import Enum
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VERSIONS_FILE = PROJECT_ROOT / "infra" / "versions.env"
CONNECTORS_DIR = PROJECT_ROOT / "connectors"


class StackMode(str, Enum):
    native = "native"  # this project fetches and runs the servers as local processes
    docker = "docker"  # testcontainers / docker compose
    external = "external"  # servers someone else runs; start nothing


class SearchEngine(str, Enum):
    """The search engine the read models live in; infra/native/engines.py says how each is fetched and run."""

    elasticsearch = "elasticsearch"  # Elasticsearch 8, the default
    elasticsearch9 = "elasticsearch9"  # Elasticsearch 9: Java 21+ and the 9.x Python client (`make test-es9`)
    opensearch = "opensearch"


def read_versions(path: Path = VERSIONS_FILE) -> dict[str, str]:
    """Parse the KEY=VALUE pins file shared with docker-compose."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pins[key.strip()] = value.strip()
    return pins


class StackSettings(BaseSettings):
    """One settings object for the stack; every field is overridable as READSIDE_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="READSIDE_", extra="ignore")

    stack: StackMode = StackMode.native
    host: str = "127.0.0.1"
    api_host: str | None = Field(
        default=None,
        description=(
            "where the write and query APIs listen (default: host), e.g. 0.0.0.0 to serve them beyond this machine; "
            "Postgres, Kafka, Connect, Elasticsearch, the worker and the console stay on host. A query API bound "
            "beyond loopback needs READSIDE_READ_TOKEN"
        ),
    )
    data_dir: Path = PROJECT_ROOT / ".readside"
    dist_dir: Path | None = Field(default=None, description="downloaded servers; default <data_dir>/dist")
    java_home: Path | None = Field(default=None, description="JDK 17+; default: JAVA_HOME or java on PATH")
    connectors_dir: Path = CONNECTORS_DIR
    service_user: str = Field(default="readside", description="unprivileged user for servers that refuse root")

    postgres_port: int = 15432
    postgres_db: str = "readside"
    postgres_user: str = "readside"
    postgres_password: str | None = Field(default=None, description="default: generated once, kept in data_dir")
    kafka_port: int = 19092
    kafka_controller_port: int = 19093
    connect_port: int = 18083
    elasticsearch_port: int = 19200
    elasticsearch_transport_port: int = 19300
    write_api_port: int = 8001
    query_api_port: int = 8002
    pipeline_metrics_port: int = 9102
    pipeline_web_port: int = 6066
    console_port: int = 8003
    dead_letter_topic: str = "readside.dlq"  # the pipeline worker's (READSIDE_DEAD_LETTER_TOPIC for both)
    write_token: str | None = Field(default=None, description="default: generated once, kept in data_dir")
    control_token: str | None = Field(
        default=None,
        description="the pipeline worker's control endpoint (pause); default: generated once, kept in data_dir",
    )

    verify_sample_interval_s: float = Field(
        default=0.0,
        ge=0,
        description=(
            "every how many seconds the console compares a random sample of every read model with Postgres "
            "(metric readside_verify_sample_differences; status turns red on drift); 0: never"
        ),
    )
    verify_sample_size: int = Field(default=200, ge=1, description="ids from each side per read model and run")
    verify_sample_wait_s: float = Field(
        default=30.0,
        ge=0,
        description=("how long a sampled verify lets the read side catch up before it counts a difference"),
    )

    workers: int = Field(
        default=1,
        ge=1,
        le=8,
        description=(
            "pipeline worker processes in one consumer group (`readside up --workers N`); worker k serves its "
            "metrics and web ports at the first worker's plus k-1 and keeps its tables in <data_dir>/pipeline-k"
        ),
    )

    kafka_heap: str = "512m"
    connect_heap: str = "1g"
    elasticsearch_heap: str = "1g"
    search_engine: SearchEngine = Field(
        default=SearchEngine.elasticsearch,
        description="elasticsearch (8), elasticsearch9 or opensearch; pins in infra/versions.env",
    )
    search_java_home: Path | None = Field(
        default=None,
        description="the JDK of the search engine when it needs a newer Java than java_home (Elasticsearch 9: 21+); "
        "default: java_home if new enough, else the newest JDK in /usr/lib/jvm",
    )
    es_nodes: int = Field(
        default=1,
        ge=1,
        le=3,
        description=(
            "Elasticsearch nodes of the native stack; node k listens on the ports of node 1 plus k-1. Every index "
            "gets one replica once a second node runs (auto_expand_replicas 0-1)"
        ),
    )
    # Every partition costs the one worker fetch and progress-mark work whether busy or not (measured on
    # 2 cores: 4 partitions took the worker 0.27 of a core idle, 2 took 0.17, 1 took 0.13; token reads
    # after renames at 50/s had p50 462, 224 and 132 ms). 2 keeps a second worker useful. Fixed when the topics
    # are made: the worker refuses topics with another count (pipelines/core/topics.py).
    topic_partitions: int = Field(
        default=2, ge=1, le=256, description="partitions of every change, internal and changelog topic"
    )

    # Debezium's slot keeps WAL until Connect confirms it. Without a bound a stopped connector fills the disk;
    # with one, Postgres drops ("loses") the slot past the bound and the read models need a new snapshot.
    max_slot_wal_keep_size: str = Field(
        default="4GB",
        pattern=r"^(-1|\d+\s*(kB|MB|GB|TB)?)$",
        description="Postgres max_slot_wal_keep_size; -1 is unbounded",
    )
    slot_warn_fraction: float = Field(
        default=0.5, gt=0, le=1, description="status turns red when the slot retains this much of the bound"
    )

    console_interval_s: float = Field(default=2.0, gt=0, description="console sampling while its page is open")
    console_idle_interval_s: float = Field(default=15.0, gt=0, description="console sampling otherwise")
    console_history_s: float = Field(default=600.0, gt=0, description="how far back the page's plots reach")
    connector_restart_first_s: float = Field(
        default=5.0,
        gt=0,
        description="first wait between restarts of a FAILED connector task; it doubles while the task keeps failing",
    )
    connector_restart_max_s: float = Field(default=300.0, gt=0)
    pipeline_stall_after_s: float = Field(
        default=60.0,
        gt=0,
        description="the pipeline is unhealthy when a topic with lag keeps its committed offset this long",
    )
    dead_letter_alarm_per_min: float = Field(
        default=10.0, ge=0, description="the pipeline is unhealthy above this many dead letters in a minute"
    )

    start_timeout_s: float = 120.0
    connector_timeout_s: float = 90.0

    @cached_property
    def versions(self) -> dict[str, str]:
        return read_versions()

    @property
    def dist(self) -> Path:
        return (self.dist_dir or self.data_dir / "dist").resolve()

    @property
    def data(self) -> Path:
        return self.data_dir.resolve()

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def connect_url(self) -> str:
        return f"http://{self.host}:{self.connect_port}"

    @property
    def elasticsearch_url(self) -> str:
        return self.elasticsearch_node_url(1)

    def elasticsearch_node_url(self, node: int) -> str:
        return f"http://{self.host}:{self.elasticsearch_port + node - 1}"

    def postgres_dsn(self, password: str) -> str:
        return f"postgresql://{self.postgres_user}:{password}@{self.host}:{self.postgres_port}/{self.postgres_db}"
