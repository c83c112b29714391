"""The connection pool: waiting for PostgreSQL at start-up, session settings, health probe."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg import IsolationLevel, sql
from psycopg_pool import ConnectionPool, PoolTimeout
from tenacity import Retrying, before_sleep_log, retry_if_exception_type, stop_after_delay, wait_exponential

log = logging.getLogger(__name__)


def wait_for_database(dsn: str, timeout_s: float) -> None:
    """Block until PostgreSQL accepts a connection, or raise its last error after timeout_s."""
    retrying = Retrying(
        retry=retry_if_exception_type(psycopg.OperationalError),
        stop=stop_after_delay(timeout_s),
        wait=wait_exponential(multiplier=0.1, max=2.0),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    )
    for attempt in retrying:
        with attempt:
            with psycopg.connect(dsn, connect_timeout=max(1, int(min(timeout_s, 5)))) as conn:
                conn.execute("SELECT 1")


def _configure(conn: psycopg.Connection) -> None:
    # The handlers' locking relies on READ COMMITTED re-reading a row after waiting for its
    # lock, whatever default_transaction_isolation the database was given.
    conn.isolation_level = IsolationLevel.READ_COMMITTED
    # Consistency tokens read pg_current_wal_lsn() after COMMIT and rely on the commit record
    # being written by then; with synchronous_commit=off it may not be. 'local' restores that
    # for our sessions only and is left alone when the server asks for more (on, remote_*).
    setting = conn.execute("SELECT current_setting('synchronous_commit')").fetchone()
    if setting is not None and setting[0] == "off":
        conn.execute("SET synchronous_commit TO local")


def open_pool(dsn: str, min_size: int, max_size: int, timeout_s: float) -> ConnectionPool:
    """An open pool of autocommit connections; transactions are explicit blocks."""
    pool = ConnectionPool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        timeout=timeout_s,
        kwargs={"autocommit": True},
        configure=_configure,
        # One round trip per lease buys a clean 503-then-recovery after a
        # database restart instead of failing requests on dead connections.
        check=ConnectionPool.check_connection,
        name="write_api",
        open=False,
    )
    pool.open(wait=True, timeout=timeout_s)
    return pool


def database_reachable(pool: ConnectionPool, timeout_s: float) -> bool:
    """True if a pooled connection answers a trivial query within timeout_s."""
    try:
        with pool.connection(timeout=timeout_s) as conn:
            conn.execute("SELECT 1")
        return True
    except (psycopg.Error, PoolTimeout) as exc:
        log.warning("database health check failed: %s", exc)
        return False


def update_row_statement(table: str, changes: Mapping[str, Any], updatable: frozenset[str]) -> sql.Composed:
    """`UPDATE <table> SET <changed columns>, updated_at = now() WHERE id = %s RETURNING id`, columns allow-listed."""
    unknown = set(changes) - updatable
    if unknown:
        raise ValueError(f"not updatable on {table}: {sorted(unknown)}")
    assignments = [sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder()) for column in changes]
    return sql.SQL("UPDATE {} SET {}, updated_at = now() WHERE id = %s RETURNING id").format(
        sql.Identifier(table), sql.SQL(", ").join(assignments)
    )
