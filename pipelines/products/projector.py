"""Stage 2 of the products projection: fold routed changes into the tables, index documents, checkpoint."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Sequence

from pydantic import ValidationError

from pipelines.core.checkpoints import Checkpoints, PartKey
from pipelines.core.deadletters import DeadLetter, DeadLetters
from pipelines.core.metrics import FRESHNESS_SECONDS
from pipelines.core.progress import Progress, SourceMarks
from pipelines.core.sink import BulkSink, IndexAction
from pipelines.core.tables import acting_for
from pipelines.products.records import ROUTED, Change
from pipelines.products.sinks import product_action
from pipelines.products.tables import ProductsState

log = logging.getLogger(__name__)


class ProductProjector:
    def __init__(self, *, projection: str, index: str, state: ProductsState, sink: BulkSink,
                 checkpoints: Checkpoints, dead_letters: DeadLetters, flush: Callable[[], Awaitable[None]]) -> None:
        self.projection = projection
        self.index = index
        self.state = state
        self.sink = sink
        self.checkpoints = checkpoints
        self._dead_letters = dead_letters
        self._flush = flush

    async def project(self, events: Sequence[Any]) -> None:
        touched: dict[int, Any] = {}  # product id -> an event of its partition (tables are read "as" it)
        progress: dict[PartKey, Progress] = {}
        commit_times: list[int] = []
        for event in events:
            message = event.message
            try:
                record = ROUTED.validate_json(message.value)
            except ValidationError as exc:
                await self._dead_letter(message, "invalid_change", str(exc), None)
                continue
            with acting_for(event):
                if isinstance(record, SourceMarks):
                    for mark in record.marks:
                        progress[(message.partition, mark.topic, mark.partition)] = \
                            self.state.advance(message.partition, mark)
                    continue
                try:
                    products = self.state.apply(record, message.partition)
                except Exception as exc:  # park it, keep going; the change's origin is in the letter
                    log.exception("applying %r failed", record)
                    await self._dead_letter(message, "transform_error", f"{type(exc).__name__}: {exc}", record)
                    continue
            touched.update((product_id, event) for product_id in products)
            commit_times.append(record.ts_ms)
        actions = await self._documents(touched)
        # The changelog writes above must be durable before the index shows their effect (see factory.py).
        await self._flush()
        for rejected in await self.sink.write(actions):
            await self._dead_letters.publish(DeadLetter(
                projection=self.projection, reason="sink_rejected", error=f"{rejected.status} {rejected.error}",
                topic=self.index, partition=-1, offset=-1, key=rejected.action.id.encode(),
                value=IndexAction.lines(rejected.action)[-1].encode()))
        now_ms = time.time() * 1000
        for ts_ms in commit_times:
            FRESHNESS_SECONDS.labels(self.projection).observe(max(0.0, (now_ms - ts_ms) / 1000))
        if progress:
            await self.checkpoints.record(progress)

    async def _documents(self, touched: dict[int, Any]) -> list[IndexAction]:
        now = datetime.now(timezone.utc)
        actions = []
        for product_id, event in sorted(touched.items()):
            with acting_for(event):
                try:
                    document = self.state.document(product_id, now)
                except Exception as exc:
                    log.exception("building product %s failed", product_id)
                    await self._dead_letter(event.message, "transform_error",
                                            f"product {product_id}: {type(exc).__name__}: {exc}", None)
                    continue
            if document is not None:
                actions.append(product_action(self.index, document))
        return actions

    async def _dead_letter(self, message: Any, reason: str, error: str, change: Change | None) -> None:
        origin = getattr(change, "origin", None)
        await self._dead_letters.publish(DeadLetter(
            projection=self.projection, reason=reason, error=error,
            topic=origin.topic if origin else message.topic,
            partition=origin.partition if origin else message.partition,
            offset=origin.offset if origin else message.offset, key=message.key, value=message.value))
