"""Applies the SQL files in schemas/migrations in order, once each, and remembers them.

Each file runs in its own transaction together with its row in `schema_migrations`, so a
failing file leaves neither half-applied DDL nor a record. A session advisory lock keeps two
runners (say the CLI and a test session) from applying the same file twice.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import psycopg

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[3] / "schemas" / "migrations"
_FILE_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")
# Arbitrary but fixed: every runner against one database must agree on it.
_ADVISORY_LOCK_ID = 0x7265_6164_7369_6465  # "readside" in ASCII, fits a signed bigint

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name       text PRIMARY KEY,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


class MigrationError(RuntimeError):
    """The migrations on disk and the ones recorded in the database disagree."""


def migrate(dsn: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations in name order; return the names applied (empty if none)."""
    files = _migration_files(directory)
    applied_now: list[str] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_LOCK_ID,))
        try:
            conn.execute(_CREATE_LEDGER)
            recorded: dict[str, str] = dict(conn.execute("SELECT name, checksum FROM schema_migrations"))
            _refuse_edited(files, recorded)
            for path in files:
                if path.name in recorded:
                    continue
                _apply(conn, path)
                applied_now.append(path.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK_ID,))
    return applied_now


def _migration_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise MigrationError(f"migrations directory {directory} does not exist")
    files = sorted(p for p in directory.iterdir() if p.suffix == ".sql")
    misnamed = [p.name for p in files if not _FILE_NAME.fullmatch(p.name)]
    if misnamed:
        raise MigrationError(f"migration files must be named NNNN_snake_case.sql: {misnamed}")
    numbers = [p.name[:4] for p in files]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise MigrationError(f"two migration files share the number(s) {duplicates}")
    return files


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refuse_edited(files: list[Path], recorded: dict[str, str]) -> None:
    for path in files:
        if path.name in recorded and recorded[path.name] != _checksum(path):
            raise MigrationError(
                f"migration {path.name} changed after it was applied (recorded sha256 "
                f"{recorded[path.name][:12]}…, file {_checksum(path)[:12]}…). Restore the "
                f"file and put the change in a new migration."
            )
    on_disk = {p.name for p in files}
    # Recorded but missing is not fatal (an older checkout); it is worth a line in the log.
    for name in sorted(set(recorded) - on_disk):
        log.warning("migration %s is recorded in the database but not on disk", name)


def _apply(conn: psycopg.Connection, path: Path) -> None:
    log.info("applying migration %s", path.name)
    # No parameters: psycopg sends the file as one simple query, so it may hold many statements.
    with conn.transaction():
        conn.execute(path.read_text(encoding="utf-8").encode("utf-8"))
        conn.execute("INSERT INTO schema_migrations (name, checksum) VALUES (%s, %s)", (path.name, _checksum(path)))
