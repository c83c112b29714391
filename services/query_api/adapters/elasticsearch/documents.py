"""One read model's index (through its alias): realtime get, refresh, point-in-time search."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from search_client import ApiError, AsyncElasticsearch, NotFoundError, TransportError

from ...domain.errors import SnapshotExpired
from .client import error_type, translated_errors

log = logging.getLogger(__name__)


class DocumentIndex:
    """`kind` names a document in messages and logs ("product", "order", "customer")."""

    def __init__(
        self,
        es: AsyncElasticsearch,
        alias: str,
        pit_keep_alive: str,
        kind: str = "document",
        rejections_index: str = "readside_rejections",
    ) -> None:
        self._es = es
        self._alias = alias
        self._keep_alive = pit_keep_alive
        self._kind = kind
        self._rejections = rejections_index

    async def get(self, doc_id: int) -> dict[str, Any] | None:
        """The stored document (realtime: no refresh needed), or None if there is none."""
        with translated_errors(f"get {self._kind}", self._alias):
            try:
                response = await self._es.get(index=self._alias, id=str(doc_id))
            except NotFoundError as exc:
                if error_type(exc) == "index_not_found_exception":
                    raise
                return None
        return dict(response["_source"])

    async def rejection(self, doc_id: int) -> dict[str, Any] | None:
        """The pipeline's note that a version of this document was refused for good (lsn, error), if any."""
        with translated_errors(f"get {self._kind} rejection", self._rejections):
            try:
                response = await self._es.get(index=self._rejections, id=f"{self._alias}/{doc_id}")
            except NotFoundError:  # none, or no document was ever refused (no index yet)
                return None
        return dict(response["_source"])

    async def refresh(self) -> None:
        """Make everything indexed so far searchable (a token read must see its write)."""
        with translated_errors(f"refresh {self._kind}s", self._alias):
            await self._es.indices.refresh(index=self._alias)

    async def open_snapshot(self) -> str:
        with translated_errors("open point in time", self._alias):
            response = await self._es.open_point_in_time(index=self._alias, keep_alive=self._keep_alive)
        return str(response["id"])

    async def close_snapshot(self, pit_id: str) -> None:
        """Best effort: an unclosed point in time expires on its own after the keep-alive."""
        try:
            await self._es.close_point_in_time(id=pit_id)
        except (ApiError, TransportError) as exc:
            log.info("could not close point in time (it will expire): %s", exc)

    async def search(self, body: dict[str, Any], pit_id: str | None) -> dict[str, Any]:
        """One page. With a point in time the index is not named: the snapshot decides."""
        with translated_errors(f"search {self._kind}s", self._alias, refusal_is_client_fault=True):
            if pit_id is None:
                response = await self._es.search(index=self._alias, body=body)
                return dict(response.body)
            try:
                response = await self._es.search(body={**body, "pit": {"id": pit_id, "keep_alive": self._keep_alive}})
            except NotFoundError as exc:  # search_context_missing: the snapshot expired
                raise SnapshotExpired(str(exc)) from exc
            return dict(response.body)

    async def get_many(self, doc_ids: Sequence[int], fields: Sequence[str]) -> dict[int, dict[str, Any]]:
        """`fields` of the stored documents among `doc_ids` (realtime multi-get); an id without a
        document is left out."""
        if not doc_ids:
            return {}
        with translated_errors(f"get {self._kind}s", self._alias):
            response = await self._es.mget(
                index=self._alias, ids=[str(i) for i in doc_ids], source_includes=list(fields)
            )
        found: dict[int, dict[str, Any]] = {}
        for doc in response["docs"]:
            if doc.get("error"):  # e.g. the index does not exist yet: the ids stay unknown
                log.warning("get %s %s failed: %s", self._kind, doc.get("_id"), doc["error"])
            elif doc.get("found"):
                found[int(doc["_id"])] = dict(doc.get("_source") or {})
        return found
