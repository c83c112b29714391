"""Customers in PostgreSQL: register, update, lock, and erase with their orders anonymised."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg import errors

from ..domain.errors import EmailTaken
from .database import update_row_statement

_UPDATABLE = frozenset({"email", "name", "country"})


def _raise_if_email_taken(exc: errors.UniqueViolation) -> None:
    if exc.diag.constraint_name == "customers_email_key":
        raise EmailTaken() from exc


class PostgresCustomers:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def add(self, email: str, name: str, country: str) -> int:
        try:
            row = self._conn.execute(
                "INSERT INTO customers (email, name, country) VALUES (%s, %s, %s) RETURNING id", (email, name, country)
            ).fetchone()
        except errors.UniqueViolation as exc:
            _raise_if_email_taken(exc)
            raise
        assert row is not None
        return int(row[0])

    def update(self, customer_id: int, changes: Mapping[str, Any]) -> bool:
        query = update_row_statement("customers", changes, _UPDATABLE)
        try:
            row = self._conn.execute(query, (*changes.values(), customer_id)).fetchone()
        except errors.UniqueViolation as exc:
            _raise_if_email_taken(exc)
            raise
        return row is not None

    def lock(self, customer_id: int) -> bool:
        """Exclusive: waits for orders being placed for this customer, blocks new ones."""
        return (
            self._conn.execute("SELECT 1 FROM customers WHERE id = %s FOR UPDATE", (customer_id,)).fetchone()
            is not None
        )

    def lock_as_buyer(self, customer_id: int) -> bool:
        """Shared with other orders and profile edits; only erasure has to wait for it."""
        return (
            self._conn.execute("SELECT 1 FROM customers WHERE id = %s FOR KEY SHARE", (customer_id,)).fetchone()
            is not None
        )

    def anonymise_orders(self, customer_id: int) -> None:
        # Explicit rather than left to ON DELETE SET NULL so updated_at moves as well.
        self._conn.execute(
            "UPDATE orders SET customer_id = NULL, updated_at = now() WHERE customer_id = %s", (customer_id,)
        )

    def delete(self, customer_id: int) -> None:
        self._conn.execute("DELETE FROM customers WHERE id = %s", (customer_id,))
