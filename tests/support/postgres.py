"""Postgres chores for tests that register throwaway connectors."""

from __future__ import annotations

import psycopg

from infra.polling import poll_until


def drop_replication_slot(dsn: str, slot: str) -> None:
    """The slot outlives its connector; drop it once the walsender has let go."""

    def dropped() -> bool:
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute("SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)).fetchone()
            if row is None:
                return True
            if not row[0]:
                conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
                return True
        return False

    poll_until(dropped, 30, f"replication slot {slot} to be released")
