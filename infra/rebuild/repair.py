"""`readside verify --repair`: re-index exactly the documents `verify` found different, from Postgres.

The documents are read from a snapshot at LSN L (the backfill's, with its brief lock) and written with
version L, `external_gte`: every change applied so far has an LSN below L, so the repair replaces what
the index holds, and a change newer than L that the stream writes meanwhile wins over it. A document
Postgres no longer has is deleted at version L. While a rebuild is around, every index of the alias's
shadow set is repaired, as the worker writes them all. What the repair cannot mend is the worker's own
state, if that drifted too: the next change to the document renders it from that state again (a
`readside rebuild` of the model does not depend on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from infra.backfill.snapshot import snapshot_at_lsn
from infra.rebuild.runner import Indices
from infra.rebuild.targets import RebuildTarget
from infra.verify.diff import ModelDiff
from search_client import helpers, sync_client


@dataclass
class RepairReport:
    model: str
    lsn: int = 0
    indexed: int = 0  # documents (each in every index of the shadow set, if there is one)
    deleted: int = 0
    newer: int = 0  # the stream had written a newer version meanwhile: left as it is
    failed: list[str] | None = None


def differing_ids(diff: ModelDiff) -> list[str]:
    """Pure: every id the diff names, once."""
    return sorted({*diff.missing, *diff.extra, *(f.doc_id for f in diff.fields)})


def repair(
    target: RebuildTarget, diff: ModelDiff, dsn: str, es_url: str, engine: str = "elasticsearch"
) -> RepairReport:
    report = RepairReport(target.alias)
    ids = differing_ids(diff)
    if not ids:
        return report
    with (
        sync_client(engine, es_url, request_timeout=60) as es,
        snapshot_at_lsn(dsn, target.tables, lambda _: None) as at,
    ):
        params = {"lsn": at.lsn, "ts_ms": at.ts_ms, "indexed_at": datetime.now(UTC).isoformat(), "ids": ids}
        rows = at.conn.execute(f"SELECT * FROM ({target.documents_sql}) r WHERE r.id::text = ANY(%(ids)s)", params)
        documents = {str(doc_id): body for doc_id, body in rows}
        report.lsn = at.lsn
        indices = Indices(es, target.alias).shadow_set() or [target.alias]  # where the worker writes
        actions = [
            {
                "_op_type": "index",
                "_index": index,
                "_id": doc_id,
                "version": at.lsn,
                "version_type": "external_gte",
                "_source": documents[doc_id],
            }
            if doc_id in documents
            else {
                "_op_type": "delete",
                "_index": index,
                "_id": doc_id,
                "version": at.lsn,
                "version_type": "external_gte",
            }
            for index in indices
            for doc_id in ids
        ]
        indexed, deleted, newer, failed = set(), set(), set(), []
        for ok, item in helpers.streaming_bulk(es, actions, raise_on_error=False, max_retries=5, refresh="wait_for"):
            op, result = next(iter(item.items()))
            doc_id, status = result.get("_id"), result.get("status")
            if op == "delete" and (ok or status == 404):  # 404: that index did not hold it either
                deleted.add(doc_id)
            elif ok:
                indexed.add(doc_id)
            elif status == 409:
                newer.add(doc_id)
            else:
                failed.append(f"{doc_id} in {result.get('_index')}: {status} {result.get('error')}")
        report.indexed, report.deleted, report.newer = len(indexed), len(deleted), len(newer)
        report.failed = failed
    return report
