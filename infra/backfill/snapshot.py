"""A consistent start for a backfill: the source tables as of one WAL position L, and a moment to act at L.

1. A second connection takes a SHARE lock on the source tables. It waits for the transactions writing
   them to end, and holds off new ones; readers are not blocked.
2. The reading connection (REPEATABLE READ, read only) then reads `pg_current_wal_lsn()`: its first
   statement, so its snapshot is taken here. Every change to those tables already committed is in it
   and has an LSN below L, and every later change will be written after the lock goes, above L.
3. While the lock is held, the caller does what must precede every change newer than L (the handover's
   floor). Then the lock is released: writers wait for that moment only, not for the backfill.
The reading connection keeps its snapshot until the caller is done with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import IsolationLevel, sql

AT_L = "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint, (extract(epoch FROM clock_timestamp()) * 1000)::bigint"


class SnapshotError(Exception):
    """The source tables could not be locked in time, or Postgres refused."""


@dataclass(frozen=True)
class Snapshot:
    lsn: int  # L: every change in the snapshot is older, every change after it newer
    ts_ms: int  # Postgres's clock at L
    conn: psycopg.Connection  # REPEATABLE READ, read only: queries see the tables as of L


@contextmanager
def snapshot_at_lsn(
    dsn: str, tables: Sequence[str], while_locked: Callable[[Snapshot], None], lock_timeout_s: float = 10.0
) -> Iterator[Snapshot]:
    try:
        with psycopg.connect(dsn) as reader, psycopg.connect(dsn) as locker:
            reader.isolation_level = IsolationLevel.REPEATABLE_READ
            reader.read_only = True
            with locker.transaction():
                locker.execute(
                    sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(f"{int(lock_timeout_s * 1000)}ms"))
                )
                locker.execute(
                    sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.SQL(", ").join(sql.Identifier(t) for t in tables))
                )
                lsn, ts_ms = reader.execute(AT_L).fetchone()  # type: ignore[misc]
                snapshot = Snapshot(lsn=lsn, ts_ms=ts_ms, conn=reader)
                while_locked(snapshot)
            yield snapshot
    except psycopg.errors.LockNotAvailable as exc:
        raise SnapshotError(
            f"could not lock {', '.join(tables)} within {lock_timeout_s:g} s: "
            f"a long write transaction holds them; try again"
        ) from exc
    except psycopg.OperationalError as exc:
        raise SnapshotError(f"Postgres: {exc}") from exc
