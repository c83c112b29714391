"""Elasticsearch client and index management: versioned indices from schemas/, behind aliases."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

from pipelines.core.targets import shadow_alias
from search_client import (
    AsyncElasticsearch,
    BadRequestError,
    ConnectionError as EsConnectionError,
    NotFoundError,
    async_client,
)

log = logging.getLogger(__name__)

# Index settings that may change on a live index; the rest (shards, analysis) only at creation.
# auto_expand_replicas "0-1": a replica once a second node runs, none on one node (which stays green).
_DYNAMIC_SETTINGS = ("refresh_interval", "number_of_replicas", "auto_expand_replicas")


def create_client(url: str, engine: str = "elasticsearch") -> AsyncElasticsearch:
    # Retries are the sink's job (tenacity, per item); the client's own would double them. A node that failed is
    # tried again after at most a second (the default grows to 30 s: after a restart of Elasticsearch the worker
    # would sit idle that long).
    return async_client(
        engine, [url], max_retries=0, request_timeout=30, dead_node_backoff_factor=0.25, max_dead_node_backoff=1.0
    )


async def wait_for_cluster(client: AsyncElasticsearch, timeout_s: float) -> None:
    """Wait until the cluster answers health (GET / is missing on the integ-test distribution)."""
    async for attempt in AsyncRetrying(
        stop=stop_after_delay(timeout_s),
        reraise=True,
        wait=wait_exponential(multiplier=0.2, max=5),
        retry=retry_if_exception_type(EsConnectionError),
    ):
        with attempt:
            await client.cluster.health(wait_for_status="yellow", timeout="30s")


async def ensure_index(client: AsyncElasticsearch, index: str, alias: str | None, schema: Path) -> None:
    """Create `index` from its schema file unless it exists, then point `alias` at it if the alias is free.

    Idempotent, and safe when several workers start at once. An alias that already points elsewhere (an
    older mapping version, or a rebuild's index) is left there: `readside rebuild` moves it. The schema's
    new fields are added to the index it points at (and to a rebuild's shadow set), so documents that carry
    them are taken at once; the documents written before get them from the rebuild.
    """
    body = json.loads(schema.read_text())
    if alias and await client.indices.exists_alias(name=alias):
        current = set(await client.indices.get_alias(name=alias))
        try:
            current |= set(await client.indices.get_alias(name=shadow_alias(alias)))
        except NotFoundError:
            pass
        for live in sorted(current):
            try:
                await _update_live_index(client, live, body)
            except BadRequestError as exc:
                log.warning(
                    "%s cannot take the mapping of %s as it is (%s): writes may be refused until "
                    "`readside rebuild` builds it anew",
                    live,
                    schema.name,
                    exc.message,
                )
        if index not in current:
            log.info("alias %s points at %s, not %s: left as it is", alias, sorted(current), index)
        return
    if not await client.indices.exists(index=index):
        try:
            await client.indices.create(index=index, settings=body.get("settings"), mappings=body.get("mappings"))
            log.info("created index %s from %s", index, schema.name)
        except BadRequestError as exc:
            if exc.error != "resource_already_exists_exception":
                raise
    else:
        await _update_live_index(client, index, body)
    if alias:
        if await client.indices.exists(index=alias):
            raise RuntimeError(
                f"{alias!r} is a concrete index, so it cannot be an alias of {index!r}: "
                f"reindex or delete it, or set another alias name"
            )
        await client.indices.update_aliases(actions=[{"add": {"index": index, "alias": alias}}])
        log.info("alias %s -> %s", alias, index)


async def _update_live_index(client: AsyncElasticsearch, index: str, body: dict) -> None:
    """Bring dynamic settings and (additive) mappings of an existing index up to its schema file."""
    settings = {k: v for k, v in (body.get("settings") or {}).items() if k in _DYNAMIC_SETTINGS}
    if settings:
        await client.indices.put_settings(index=index, settings=settings)
    mappings = body.get("mappings") or {}
    if mappings.get("properties"):
        await client.indices.put_mapping(index=index, properties=mappings["properties"])
