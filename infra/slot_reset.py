"""`readside slot reset`: the recovery after Postgres invalidated Debezium's slot (or whenever the stream must
start over): a new slot and a new snapshot of every captured table.

Connect keeps the connector's source offsets (the LSN it confirmed) in its offsets topic; with them a new
slot would be read from a position Postgres no longer has. So: stop the connector, delete its offsets
(Kafka Connect 3.6+), drop the slot once nothing streams from it, resume. Debezium then finds no offsets,
takes its initial snapshot (every row, as `r` events) and streams from the new slot. The pipeline applies
the snapshot like any change (external versions make rows it already has no-ops). Rows deleted while the
slot was lost are not in a snapshot: `readside verify` names them, `readside backfill` removes them.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from infra.native.process import StackError
from infra.polling import DeadlineExceeded, poll_until
from infra.registrar import Registrar, load_connector_files
from infra.secrets import postgres_password
from infra.settings import StackSettings


def reset_slots(settings: StackSettings, say: Callable[[str], None]) -> list[str]:
    """Reset every connector that names a slot; returns the slots made anew."""
    registrar = Registrar(settings.connect_url, settings.connector_timeout_s, say)
    done = []
    for connector in load_connector_files(settings.connectors_dir):
        slot = connector.config.get("slot.name")
        if slot:
            _reset(settings, registrar, connector.name, slot, say)
            done.append(slot)
    return done


def _reset(settings: StackSettings, registrar: Registrar, name: str, slot: str, say: Callable[[str], None]) -> None:
    registrar.command("PUT", f"/connectors/{name}/stop", f"stopping connector {name}")
    _wait(
        lambda: (registrar.status(name) or {}).get("connector", {}).get("state") == "STOPPED",
        60,
        f"connector {name} to stop",
    )
    say(f"connector {name}: stopped")
    registrar.command("DELETE", f"/connectors/{name}/offsets", f"deleting the offsets of {name}")
    say(f"connector {name}: source offsets deleted")
    with psycopg.connect(settings.postgres_dsn(postgres_password(settings)), autocommit=True) as conn:

        def inactive() -> bool:
            row = conn.execute("SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)).fetchone()
            return row is None or not row[0]

        _wait(inactive, 60, f"slot {slot} to be released by the stopped connector")
        conn.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s", (slot,)
        )
    say(f"slot {slot}: dropped")
    registrar.command("PUT", f"/connectors/{name}/resume", f"resuming connector {name}")
    registrar.wait_running(name)
    say(f"connector {name}: RUNNING on a new slot {slot}; its snapshot of every table is streaming")


def _wait(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    try:
        poll_until(check, timeout_s, what, 0.3)
    except DeadlineExceeded as exc:
        raise StackError(str(exc)) from None
