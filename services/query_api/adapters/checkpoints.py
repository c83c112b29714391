"""The pipeline's checkpoint documents: some by id with a realtime mget, or all of them.

By id: the watch without a progress topic, and a backfill's wait; all: where the progress feed starts from.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from search_client import AsyncElasticsearch, NotFoundError

from ..consistency.progress import Checkpoint, Partition, checkpoint_id
from .elasticsearch.client import translated_errors

log = logging.getLogger(__name__)


class CheckpointsIndex:
    """The pipeline's checkpoint documents, `<projection>:<topic>:<partition>` by id."""

    def __init__(self, es: AsyncElasticsearch, index: str) -> None:
        self._es = es
        self._index = index

    async def read_many(self, wanted: Mapping[str, Sequence[Partition]]) -> dict[str, dict[Partition, Checkpoint]]:
        """{projection: its checkpoints among those partitions}, in one multi-get; a missing one means
        nothing applied. A multi-get is realtime, so a checkpoint is visible as soon as it is written."""
        by_id = {
            checkpoint_id(projection, p): (projection, p)
            for projection, partitions in wanted.items()
            for p in partitions
        }
        found: dict[str, dict[Partition, Checkpoint]] = {projection: {} for projection in wanted}
        if not by_id:
            return found
        with translated_errors("read checkpoints", self._index):
            try:
                response = await self._es.mget(index=self._index, ids=list(by_id), source_includes=["offset", "lsn"])
            except NotFoundError:  # no checkpoints index yet: the pipeline applied nothing
                return found
        for doc in response["docs"]:
            if doc.get("error"):
                log.debug("checkpoint %s unreadable: %s", doc.get("_id"), doc["error"])
                continue
            if doc.get("found") and doc["_id"] in by_id:
                source = doc.get("_source") or {}
                projection, partition = by_id[doc["_id"]]
                found[projection][partition] = Checkpoint(_int(source.get("offset")), _int(source.get("lsn")))
        return found

    async def read_all(self) -> dict[str, dict[Partition, Checkpoint]]:
        """Every checkpoint document, by projection (what a search sees: the last refresh)."""
        with translated_errors("read checkpoints", self._index):
            try:
                response = await self._es.search(
                    index=self._index,
                    size=_ALL,
                    query={"match_all": {}},
                    source_includes=["projection", "topic", "partition", "offset", "lsn"],
                )
            except NotFoundError:
                return {}
        found: dict[str, dict[Partition, Checkpoint]] = {}
        for hit in response["hits"]["hits"]:
            source = hit.get("_source") or {}
            partition = _int(source.get("partition"))
            if (
                not isinstance(source.get("projection"), str)
                or not isinstance(source.get("topic"), str)
                or partition is None
            ):
                continue
            found.setdefault(source["projection"], {})[Partition(source["topic"], partition)] = Checkpoint(
                _int(source.get("offset")), _int(source.get("lsn"))
            )
        return found


_ALL = 10_000  # projections × source partitions: far fewer


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
