"""The Elasticsearch sink: bulk writes in bounded chunks, externally versioned, retried until applied.

Versions are source LSNs and the version type is `external_gte`, not `external`. A document is built
from several rows (a product, its stock, its orders), and its version is the newest LSN among them.
Rows of different tables arrive in any order, so a real change can leave that maximum where it was:
stock changed at LSN 90 after the product row at LSN 100 was applied gives a new document with
version 100 again. `external` would refuse it (409, equal is not greater) and lose the stock change;
`external_gte` takes it. What it still refuses is any document built from older state (a smaller
maximum), and the pipeline never writes one: its state only moves forward (every part is LSN-guarded)
and the changelog is flushed before each bulk, so after a crash the state is never behind the index.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from tenacity import AsyncRetrying, RetryCallState, before_sleep_log, retry_if_exception, stop_after_delay, stop_never

from pipelines.core.records import DocumentDeleted
from pipelines.core.targets import shadow_alias
from pipelines.metrics import BULK_SECONDS, DOCUMENTS_WRITTEN, SINK_REFUSED, STALE_WRITES
from search_client import (
    ApiError,
    AsyncElasticsearch,
    ConnectionError as EsConnectionError,
    ConnectionTimeout,
    NotFoundError,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class IndexAction:
    index: str
    id: str
    version: int
    document: dict[str, Any] | str | None  # None deletes; a str is the document already as JSON

    def lines(self) -> tuple[str, ...]:
        meta = {"_index": self.index, "_id": self.id, "version": self.version, "version_type": "external_gte"}
        if self.document is None:
            return (json.dumps({"delete": meta}),)
        body = self.document if isinstance(self.document, str) else json.dumps(self.document, separators=(",", ":"))
        return json.dumps({"index": meta}), body


def shadowed(actions: Sequence[IndexAction], shadow_sets: dict[str, tuple[str, ...]]) -> list[IndexAction]:
    """Each action once per index of its alias's shadow set (pure); an alias without one is written as is."""
    out: list[IndexAction] = []
    for action in actions:
        indices = shadow_sets.get(action.index)
        if not indices:
            out.append(action)
        else:
            out.extend(IndexAction(index, action.id, action.version, action.document) for index in indices)
    return out


def document_action(index: str, document: Any) -> IndexAction:
    """The action for a read model's document (a pydantic model with `source_lsn`, and `id` or a
    `document_id()` when its id is not one of its fields) or its deletion."""
    if isinstance(document, DocumentDeleted):
        return IndexAction(index=index, id=str(document.id), version=document.source_lsn, document=None)
    doc_id = document.document_id() if hasattr(document, "document_id") else document.id
    return IndexAction(
        index=index, id=str(doc_id), version=document.source_lsn, document=document.model_dump_json()
    )  # pydantic's serializer, not dict + json.dumps


@dataclass(frozen=True)
class Rejected:
    """An action Elasticsearch refused for good (e.g. a mapping error); it goes to the dead letters."""

    action: IndexAction
    status: int
    error: str

    def marker(self, alias: str, rejections_index: str, at: str) -> IndexAction:
        """The note a token read by id finds (services/query_api): this version of `alias`/id was refused, so
        the document there is older than the write. A later version that indexes supersedes it."""
        return IndexAction(
            index=rejections_index,
            id=f"{alias}/{self.action.id}",
            version=self.action.version,
            document={
                "alias": alias,
                "doc_id": self.action.id,
                "lsn": self.action.version,
                "error": f"{self.status} {self.error}"[:2000],
                "rejected_at": at,
            },
        )


# Errors caused by the document itself: it can never be indexed as it is, whatever the cluster's state.
DOCUMENT_FAULTS = frozenset(
    {
        "mapper_parsing_exception",
        "document_parsing_exception",
        "strict_dynamic_mapping_exception",
        "illegal_argument_exception",
    }
)
Outcome = Literal["applied", "stale", "retry", "rejected"]


