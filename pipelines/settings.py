"""Settings of the pipeline deployable (the Faust worker), read from READSIDE_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from catalog import derive
from catalog.vocabulary import ReadModel

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ELASTICSEARCH_SCHEMAS = PROJECT_ROOT / "schemas" / "elasticsearch"


class IndexNames(BaseModel):
    """Where a read model's documents go: its versioned index, the alias readers use, the mapping file."""

    index: str
    alias: str
    mapping: Path


class IndexOverride(BaseModel):
    """Any of a read model's names, instead of what its declaration gives (a mapping tried before it is one)."""

    index: str | None = None
    alias: str | None = None
    mapping: Path | None = None


class PipelineSettings(BaseSettings):
    """One object for the worker. Names shared with StackSettings (host, kafka_port, ...) mean the same."""

    model_config = SettingsConfigDict(env_prefix="READSIDE_", extra="ignore")

    # Where the servers are: the same variables configure the stack (infra/settings.py) and the worker.
    host: str = "127.0.0.1"
    kafka_port: int = 19092
    elasticsearch_port: int = 19200
    kafka_bootstrap_servers: str | None = Field(default=None, description="overrides host:kafka_port")
    elasticsearch_hosts: str | None = Field(default=None, description="overrides http://host:elasticsearch_port")
    search_engine: Literal["elasticsearch", "elasticsearch9", "opensearch"] = Field(
        default="elasticsearch", description="the engine at that address; the client speaks its API (search_client)"
    )
    data_dir: Path = PROJECT_ROOT / ".readside"
    topic_partitions: int = Field(
        default=2,
        ge=1,
        le=256,
        description="partitions of the pipeline's internal topics and tables; "
        "the same as the stack's (infra/settings.py says why 2)",
    )
    topic_replication_factor: int = Field(default=1, ge=1)
    source_topic_prefix: str = "readside.public"

    # The Faust worker.
    pipeline_app_id: str = Field(
        default="readside-pipeline", description="consumer group, and prefix of changelog/internal topics"
    )
    pipeline_data_dir: Path | None = Field(default=None, description="Faust table data; default <data_dir>/pipeline")
    pipeline_table_store: str = Field(
        default="rocksdb://",
        description="rocksdb:// (state on disk, out of the Python heap) or memory://; "
        "rebuilt from the changelogs after an unclean stop, kept "
        "(and topped up from them) after a clean one",
    )
    # One RocksDB per table per partition (7 tables x topic_partitions), so the block cache and the
    # memtables are budgets all DBs share (pipelines/runtime/stores.py); Faust's defaults are per DB (64 MiB
    # write buffers x 3, a 2 GiB block cache). Reads that miss the cache come from the OS page cache.
    # Keep the memtable budget well above DBs x write buffer / 8 (the arena block every memtable takes
    # at once): near the budget, each write flushes a tiny memtable, and the L0 files it makes stall writes.
    pipeline_rocksdb_block_cache_bytes: int = Field(default=8 * 1024 * 1024, ge=0, description="all DBs")
    pipeline_rocksdb_memtable_budget_bytes: int = Field(
        default=32 * 1024 * 1024, ge=1024 * 1024, description="all DBs' memtables together"
    )
    pipeline_rocksdb_write_buffer_bytes: int = Field(
        default=2 * 1024 * 1024, ge=64 * 1024, description="a DB's memtable size"
    )
    pipeline_rocksdb_write_buffers: int = Field(default=2, ge=2, description="memtables per DB")
    pipeline_web_enabled: bool = True
    pipeline_web_host: str = "127.0.0.1"
    pipeline_web_port: int = Field(default=6066, ge=1, le=65535)
    pipeline_pause_limit_s: float = Field(
        default=300.0, gt=0, description="longest a backfill may pause the source topics at once"
    )
    control_token: str | None = Field(
        default=None,
        description="bearer token of the worker's control endpoint (pause); unset: the endpoint refuses every request",
    )
    pipeline_metrics_host: str = "127.0.0.1"
    pipeline_metrics_port: int = Field(default=9102, ge=0, le=65535, description="0 disables the endpoint")
    pipeline_log_level: str = "info"
    pipeline_session_timeout_s: float = Field(
        default=10.0, ge=6.0, description="how soon a SIGKILLed worker's partitions move on"
    )
    pipeline_commit_interval_s: float = Field(default=1.0, gt=0)
    pipeline_commit_stall_s: float = Field(
        default=30.0, ge=0, description="exit (to be restarted) when a partition's commit is stuck this long; 0: never"
    )

    # Batching (pipelines/runtime/batching.py): a batch is what is already queued when the stage is free,
    # so a quiet stage never waits and a busy one gets large batches; `max` bounds memory and bulk size.
    pipeline_batch_max: int = Field(default=2000, ge=1)
    pipeline_batch_gather_s: float = Field(
        default=0.05, gt=0, description="the longest a batch keeps taking queued events after its first"
    )
    pipeline_marks_interval_s: float = Field(
        default=0.02, ge=0, description="routers announce progress marks at most this often (0: every batch)"
    )
    checkpoint_interval_s: float = Field(
        default=0.02, ge=0, description="a projection writes its checkpoints at most this often"
    )
    pipeline_poll_max_records: int = Field(default=10000, ge=1)
    pipeline_fetch_max_wait_ms: int = Field(
        default=20, ge=0, description="the broker long-poll of the worker's fetches (see pipelines/runtime/kafka.py)"
    )
    pipeline_stream_buffer_maxsize: int = Field(default=65536, ge=1)

    # Elasticsearch sink.
    bulk_max_actions: int = Field(default=1000, ge=1)
    bulk_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    bulk_retry_max_wait_s: float = Field(default=30.0, gt=0, description="cap of the exponential backoff")
    bulk_retry_timeout_s: float | None = Field(
        default=None, description="give up (and stop the worker) after this long; None retries forever"
    )
    checkpoint_refresh: bool = Field(
        default=False,
        description="refresh on every checkpoint write (costs ~30 ms a batch); "
        "readers GET/mget checkpoints by id, which is realtime anyway",
    )
    elasticsearch_start_timeout_s: float = Field(default=120.0, gt=0)

    # A read model's index, alias and mapping come from its declaration (catalog/derive.py), with these.
    read_model_prefix: str = Field(
        default="", description="put before every read model's index and alias (a test worker's own set)"
    )
    read_model_overrides: dict[str, IndexOverride] = Field(
        default_factory=dict,
        description='read model -> names to use instead, JSON: {"products": {"index": "...", "mapping": "..."}}',
    )
    # Names of the pipeline's own indices.
    checkpoints_index: str = "readside_checkpoints_v1"
    checkpoints_alias: str = "readside_checkpoints"
    checkpoints_mapping: Path = ELASTICSEARCH_SCHEMAS / "checkpoints_v1.json"
    checkpoint_parts_index: str = "readside_checkpoint_parts_v1"
    checkpoint_parts_alias: str = "readside_checkpoint_parts"
    checkpoint_parts_mapping: Path = ELASTICSEARCH_SCHEMAS / "checkpoint_parts_v1.json"
    rejections_index: str = "readside_rejections_v1"
    rejections_alias: str = "readside_rejections"  # documents Elasticsearch refused for good, by alias and id
    rejections_mapping: Path = ELASTICSEARCH_SCHEMAS / "rejections_v1.json"
    dead_letter_topic: str = "readside.dlq"
    dead_letter_retention_days: float = Field(
        default=14.0,
        gt=0,
        description=(
            "how long the dead-letter topic keeps letters (they hold the original records, customer data "
            "included); applies when the worker creates the topic"
        ),
    )
    internal_purge_interval_s: float = Field(
        default=60.0,
        ge=0,
        description=(
            "how often the records the projections have committed past are deleted from the internal changes "
            "topics (what the router sent, customer names among it); 0: never (see ARCHITECTURE.md, personal data)"
        ),
    )
    progress_topic: str = Field(
        default="readside.progress",
        description=(
            "where projections report their applied positions as they move (the query API's read-your-writes "
            "watch follows it); empty: none, checkpoint documents are then written at every move"
        ),
    )
    checkpoint_store_interval_s: float = Field(
        default=1.0, gt=0, description="with a progress topic, checkpoint documents are written at most this often"
    )

    @property
    def kafka_bootstrap(self) -> str:
        return self.kafka_bootstrap_servers or f"{self.host}:{self.kafka_port}"

    @property
    def elasticsearch_url(self) -> str:
        return self.elasticsearch_hosts or f"http://{self.host}:{self.elasticsearch_port}"

    @property
    def table_dir(self) -> Path:
        return (self.pipeline_data_dir or self.data_dir / "pipeline").resolve()

    def source_topic(self, table: str) -> str:
        return f"{self.source_topic_prefix}.{table}"

    def index_names(self, model: ReadModel) -> IndexNames:
        """The model's index, alias and mapping: its declaration's, prefixed, unless overridden."""
        given = self.read_model_overrides.get(model.name, IndexOverride())
        return IndexNames(
            index=given.index or self.read_model_prefix + derive.versioned(model),
            alias=given.alias or self.read_model_prefix + derive.alias(model),
            mapping=given.mapping or derive.mapping_file(model),
        )

    def changes_topic(self, projection: str) -> str:
        """The internal topic a projection reads: what the router (or the stage before) sent it."""
        return f"{self.pipeline_app_id}-{projection}-changes"
