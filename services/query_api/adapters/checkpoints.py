"""Read a projection's checkpoints (one document per input partition) with a realtime mget."""
from __future__ import annotations

import logging
from collections.abc import Sequence

from elasticsearch import AsyncElasticsearch, NotFoundError

from ..consistency.progress import Checkpoint, Partition, checkpoint_id
from .elasticsearch import translated_errors

log = logging.getLogger(__name__)


class CheckpointsIndex:
    """The pipeline's checkpoint documents, `<projection>:<topic>:<partition>` by id."""

    def __init__(self, es: AsyncElasticsearch, index: str) -> None:
        self._es = es
        self._index = index

    async def read(self, projection: str,
                   partitions: Sequence[Partition]) -> dict[Partition, Checkpoint]:
        """The checkpoints that exist among `partitions`; a missing one means nothing applied.
        A multi-get is realtime, so a checkpoint is visible as soon as it is written."""
        if not partitions:
            return {}
        by_id = {checkpoint_id(projection, p): p for p in partitions}
        with translated_errors("read checkpoints", self._index):
            try:
                response = await self._es.mget(index=self._index, ids=list(by_id),
                                               source_includes=["offset", "lsn"])
            except NotFoundError:  # no checkpoints index yet: the pipeline applied nothing
                return {}
        found: dict[Partition, Checkpoint] = {}
        for doc in response["docs"]:
            if doc.get("error"):
                log.debug("checkpoint %s unreadable: %s", doc.get("_id"), doc["error"])
                continue
            if doc.get("found") and doc["_id"] in by_id:
                source = doc.get("_source") or {}
                found[by_id[doc["_id"]]] = Checkpoint(_int(source.get("offset")),
                                                      _int(source.get("lsn")))
        return found


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