def item_outcome(status: int, error: dict | None, deleting: bool) -> Outcome:
    """What one bulk item's answer means. Only a fault of the document is `rejected` (a dead letter);
    anything else Elasticsearch refuses (a write block, a closed or missing index, a disk watermark,
    429, 5xx, an error no one foresaw) is waited out and retried: acking it would advance the
    checkpoints past changes the index never got."""
    if status < 300 or (status == 404 and deleting):
        return "applied"
    kind = (error or {}).get("type", "")
    if status == 409 and kind in ("version_conflict_engine_exception", ""):
        return "stale"  # the index already holds a newer version: a replay, nothing to do
    if kind in DOCUMENT_FAULTS:
        return "rejected"
    return "retry"


class _RetryItems(Exception):
    def __init__(self, actions: list[IndexAction]) -> None:
        super().__init__(f"{len(actions)} items to retry")
        self.actions = actions


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, (_RetryItems, EsConnectionError, ConnectionTimeout)):
        return True
    return isinstance(exc, ApiError) and (exc.meta.status == 429 or exc.meta.status >= 500)


class BulkSink:
    def __init__(
        self,
        client: AsyncElasticsearch,
        max_actions: int,
        max_bytes: int,
        retry_max_wait_s: float,
        retry_timeout_s: float | None,
    ) -> None:
        self.client = client
        self.max_actions = max_actions
        self.max_bytes = max_bytes
        self._retry_max_wait_s = retry_max_wait_s
        self._stop = stop_never if retry_timeout_s is None else stop_after_delay(retry_timeout_s)
        self._refused: dict[str, str] = {}  # index -> why Elasticsearch refuses writes to it now
        # alias -> every index its documents go to while a rebuild is around (pipelines/core/targets.py)
        self.shadow_sets: dict[str, tuple[str, ...]] = {}

    async def write(self, actions: Sequence[IndexAction], refresh: bool = False) -> list[Rejected]:
        """Apply every action (stale ones are skipped by ES); returns those refused for good."""
        rejected: list[Rejected] = []
        if self.shadow_sets:
            actions = shadowed(actions, self.shadow_sets)
        for chunk in self._chunks(actions):
            rejected += await self._write_chunk(chunk, refresh)
        return rejected

    async def reload_shadow(self, alias: str) -> None:
        """Read `alias`'s shadow set (pipelines/core/targets.py) from Elasticsearch: at start, and when a
        ShadowChanged message says it changed."""
        try:
            found = await self.retried(lambda: self.client.indices.get_alias(name=shadow_alias(alias)))
            indices = tuple(sorted(found.body))
        except NotFoundError:
            indices = ()
        if indices != self.shadow_sets.get(alias, ()):
            log.info("documents of %s go to %s", alias, ", ".join(indices) if indices else "the alias alone")
        if indices:
            self.shadow_sets[alias] = indices
        else:
            self.shadow_sets.pop(alias, None)

    def _chunks(self, actions: Sequence[IndexAction]) -> list[list[tuple[IndexAction, tuple[str, ...]]]]:
        chunks: list[list[tuple[IndexAction, tuple[str, ...]]]] = [[]]
        size = 0
        for action in actions:
            lines = action.lines()
            weight = sum(len(line) + 1 for line in lines)
            if chunks[-1] and (len(chunks[-1]) >= self.max_actions or size + weight > self.max_bytes):
                chunks.append([])
                size = 0
            chunks[-1].append((action, lines))
            size += weight
        return [c for c in chunks if c]

    async def retried(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run a read the writes depend on (e.g. the checkpoints' mget) with the same patience as a write:
        Elasticsearch away, overloaded or restarting is waited for, not a reason to stop the worker."""
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(_retryable),
            stop=self._stop,
            reraise=True,
            wait=self._backoff,
            before_sleep=before_sleep_log(log, logging.WARNING),
        ):
            with attempt:
                return await call()
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _write_chunk(self, chunk: list[tuple[IndexAction, tuple[str, ...]]], refresh: bool) -> list[Rejected]:
        pending = chunk
        rejected: list[Rejected] = []
        index = chunk[0][0].index
        started = time.perf_counter()
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(_retryable),
            stop=self._stop,
            reraise=True,
            wait=self._backoff,
            before_sleep=before_sleep_log(log, logging.WARNING),
        ):
            with attempt:
                body = [line for _, lines in pending for line in lines]
                # elasticsearch-py sends str operations as they are (NDJSON lines); its annotation says mappings only
                response = await self.client.bulk(
                    operations=body,  # type: ignore[arg-type]
                    refresh="true" if refresh else "false",
                )
                retry: list[tuple[IndexAction, tuple[str, ...]]] = []
                refusals: dict[str, str] = {}
                applied = 0
                for (action, lines), item in zip(pending, response["items"], strict=False):
                    result = next(iter(item.values()))
                    outcome = item_outcome(result["status"], result.get("error"), action.document is None)
                    if outcome == "applied":
                        applied += 1
                    elif outcome == "stale":
                        STALE_WRITES.labels(action.index).inc()
                    elif outcome == "rejected":
                        rejected.append(Rejected(action, result["status"], json.dumps(result.get("error"))))
                    else:
                        retry.append((action, lines))
                        refusals.setdefault(action.index, _refusal(result))
                DOCUMENTS_WRITTEN.labels(index).inc(applied)
                self._show_refusals({a.index for a, _ in pending}, refusals)
                if retry:
                    pending = retry
                    raise _RetryItems([a for a, _ in retry])
        BULK_SECONDS.labels(index).observe(time.perf_counter() - started)
        return rejected

    def _backoff(self, retry_state: RetryCallState) -> float:
        """Exponential from 50 ms. Items Elasticsearch refused (a block, a closed index, 429) are tried again
        at least every second, so writes resume within a second of the block being lifted; an unreachable
        Elasticsearch backs off up to `retry_max_wait_s`."""
        assert retry_state.outcome is not None  # tenacity waits only after an attempt's outcome
        refused = isinstance(retry_state.outcome.exception(), _RetryItems)
        cap = min(1.0, self._retry_max_wait_s) if refused else self._retry_max_wait_s
        return min(cap, 0.05 * 2 ** (retry_state.attempt_number - 1))

    def _show_refusals(self, written: set[str], refusals: dict[str, str]) -> None:
        """`readside_sink_refused{index, reason}` is 1 while Elasticsearch refuses writes to the index."""
        for index, reason in list(self._refused.items()):
            if index in written and refusals.get(index) != reason:
                SINK_REFUSED.remove(index, reason)
                del self._refused[index]
        for index, reason in refusals.items():
            if index not in self._refused:
                log.warning("Elasticsearch refuses writes to %s (%s); waiting and retrying", index, reason)
                SINK_REFUSED.labels(index, reason).set(1)
                self._refused[index] = reason


def _refusal(result: dict) -> str:
    error = result.get("error") or {}
    return f"{result['status']} {error.get('type', 'error')}: {str(error.get('reason', ''))[:200]}"


class SharedBulk:
    """One bulk request for the writes of several callers that arrive while one is in flight.

    Every projection writes its checkpoints on its own schedule (at most every 20 ms each); with four
    projections that was four small bulk requests where one does. A caller's write returns once the
    bulk holding it is done; what Elasticsearch refused for good is returned to every caller of that
    bulk (checkpoint writes treat any refusal as a bug anyway).
    """

    def __init__(self, sink: BulkSink) -> None:
        self.sink = sink
        self._queued: list[tuple[Sequence[IndexAction], asyncio.Future]] = []
        self._runner: asyncio.Future | None = None

    async def retried(self, call: Callable[[], Awaitable[T]]) -> T:
        return await self.sink.retried(call)

    async def write(self, actions: Sequence[IndexAction], refresh: bool = False) -> list[Rejected]:
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        self._queued.append((actions, done))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.ensure_future(self._run(refresh))
        return await done

    async def _run(self, refresh: bool) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            try:
                rejected = await self.sink.write([a for actions, _ in batch for a in actions], refresh=refresh)
            except Exception as exc:  # every caller of this bulk learns it failed
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(rejected)
