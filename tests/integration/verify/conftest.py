"""Verify integration fixtures: a throwaway migrated database holding a module's rows."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from services.write_api.adapters.migrations import migrate


@contextmanager
def migrated_database(admin_dsn: str, rows: str, params: Mapping[str, Any]) -> Iterator[str]:
    """A database of our own, so that nothing the stack captures or serves sees these rows;
    `rows` is SQL statements separated by ";" with %(name)s placeholders from `params`."""
    name = f"readside_verify_test_{secrets.token_hex(4)}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        db_dsn = make_conninfo(admin_dsn, dbname=name)
        migrate(db_dsn)
        with psycopg.connect(db_dsn) as conn:
            for statement in filter(str.strip, rows.split(";")):
                conn.execute(statement, params)
        yield db_dsn
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def as_indexed(docs: dict) -> dict:
    """The documents as the pipeline would index them: JSON, times as pydantic spells UTC ("…Z")."""

    def spell(value):
        return value.isoformat().replace("+00:00", "Z")

    return json.loads(json.dumps(docs, default=spell))
