"""Stage 2 of a projection: fold routed changes into its tables, index the documents they touch, checkpoint.

A read model plugs in through `ReadModel`: how to decode its internal topic, how its marks advance
progress, how a change changes its state, how a document is built, and what (if anything) it passes on
to a further stage. The order of effects in a batch is what keeps it crash-safe and is the same for all:
1. fold every change into the tables (changelog writes);
2. build the touched documents from the tables;
3. await the changelog writes (see pipelines/runtime/factory.py: the index never runs ahead of them);
4. bulk the documents; 5. send what goes on to the next stage; 6. hand the checkpoints to their background writer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar, cast

from pydantic import BaseModel, TypeAdapter, ValidationError

from pipelines.core.checkpoints import Checkpoints, PartKey
from pipelines.core.deadletters import DeadLetter, DeadLetters, event_fault
from pipelines.core.handover import CaughtUp, Floor, Handover, Indexed
from pipelines.core.progress import Progress
from pipelines.core.router import unpack_changes
from pipelines.core.sink import BulkSink, IndexAction, document_action
from pipelines.core.targets import SHADOW_PREFIX, ShadowChanged
from pipelines.metrics import BATCH_EVENTS, BATCH_SECONDS, FRESHNESS_SECONDS
from pipelines.runtime.tables import acting_for

log = logging.getLogger(__name__)

Send = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Outgoing:
    """A message for the next stage's topic, sent after this batch's documents are indexed."""

    partition: int
    key: bytes
    value: bytes
    topic: str | None = None  # None: the projector's downstream topic


K = TypeVar("K", bound=Hashable)  # a read model's document key


class ReadModel(Protocol[K]):
    routed: TypeAdapter[Any]  # decodes a value of the internal topic

    def marks(self, record: Any, partition: int) -> dict[PartKey, Progress] | None:
        """Fold a marks record in; the checkpoint parts it advanced. None: `record` is not a marks record."""

    def apply(self, record: Any, partition: int) -> Iterable[K]:
        """Fold one change in; the keys of the documents it may have changed."""

    def document(self, key: K, indexed_at: datetime) -> BaseModel | None:
        """The document for `key` (a model with id and source_lsn), a DocumentDeleted, or None (not yet)."""

    def outbox(self) -> list[Outgoing]:
        """Messages for the next stage made since the last call, in the order they were made."""


class HandoverReadModel(ReadModel[K], Protocol[K]):
    """A model a backfill can hand over to (pipelines/core/handover.py)."""

    handover: Handover

    def newer_than(self, lsn: int, partition: int) -> Iterable[K]:
        """The keys of `partition` whose state holds a row newer than `lsn`."""


# Documents built and written at a time: a rename of a product in 150,000 orders touches them all in one
# batch, and holding every document of it at once would cost hundreds of MB.
DOCUMENT_SLICE = 2000


class Projector(Generic[K]):
    def __init__(
        self,
        *,
        projection: str,
        index: str,
        alias: str,
        rejections_index: str,
        model: ReadModel[K],
        sink: BulkSink,
        checkpoints: Checkpoints,
        dead_letters: DeadLetters,
        flush: Callable[[], Awaitable[None]],
        send: Send | None = None,
        downstream_topic: str | None = None,
    ) -> None:
        self.projection = projection
        self.index = index
        self.alias = alias  # what readers name it: rejection markers are kept under it
        self.rejections_index = rejections_index
        self.model = model
        self.sink = sink
        self.checkpoints = checkpoints
        self._dead_letters = dead_letters
        self._flush = flush
        self._send = send
        self._downstream_topic = downstream_topic

    async def project(self, events: Sequence[Any]) -> None:
        started = time.perf_counter()
        BATCH_EVENTS.labels(self.projection, "project").observe(len(events))
        touched: dict[K, Any] = {}  # document key -> an event of its partition (tables are read "as" it)
        progress: dict[PartKey, Progress] = {}
        commit_times: list[int] = []
        handover: Handover | None = getattr(self.model, "handover", None)
        if handover is not None:
            handover.begin_batch()
        rebuilds: dict[int, tuple[int, Any]] = {}  # partition -> (floor LSN, an event of it)
        for event in events:
            message = event.message
            with acting_for(event):
                for value in unpack_changes(message.value):  # the router's changes travel together
                    if value.startswith(SHADOW_PREFIX):  # a rebuild changed where documents go: before they go
                        await self.sink.reload_shadow(ShadowChanged.model_validate_json(value).alias)
                        continue
                    try:
                        record = self.model.routed.validate_json(value)
                    except ValidationError as exc:
                        await self._dead_letter(message, "invalid_change", str(exc), None, value)
                        continue
                    if handover is not None and isinstance(record, (Floor, Indexed, CaughtUp)):
                        floor = handover.receive(record, message.partition)
                        if floor is not None:
                            rebuilds[message.partition] = (floor, event)
                        continue
                    advanced = self.model.marks(record, message.partition)
                    if advanced is not None:
                        progress.update(handover.capped(advanced) if handover is not None else advanced)
                        continue
                    try:
                        keys = self.model.apply(record, message.partition)
                    except Exception as exc:  # park it, keep going; the change's origin is in the letter
                        if not event_fault(exc):
                            raise  # transient: stop without acking, replay after the restart
                        log.exception("applying %r failed", record)
                        await self._dead_letter(
                            message, "transform_error", f"{type(exc).__name__}: {exc}", record, value
                        )
                        continue
                    if handover is None or handover.indexes(message.partition, getattr(record, "lsn", None)):
                        touched.update((key, event) for key in keys)
                    if getattr(record, "ts_ms", None):
                        commit_times.append(record.ts_ms)
        for partition, (floor, event) in rebuilds.items():  # a handover ends: index what waited for it
            with acting_for(event):
                model = cast("HandoverReadModel[K]", self.model)  # rebuilds come only with a handover
                touched.update((key, event) for key in model.newer_than(floor, partition))
        ordered = sorted(touched.items(), key=lambda item: str(item[0]))
        for start in range(0, max(len(ordered), 1), DOCUMENT_SLICE):  # a hot key's fan-out, a slice at a time
            actions = await self._documents(ordered[start : start + DOCUMENT_SLICE])
            await self._flush()  # the changelog writes above are durable before the index shows their effect
            refused = await self.sink.write(actions)
            for rejected in refused:
                await self._dead_letters.publish(
                    DeadLetter(
                        projection=self.projection,
                        reason="sink_rejected",
                        error=f"{rejected.status} {rejected.error}",
                        topic=self.index,
                        partition=-1,
                        offset=-1,
                        key=rejected.action.id.encode(),
                        value=IndexAction.lines(rejected.action)[-1].encode(),
                    )
                )
            if refused:  # before the checkpoint moves: a token read past it learns its document was refused
                at = datetime.now(UTC).isoformat()
                await self.sink.write([r.marker(self.alias, self.rejections_index, at) for r in refused])
        if rebuilds:
            assert handover is not None  # only a handover starts rebuilds
            for partition in rebuilds:
                handover.live(partition)
            await self._flush()  # live only once the rebuilt documents are indexed
        await self._pass_on()
        now_ms = time.time() * 1000
        for ts_ms in commit_times:
            FRESHNESS_SECONDS.labels(self.projection).observe(max(0.0, (now_ms - ts_ms) / 1000))
        if progress:
            self.checkpoints.submit(progress)  # written in the background, after these documents
        BATCH_SECONDS.labels(self.projection, "project").observe(time.perf_counter() - started)

    async def _documents(self, touched: list[tuple[K, Any]]) -> list[IndexAction]:
        now = datetime.now(UTC)
        actions = []
        for key, event in touched:
            with acting_for(event):
                try:
                    document = self.model.document(key, now)
                except Exception as exc:
                    if not event_fault(exc):
                        raise
                    log.exception("building %s document %s failed", self.projection, key)
                    await self._dead_letter(
                        event.message, "transform_error", f"document {key}: {type(exc).__name__}: {exc}", None
                    )
                    continue
            if document is not None:
                index_for = getattr(self.model, "index_for", None)  # a model may fill several indices
                actions.append(document_action(index_for(key) if index_for else self.index, document))
        return actions

    async def _pass_on(self) -> None:
        for message in self.model.outbox():
            topic = message.topic or self._downstream_topic
            if self._send is None or topic is None:
                raise RuntimeError(f"the {self.projection} model passes messages on, but no downstream topic is set")
            await self._send(topic, message.key, message.value, message.partition, None, None)

    async def _dead_letter(
        self, message: Any, reason: str, error: str, change: Any, value: bytes | None = None
    ) -> None:
        """`value`: the bytes of the one change at fault (default: the whole message's)."""
        origin = getattr(change, "origin", None)
        await self._dead_letters.publish(
            DeadLetter(
                projection=self.projection,
                reason=reason,
                error=error,
                topic=origin.topic if origin else message.topic,
                partition=origin.partition if origin else message.partition,
                offset=origin.offset if origin else message.offset,
                key=message.key,
                value=message.value if value is None else value,
            )
        )
