"""`readside backfill`: index a read model straight from a Postgres snapshot, then hand over to the stream.

The stream alone indexes an existing database at the pace of its change events (Debezium, the router,
the projector: about 1,000 products a second on the dev machine). A backfill builds every document
with one SQL query over a snapshot at WAL position L, bulk-indexes them with version L, and hands over
to the stream without losing or regressing a change (pipelines/core/handover.py):
1. snapshot at L, and the floor sent to every partition while writers wait (infra/backfill/snapshot.py);
   the worker is asked to pause its source topics until step 3 is done (`--no-pause` lets it run);
2. documents from the snapshot, bulk-indexed on two threads with `external_gte` version L: a document
   the stream already indexed from a newer change keeps it (409, counted as newer);
3. documents older than L that the snapshot does not hold (deleted before L) are deleted, version L;
4. wait until the projection's checkpoints show every change up to L applied, then tell every partition
   it has caught up: each indexes the documents that changed after L, and is live.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from infra.backfill.handover import HandoverChannel
from infra.backfill.snapshot import Snapshot, snapshot_at_lsn
from pipelines.core.handover import CaughtUp, Floor, Indexed
from pipelines.settings import PipelineSettings
from search_client import Elasticsearch, helpers, sync_client

CHUNK = 2000
THREADS = 2
RETRY_STATUSES = {429, 500, 502, 503, 504}
PAUSE_S = 60.0


@dataclass(frozen=True)
class BackfillTarget:
    projection: str
    tables: tuple[str, ...]  # locked for the snapshot: every table the documents are built from
    documents_sql: str  # (id, document JSON) rows; parameters lsn, ts_ms, indexed_at
    alias: str
    changes_topic: str  # the projection's internal topic
    input_topics: tuple[str, ...]  # the source topics its checkpoints cover


@dataclass
class BackfillReport:
    lsn: int = 0
    documents: int = 0
    newer: int = 0  # already indexed from a change after L: left as they are
    deleted: int = 0
    lock_s: float = 0.0  # how long writers of the source tables waited
    index_s: float = 0.0  # snapshot taken to every document indexed, refreshed and stale ones deleted
    handover_s: float | None = None  # then until the stream had caught up and was told so

    @property
    def rate(self) -> float:
        return self.documents / self.index_s if self.index_s else 0.0


class BackfillError(Exception):
    """Elasticsearch refused documents for good (e.g. a mapping error)."""


def run_backfill(
    target: BackfillTarget,
    dsn: str,
    settings: PipelineSettings,
    progress: Callable[[str], Any],
    wait_s: float = 1800.0,
    pause_stream: bool = True,
    workers: int = 1,
) -> BackfillReport:
    report = BackfillReport()
    urls = [worker_url(settings, k) for k in range(1, workers + 1)]
    pause = StreamPause(urls, progress, enabled=pause_stream, token=settings.control_token)
    with (
        HandoverChannel(settings.kafka_bootstrap, target.changes_topic) as channel,
        sync_client(settings.search_engine, settings.elasticsearch_url, request_timeout=120) as es,
    ):
        locked_at = [0.0]

        def floor(snapshot: Snapshot) -> None:  # runs while writers wait: the lock is held from here on
            locked_at[0] = time.monotonic()
            channel.send(Floor(lsn=snapshot.lsn, ts_ms=snapshot.ts_ms))

        def indexing(line: str) -> None:
            pause.renew()
            progress(line)

        with snapshot_at_lsn(dsn, target.tables, floor) as snapshot:
            began = time.monotonic()
            report.lock_s, report.lsn = began - locked_at[0], snapshot.lsn
            pause.renew()  # after the floor: whatever the stream routes from here on waits for the handover
            try:
                progress(f"snapshot at LSN {snapshot.lsn} (writers waited {report.lock_s * 1000:.0f} ms); indexing")
                index_snapshot(es, target.documents_sql, target.alias, snapshot, report, indexing)
                es.indices.refresh(index=target.alias)
                report.deleted = delete_older(es, target.alias, snapshot.lsn)
                es.indices.refresh(index=target.alias)
                channel.send(Indexed(lsn=snapshot.lsn))  # a cap an earlier, dead backfill left may rise now
            finally:
                pause.end()
        report.index_s = time.monotonic() - began
        progress(
            f"{report.documents:,} documents indexed in {report.index_s:.1f} s ({report.rate:,.0f}/s); "
            f"waiting for the stream to catch up with the snapshot"
        )
        waited = channel.wait_applied(
            settings.search_engine,
            settings.elasticsearch_url,
            settings.checkpoints_alias,
            target.projection,
            target.input_topics,
            snapshot.lsn,
            wait_s,
            progress,
        )
        channel.send(CaughtUp(lsn=snapshot.lsn))
        report.handover_s = waited
    return report


def worker_url(settings: PipelineSettings, k: int = 1) -> str:
    """Worker k's web address (`readside up --workers N`: worker k serves on the first worker's port plus k-1)."""
    return f"http://{settings.pipeline_web_host}:{settings.pipeline_web_port + k - 1}"


class StreamPause:
    """Asks every pipeline worker to stop reading the source topics while the documents are indexed
    (pipelines/core/pause.py): on a small machine the two otherwise halve each other's speed. Each
    request lasts PAUSE_S, renewed as indexing goes on, so a worker resumes by itself if this dies.
    A worker that refuses is left alone, and said: the backfill is correct either way, only slower."""

    def __init__(
        self,
        worker_urls: list[str],
        say: Callable[[str], Any],
        enabled: bool = True,
        seconds: float = PAUSE_S,
        token: str | None = None,
    ) -> None:
        self.urls = [f"{url}/readside/pause/" for url in worker_urls] if enabled else []
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.seconds = seconds
        self.say = say
        self.paused: set[str] = set()

    def renew(self) -> None:
        for url in list(self.urls):
            try:
                params = {"seconds": self.seconds}
                httpx.post(url, params=params, headers=self.headers, timeout=2.0).raise_for_status()
                self.paused.add(url)
            except httpx.HTTPError as exc:
                self.urls.remove(url)
                self.say(f"the worker at {url} did not pause its source topics ({exc}); indexing alongside it")

    def end(self) -> None:
        for url in sorted(self.paused):
            try:
                httpx.delete(url, headers=self.headers, timeout=2.0)
            except httpx.HTTPError:
                pass  # it resumes by itself within PAUSE_S
        self.paused.clear()


def index_snapshot(
    es: Elasticsearch,
    documents_sql: str,
    index: str,
    snapshot: Snapshot,
    report: BackfillReport,
    progress: Callable[[str], Any],
) -> None:
    """Every document of the snapshot (`documents_sql`'s rows) into `index`, version L; those refused with
    429/5xx once more, with backoff."""
    params = {"lsn": snapshot.lsn, "ts_ms": snapshot.ts_ms, "indexed_at": datetime.now(UTC).isoformat()}
    with snapshot.conn.cursor(name="backfill") as cur:
        cur.itersize = CHUNK * 2
        cur.execute(documents_sql, params)
        retry = _tally(
            helpers.parallel_bulk(
                es, _actions(cur, index, snapshot.lsn), thread_count=THREADS, chunk_size=CHUNK, raise_on_error=False
            ),
            report,
            progress,
        )
    if retry:
        again = snapshot.conn.execute(
            f"SELECT * FROM ({documents_sql}) b WHERE b.id::text = ANY(%(ids)s)", {**params, "ids": sorted(retry)}
        )
        left = _tally(
            helpers.streaming_bulk(
                es,
                _actions(again, index, snapshot.lsn),
                chunk_size=CHUNK,
                max_retries=8,
                initial_backoff=0.5,
                max_backoff=30,
                raise_on_error=False,
            ),
            report,
            progress,
        )
        if left:
            raise BackfillError(f"Elasticsearch kept refusing {len(left)} document(s) (429/5xx)")


def _actions(rows: Iterable[tuple[Any, str]], alias: str, lsn: int) -> Iterator[dict]:
    for doc_id, body in rows:
        yield {"_index": alias, "_id": str(doc_id), "version": lsn, "version_type": "external_gte", "_source": body}


def _tally(results: Iterable[tuple[bool, dict]], report: BackfillReport, progress: Callable[[str], Any]) -> set[str]:
    """Count the outcomes; returns the ids to send again. Raises on a refusal retrying cannot fix."""
    retry: set[str] = set()
    refused: list[str] = []
    for ok, item in results:
        result = next(iter(item.values()))
        if ok:
            report.documents += 1
            if report.documents % 20_000 == 0:
                progress(f"{report.documents:,} documents indexed")
        elif result.get("status") == 409:
            report.newer += 1
        elif result.get("status") in RETRY_STATUSES:
            retry.add(str(result["_id"]))
        else:
            refused.append(f"{result.get('_id')}: {result.get('status')} {result.get('error')}")
    if refused:
        raise BackfillError(f"Elasticsearch refused {len(refused)} document(s), e.g. {refused[0]}")
    return retry


def delete_older(es: Elasticsearch, alias: str, lsn: int) -> int:
    """Delete the documents older than L, i.e. those whose rows the snapshot no longer holds, at version L."""
    stale = helpers.scan(es, index=alias, query={"query": {"range": {"source_lsn": {"lt": lsn}}}}, _source=False)
    actions = (
        {"_op_type": "delete", "_index": alias, "_id": hit["_id"], "version": lsn, "version_type": "external_gte"}
        for hit in stale
    )
    deleted = 0
    for ok, _item in helpers.streaming_bulk(es, actions, chunk_size=CHUNK, max_retries=8, raise_on_error=False):
        deleted += ok
    return deleted
