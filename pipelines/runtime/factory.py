"""The Faust app factory: worker settings that suit CDC streams, and preparation that runs before consuming.

Processing guarantee: at-least-once, by choice. faust-streaming 0.15.3's "exactly_once" (read in its
source: transport/consumer.py TransactionManager, transport/drivers/aiokafka.py) does not deliver it
here: (1) it opens one transactional producer per *assigned source partition* and picks the producer
for a send by the *destination* partition, so a re-keying send to a partition this worker does not own
raises "No transaction producer found"; (2) the destination's transaction commits with that
partition's offsets, not with the source offsets that produced the message, so the atomicity is not
the one needed; (3) commit_transaction logs and swallows errors; (4) Elasticsearch writes can never
join a Kafka transaction anyway. So the pipeline is made effectively-once instead:
- every piece of state is an absolute, LSN-guarded row version, and units sold is folded so that
  re-folding a replayed change is a no-op (pipelines/products/tables.py), so redelivery is harmless;
- Faust commits an offset only after the batch holding it was handled: take_available() acks after the
  agent body, and a body that fails exits the process instead of letting that `finally` ack it
  (pipelines/runtime/failstop.py); routed changes and dead letters go straight to aiokafka, whose flush
  before each commit is strict;
- the products agent awaits every changelog write of a batch (pipelines/core/tables.py) before its
  bulk, so the index never runs ahead of the changelog: after a SIGKILL the restored state is at or
  past whatever the index shows, and replayed events re-index documents from it (external_gte
  versions make that idempotent). Faust's own producer flush is not enough for this: its buffer's
  flush gives up after 0.1 s without a send;
- after a crash, tables are restored from their changelogs only: the local RocksDB data is kept only
  after a clean stop with every local write acknowledged (pipelines/runtime/stores.py says why).
(docs/adr/0001-at-least-once-with-lsn-guards.md, docs/adr/0002-faust-exactly-once-not-used.md)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import faust
from mode.utils.objects import cached_property

from pipelines.runtime.stores import (
    BudgetedTable,
    RocksDBBudget,
    changelogs_reach,
    clean_stop_offsets,
    mark_clean_stop,
    newest_offsets,
    persisted_offsets,
    prepare_local_tables,
    rocksdb_options,
)
from pipelines.runtime.tables import LocalWrites
from pipelines.settings import PipelineSettings

log = logging.getLogger(__name__)

Prepare = Callable[[], Awaitable[None]]


class ReadsideApp(faust.App):
    """A Faust app whose read models can register work to finish before the consumer subscribes.

    `table_options` are the store options every table gets (see pipelines/core/tables.py json_table), and
    `rocksdb_budget` the block cache and memtable total all their RocksDBs share (pipelines/runtime/stores.py)."""

    def __init__(
        self,
        *args: Any,
        table_options: dict[str, Any] | None = None,
        rocksdb_budget: RocksDBBudget | None = None,
        fetch_max_wait_ms: int = 500,
        kafka_bootstrap: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.table_options = dict(table_options or {})
        self.rocksdb_budget = rocksdb_budget
        self._fetch_max_wait_ms = fetch_max_wait_ms
        self._kafka_bootstrap = kafka_bootstrap  # where a kept local state is checked against its changelogs
        self.gap_free_topics: set[str] = set()  # read by the consumer (pipelines/runtime/delivery.py)
        self.batched_topics: set[str] = set()  # read by batch agents: only their handled events are acked
        self.local_writes = LocalWrites()  # every table write of the worker (pipelines/core/tables.py)
        # Awaited with {partition: committed offset} each time the consumer has sought to them (kafka.py).
        self.on_committed_sought: list[Callable[[Mapping[Any, int]], Awaitable[None]]] = []
        self._preparations: list[Prepare] = []
        self._closings: list[Prepare] = []

    def before_consuming(self, prepare: Prepare) -> Prepare:
        """Register a coroutine (create topics, indices) awaited at start, before any partition is read."""
        self._preparations.append(prepare)
        return prepare

    def after_stopping(self, close: Prepare) -> Prepare:
        """Register a coroutine (close clients) awaited when the app stops."""
        self._closings.append(close)
        return close

    @cached_property
    def flow_control(self) -> Any:
        from pipelines.runtime.kafka import QueueKeepingFlowControl

        return QueueKeepingFlowControl(loop=self.loop)

    def _new_transport(self) -> Any:
        from pipelines.runtime.kafka import transport_with_fetch_wait

        return transport_with_fetch_wait(self._fetch_max_wait_ms)(self.conf.broker_consumer, self)

    async def on_first_start(self) -> None:
        # Before any table opens its store (tables start after this): local state survives a clean stop only,
        # and only while its changelogs still reach the offsets it was persisted at.
        tabledir = Path(self.conf.tabledir)
        offsets, why = clean_stop_offsets(tabledir), "no clean stop"
        if offsets is not None:
            try:
                offsets = newest_offsets(offsets, persisted_offsets(tabledir, self._changelog_topic))
                why = "its changelogs no longer reach the offsets it was persisted at"
            except Exception as exc:  # a DB that cannot be read is no state to keep
                offsets, why = None, f"a table DB could not be read: {exc!r}"
        reaches = (
            offsets is not None
            and self._kafka_bootstrap is not None
            and await changelogs_reach(self._kafka_bootstrap, offsets)
        )
        prepare_local_tables(tabledir, keep=reaches, why=why)
        if reaches:
            assert offsets is not None  # `reaches` holds only for offsets
            self.local_writes.offsets.update(offsets)  # carried into the next mark
        await super().on_first_start()
        for prepare in self._preparations:
            await prepare()

    def _changelog_topic(self, table: str) -> str:
        return f"{self.conf.id}-{table}-changelog"  # Faust's name for a table's changelog

    async def on_stop(self) -> None:
        await super().on_stop()  # waits for the batches in hand, then closes the stores
        if self.local_writes.seal():
            mark_clean_stop(Path(self.conf.tabledir), self.local_writes.offsets)
        else:
            log.warning(
                "stopping with %d table writes not acknowledged by Kafka: the local table data will be "
                "rebuilt from the changelogs at the next start",
                self.local_writes.unacknowledged,
            )
        for close in self._closings:
            await close()


def create_app(settings: PipelineSettings) -> ReadsideApp:
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)  # one INFO line per request otherwise
    return ReadsideApp(
        settings.pipeline_app_id,
        broker=f"kafka://{settings.kafka_bootstrap}",
        autodiscover=False,
        store=settings.pipeline_table_store,
        datadir=str(settings.table_dir),
        Table=BudgetedTable,
        table_options=rocksdb_options(
            settings.pipeline_rocksdb_write_buffer_bytes,  # memory:// ignores them
            settings.pipeline_rocksdb_write_buffers,
        ),
        rocksdb_budget=RocksDBBudget(
            settings.pipeline_rocksdb_block_cache_bytes, settings.pipeline_rocksdb_memtable_budget_bytes
        ),
        processing_guarantee="at_least_once",
        fetch_max_wait_ms=settings.pipeline_fetch_max_wait_ms,
        kafka_bootstrap=settings.kafka_bootstrap,
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        # Raw bytes in and out: decoding is ours (pydantic from bytes), once, and cheap.
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        stream_buffer_maxsize=settings.pipeline_stream_buffer_maxsize,
        broker_max_poll_records=settings.pipeline_poll_max_records,
        broker_commit_interval=settings.pipeline_commit_interval_s,
        broker_session_timeout=settings.pipeline_session_timeout_s,
        broker_heartbeat_interval=max(1.0, settings.pipeline_session_timeout_s / 4),
        producer_linger=0.0,  # batches come from take(); lingering would only add latency
        producer_acks=-1,
        web_enabled=settings.pipeline_web_enabled,
        web_bind=settings.pipeline_web_host,
        web_host=settings.pipeline_web_host,
        web_port=settings.pipeline_web_port,
        # Only our own routes: no table browsing (customer names and emails), router, graph or stats pages.
        web_tables_enabled=False,
        web_router_enabled=False,
        web_graph_enabled=False,
        web_stats_enabled=False,
    )


def batch_agent(
    app: ReadsideApp,
    channel: Any,
    name: str,
    handle: Callable[[Any], Awaitable[None]],
    what: str,
    settings: PipelineSettings,
    contiguous: bool = False,
) -> Any:
    """Declare agent `name` on `channel`: take events in batches and hand each to `handle`, or die trying.

    `contiguous`: the channel's topics have no offset gaps (internal topics): the consumer reads a hole in
    them again (pipelines/runtime/delivery.py), and the stream checks it got every offset (batching.py)."""
    from pipelines.runtime.batching import take_available
    from pipelines.runtime.failstop import complete_or_die

    app.batched_topics.update(channel.topics)
    if contiguous:
        app.gap_free_topics.update(channel.topics)

    batch, gather = settings.pipeline_batch_max, settings.pipeline_batch_gather_s

    async def run(stream: Any) -> None:
        async for events in take_available(stream, batch, gather, contiguous):
            await complete_or_die(handle(events), what)

    run.__name__ = run.__qualname__ = name
    return app.agent(channel, name=name)(run)
