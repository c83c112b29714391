"""`readside rebuild`: a read model built anew into a versioned index behind its alias, with no downtime.

1. A new index `<mapping name>-<UTC time>` is created from the mapping in schemas/ (no refresh and no
   replica while it fills), and joins the alias's shadow set with the live index: the worker writes every
   document to both from the moment it reads the `ShadowChanged` message (pipelines/core/targets.py).
2. A snapshot of the source tables at LSN L (infra/backfill/snapshot.py). The message goes to every
   partition of the projection's internal topic while writers wait, so it precedes every change newer
   than L: the stream writes those to the new index, the snapshot writes the rest, and external versions
   make the order of the two irrelevant. Deletes the stream makes meanwhile leave tombstones that outlive
   the fill (`index.gc_deletes`), so a snapshot row cannot bring a deleted document back.
3. Every document of the snapshot is bulk-indexed into the new index with version L; then its settings
   come back to the mapping's, and it is refreshed.
4. The alias moves to the new index in one atomic call. The old index stays in the shadow set, so it
   keeps every change and `--rollback` can move the alias back to it at any time.
The live alias is never touched before step 4. A rebuild killed before it leaves its index in the shadow
set, marked unfinished; the next run drops it and starts over, as it drops the previous version it keeps
for rollback (one is kept). Leaving the shadow set waits until the worker has read the message that
says so; only then is the index deleted (a write to a deleted index would create it again).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from infra.backfill.handover import HandoverChannel
from infra.backfill.runner import BackfillReport, index_snapshot
from infra.backfill.snapshot import Snapshot, snapshot_at_lsn
from infra.rebuild.targets import RebuildTarget
from pipelines.core.targets import ShadowChanged, shadow_alias
from pipelines.settings import PipelineSettings
from search_client import Elasticsearch, NotFoundError, sync_client

# While an index fills: no refresh, no replica (one is built from the full index afterwards, if the mapping's
# auto_expand_replicas finds a second node), and tombstones that outlive the fill.
FILLING = {"refresh_interval": "-1", "auto_expand_replicas": "false", "number_of_replicas": 0, "gc_deletes": "12h"}
READ_WAIT_S = 300.0


class RebuildError(Exception):
    """The stack is not in a state a rebuild can start from, or a step failed."""


@dataclass
class RebuildReport:
    index: str = ""
    replaced: str = ""
    lsn: int = 0
    documents: int = 0
    lock_s: float = 0.0
    index_s: float = 0.0
    total_s: float = 0.0

    @property
    def rate(self) -> float:
        return self.documents / self.index_s if self.index_s else 0.0


class Indices:
    """The alias, its shadow set and the rebuild's marks on an index, as Elasticsearch holds them."""

    def __init__(self, es: Elasticsearch, alias: str) -> None:
        self.es = es
        self.alias = alias
        self.shadow = shadow_alias(alias)

    def live(self) -> str:
        try:
            found = sorted(self.es.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            raise RebuildError(f"alias {self.alias} does not exist: start the stack first (`readside up`)") from None
        if len(found) != 1:
            raise RebuildError(f"alias {self.alias} points at {found}, expected one index")
        return found[0]

    def shadow_set(self) -> list[str]:
        try:
            return sorted(self.es.indices.get_alias(name=self.shadow).body)
        except NotFoundError:
            return []

    def finished(self, index: str) -> bool:
        meta = self.es.indices.get_mapping(index=index)[index]["mappings"].get("_meta") or {}
        return bool((meta.get("readside") or {}).get("finished", True))

    def create(self, index: str, mapping: dict) -> None:
        settings = {**(mapping.get("settings") or {}), **FILLING}
        mappings = {**mapping.get("mappings", {}), "_meta": {"readside": {"alias": self.alias, "finished": False}}}
        self.es.indices.create(index=index, settings=settings, mappings=mappings)

    def finish(self, index: str, mapping: dict) -> None:
        own = mapping.get("settings") or {}
        self.es.indices.put_settings(index=index, settings={key: own.get(key) for key in FILLING})
        self.es.indices.put_mapping(index=index, meta={"readside": {"alias": self.alias, "finished": True}})
        self.es.indices.refresh(index=index)

    def switch(self, old: str, new: str) -> None:
        """Reads move from `old` to `new` in one atomic call."""
        self.update([{"remove": {"index": old, "alias": self.alias}}, {"add": {"index": new, "alias": self.alias}}])

    def update(self, actions: list[dict]) -> None:
        self.es.indices.update_aliases(actions=actions)


def rebuild(target: RebuildTarget, dsn: str, settings: PipelineSettings, say: Callable[[str], Any]) -> RebuildReport:
    report = RebuildReport()
    began = time.monotonic()
    mapping = json.loads(target.mapping.read_text())
    with (
        sync_client(settings.search_engine, settings.elasticsearch_url, request_timeout=120) as es,
        HandoverChannel(settings.kafka_bootstrap, target.changes_topic) as channel,
    ):
        indices = Indices(es, target.alias)
        live = indices.live()
        for other in indices.shadow_set():
            if other != live:
                what = "the previous version" if indices.finished(other) else "an unfinished rebuild"
                say(f"dropping {other} ({what})")
                _retire(indices, channel, settings, other, live, say)
        report.index, report.replaced = _new_name(target.versioned, live), live
        indices.create(report.index, mapping)
        indices.update(
            [
                {"add": {"index": live, "alias": indices.shadow}},
                {"add": {"index": report.index, "alias": indices.shadow}},
            ]
        )
        say(f"created {report.index}; the worker writes {target.alias}'s documents to it and to {live}")
        locked_at = [0.0]

        def while_locked(snapshot: Snapshot) -> None:
            locked_at[0] = time.monotonic()
            channel.send(ShadowChanged(alias=target.alias))

        with snapshot_at_lsn(dsn, target.tables, while_locked) as snapshot:
            filled_from = time.monotonic()
            report.lsn, report.lock_s = snapshot.lsn, filled_from - locked_at[0]
            say(f"snapshot at LSN {snapshot.lsn} (writers waited {report.lock_s * 1000:.0f} ms); indexing")
            counts = BackfillReport()
            index_snapshot(es, target.documents_sql, report.index, snapshot, counts, say)
        report.documents = counts.documents
        indices.finish(report.index, mapping)
        report.index_s = time.monotonic() - filled_from
        indices.switch(live, report.index)
    report.total_s = time.monotonic() - began
    return report


def rollback(target: RebuildTarget, settings: PipelineSettings) -> tuple[str, str]:
    """Move the alias back to the version a rebuild replaced; returns (from, to)."""
    with sync_client(settings.search_engine, settings.elasticsearch_url, request_timeout=60) as es:
        indices = Indices(es, target.alias)
        live = indices.live()
        previous = [index for index in indices.shadow_set() if index != live and indices.finished(index)]
        if not previous:
            raise RebuildError(
                f"no previous version of {target.alias} is kept: a rebuild keeps the one it "
                f"replaced until the next rebuild or `readside rebuild --drop-previous`"
            )
        indices.switch(live, previous[0])
        return live, previous[0]


def drop_previous(target: RebuildTarget, settings: PipelineSettings, say: Callable[[str], Any]) -> list[str]:
    """Delete every index of the alias's shadow set but the live one; the worker then writes to the alias alone."""
    with (
        sync_client(settings.search_engine, settings.elasticsearch_url, request_timeout=60) as es,
        HandoverChannel(settings.kafka_bootstrap, target.changes_topic) as channel,
    ):
        indices = Indices(es, target.alias)
        live = indices.live()
        dropped = [index for index in indices.shadow_set() if index != live]
        for index in dropped:
            _retire(indices, channel, settings, index, live, say)
        if indices.shadow_set() == [live]:
            indices.update([{"remove": {"index": live, "alias": indices.shadow}}])
            channel.send(ShadowChanged(alias=target.alias))
        return dropped


def _retire(
    indices: Indices,
    channel: HandoverChannel,
    settings: PipelineSettings,
    index: str,
    live: str,
    say: Callable[[str], Any],
) -> None:
    """Take `index` out of the shadow set, wait until the worker has read that, then delete it."""
    indices.update([{"remove": {"index": index, "alias": indices.shadow}}])
    sent = channel.send(ShadowChanged(alias=indices.alias))
    channel.wait_read(settings.pipeline_app_id, sent, READ_WAIT_S, say)
    indices.es.indices.delete(index=index)
    say(f"deleted {index}; {indices.alias} stays on {live}")


def _new_name(versioned: str, live: str) -> str:
    name = f"{versioned}-{datetime.now(UTC):%Y%m%d%H%M%S}"
    return name if name != live else f"{name}-2"
