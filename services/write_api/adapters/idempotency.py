"""Idempotency keys in PostgreSQL: claim a key, store the answer, attach the token later; purge old ones."""

from __future__ import annotations

from datetime import timedelta

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from ..service_layer.idempotency import Answer, IdempotencyKeyReused


class PostgresIdempotencyKeys:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def claim(self, key: str, fingerprint: str) -> Answer | None:
        """None if this transaction now owns the key; otherwise the first request's answer.

        A concurrent first request holding the key makes the INSERT wait for its outcome:
        on its commit we read its answer, on its rollback we become the first request.
        """
        inserted = self._conn.execute(
            "INSERT INTO idempotency_keys (key, fingerprint) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING RETURNING 1",
            (key, fingerprint),
        ).fetchone()
        if inserted is not None:
            return None
        row = self._conn.execute(
            "SELECT fingerprint, response_status, response_body, consistency_token "
            "FROM idempotency_keys WHERE key = %s",
            (key,),
        ).fetchone()
        if row is None or row[1] is None:  # cannot happen: both are written before COMMIT
            raise RuntimeError(f"idempotency key row for {key!r} is missing its answer")
        stored_fingerprint, status, body, token = row
        if stored_fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        return Answer(status=status, body=body, consistency_token=token)

    def record(self, key: str, answer: Answer) -> None:
        self._conn.execute(
            "UPDATE idempotency_keys SET response_status = %s, response_body = %s WHERE key = %s",
            (answer.status, Jsonb(dict(answer.body)), key),
        )

    def attach_token(self, key: str, token: str) -> None:
        self._conn.execute("UPDATE idempotency_keys SET consistency_token = %s WHERE key = %s", (token, key))


def purge_idempotency_keys(pool: ConnectionPool, older_than: timedelta, batch: int = 5_000) -> int:
    """Delete the answered keys created more than `older_than` ago, `batch` rows per transaction (short
    locks, bounded WAL per commit); how many. A retry after that gets no replay: the command runs again."""
    purged = 0
    while True:
        with pool.connection() as conn:
            deleted = conn.execute(
                "DELETE FROM idempotency_keys WHERE key IN (SELECT key FROM idempotency_keys "
                "WHERE created_at < now() - %s AND response_status IS NOT NULL LIMIT %s)",
                (older_than, batch),
            ).rowcount
        purged += deleted
        if deleted < batch:
            return purged
