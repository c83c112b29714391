"""Documents straight from Postgres: the SQL `readside verify` trusts, stamped with a snapshot's version.

A verify query returns one row per document, its columns the document's fields (and `id`, its _id). A
backfill or a rebuild turns each row into the document's JSON, stamped like the worker stamps its own:
`source_lsn` and `source_ts_ms` are the snapshot's (L and Postgres's clock at L), `indexed_at` is now.
"""

from __future__ import annotations


def documents_sql(expected_sql: str, drop: tuple[str, ...] = ()) -> str:
    """(id, document JSON) rows; parameters lsn, ts_ms, indexed_at. `drop`: columns that are not fields of the
    document (the sales buckets' id "<day>|<key>" is only their _id).

    Without `drop` the row's JSON text gets the stamps appended as text: about half of Postgres's work of
    building, merging and printing a jsonb per row, which bounds a rebuild of orders on a small machine."""
    stamps = (
        "',\"source_lsn\":' || %(lsn)s::bigint || ',\"source_ts_ms\":' || %(ts_ms)s::bigint || "
        "',\"indexed_at\":\"' || %(indexed_at)s::text || '\"}'"
    )
    fields = "row_to_json(d)" if not drop else "(to_jsonb(d)" + "".join(f" - '{column}'" for column in drop) + ")"
    return f"""
SELECT d.id, left({fields}::text, -1) || {stamps}
FROM ({expected_sql}) d
"""
