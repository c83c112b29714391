"""Debezium's replication slot: how much WAL it holds back, and whether that is about to hurt.

A logical slot keeps every WAL segment its consumer has not confirmed. While Connect or its task is down,
the WAL grows; with `max_slot_wal_keep_size` Postgres drops ("loses") the slot past that bound instead of
filling its disk, and the changes between the last confirmed position and the loss are never captured.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import psycopg

from infra.registrar import load_connector_files
from infra.settings import StackSettings

GIB = 1024**3
UNBOUNDED_WARN_BYTES = 1 * GIB  # with no bound set, red past this much retained WAL


@dataclass(frozen=True)
class SlotState:
    name: str
    exists: bool
    active: bool = False
    wal_status: str | None = None  # reserved, extended, unreserved (about to be lost), lost
    retained_bytes: int | None = None  # current WAL position minus the slot's restart position
    limit_bytes: int | None = None  # max_slot_wal_keep_size; None when unbounded
    confirmed_lsn: str | None = None


@dataclass(frozen=True)
class SlotVerdict:
    level: str  # ok, warn, lost
    detail: str


def judge_slot(slot: SlotState, warn_fraction: float) -> SlotVerdict:
    """What an operator should know about the slot, most urgent first (pure)."""
    if not slot.exists:
        return SlotVerdict(
            "warn",
            f"no replication slot {slot.name}: the connector creates it when it first "
            "runs (`readside connectors apply`); until then nothing is captured",
        )
    if slot.wal_status == "lost":
        return SlotVerdict(
            "lost",
            f"Postgres invalidated slot {slot.name}: it retained more WAL than "
            "max_slot_wal_keep_size allows, so changes after its last confirmed position "
            f"({slot.confirmed_lsn}) were never captured. Recover: `readside slot reset --yes` "
            "(a new slot and a snapshot of every table), then `readside verify`",
        )
    retained = slot.retained_bytes or 0
    if slot.wal_status == "unreserved":
        return SlotVerdict(
            "warn",
            f"slot {slot.name} retains {_size(retained)}, past max_slot_wal_keep_size: "
            "Postgres drops it at the next checkpoint unless Connect catches up now",
        )
    threshold = UNBOUNDED_WARN_BYTES if slot.limit_bytes is None else slot.limit_bytes * warn_fraction
    if retained >= threshold:
        bound = (
            "no bound (max_slot_wal_keep_size=-1)"
            if slot.limit_bytes is None
            else f"the bound of {_size(slot.limit_bytes)}"
        )
        return SlotVerdict(
            "warn",
            f"slot {slot.name} retains {_size(retained)} of WAL against {bound}: nothing "
            "confirms the changes. Check that the connector task is RUNNING "
            "(`readside status`; `readside up` restarts a stopped Connect)",
        )
    activity = "active" if slot.active else "inactive (no connector attached)"
    return SlotVerdict("ok", f"{activity}, retains {_size(retained)}")


def _size(n: int) -> str:
    for unit, scale in (("GiB", GIB), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def slot_names(settings: StackSettings) -> list[str]:
    return sorted(
        {f.config["slot.name"] for f in load_connector_files(settings.connectors_dir) if "slot.name" in f.config}
    )


def read_slots(settings: StackSettings, password: str) -> list[SlotState]:
    """The state of every slot the connector files name (psycopg errors propagate to the caller)."""
    names = slot_names(settings)
    with psycopg.connect(settings.postgres_dsn(password), connect_timeout=2, autocommit=True) as conn:
        row = conn.execute("SELECT setting, unit FROM pg_settings WHERE name = 'max_slot_wal_keep_size'").fetchone()
        assert row is not None  # a setting since PostgreSQL 13
        setting, unit = row
        limit = None if int(setting) < 0 else int(setting) * _UNITS[unit]
        rows = {
            row[0]: row
            for row in conn.execute(
                "SELECT slot_name, active, wal_status, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint,"
                " confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ANY(%s)",
                (names,),
            )
        }
    return [
        SlotState(name, True, bool(r[1]), r[2], None if r[3] is None else int(r[3]), limit, r[4])
        if (r := rows.get(name))
        else SlotState(name, False, limit_bytes=limit)
        for name in names
    ]


_UNITS = {"kB": 1024, "MB": 1024**2, "GB": GIB, "TB": 1024**4, "8kB": 8192, None: 1, "": 1}


def slot_report(settings: StackSettings, password: str) -> list[dict]:
    """Each slot with its verdict, for `readside status` and the status page."""
    try:
        slots = read_slots(settings, password)
    except psycopg.Error as exc:
        return [
            {"name": name, "level": "unknown", "detail": f"Postgres unreachable: {exc}".splitlines()[0]}
            for name in slot_names(settings)
        ]
    return [{**asdict(slot), **asdict(judge_slot(slot, settings.slot_warn_fraction))} for slot in slots]
