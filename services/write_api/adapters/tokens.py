"""Any writer's consistency token, for writes the write API did not make (docs/read-models.md): read on the
connection that committed, right after its COMMIT. The SQL function `readside_consistency_token()`
(schemas/migrations/0005) gives the same string inside Postgres."""

from __future__ import annotations

import psycopg

from services.write_api.domain.consistency import encode_token

WAL_POSITION_SQL = "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"  # numeric bytes since 0/0: the whole 64 bits


def wal_position(conn: psycopg.Connection) -> int:
    """The server's current WAL write position as an integer LSN."""
    row = conn.execute(WAL_POSITION_SQL).fetchone()
    assert row is not None
    return int(row[0])


def consistency_token(conn: psycopg.Connection) -> str:
    """The token of everything `conn` has committed: pass it as X-Consistency-Token to any read. Call it after
    the commit, outside a transaction."""
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise RuntimeError("read the consistency token after COMMIT, not inside the transaction it should cover")
    return encode_token(wal_position(conn))
