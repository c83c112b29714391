"""The unit of work over a pooled psycopg connection, translating database failures for the dispatcher.

Failures leave here as service-layer exceptions: connection trouble as DatabaseUnavailable
(the client may retry), aborted transactions as RetryableConflict (the dispatcher retries), and any
other database error as DatabaseError, a bug that the edge logs and reports without a trace.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from types import TracebackType

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from ..service_layer.unit_of_work import DatabaseError, DatabaseUnavailable, RetryableConflict
from .customers import PostgresCustomers
from .idempotency import PostgresIdempotencyKeys
from .orders import PostgresOrders
from .products import PostgresProducts
from .tokens import wal_position


@contextmanager
def translated_errors() -> Iterator[None]:
    try:
        yield
    except psycopg.Error as exc:
        # SQLSTATE class 40 (deadlock_detected, serialization_failure, …) means the server
        # rolled the transaction back; psycopg files only some of them under TransactionRollback.
        if (exc.sqlstate or "").startswith("40"):
            raise RetryableConflict(str(exc)) from exc
        if isinstance(exc, (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError)):
            raise DatabaseUnavailable(str(exc)) from exc
        raise DatabaseError(f"{type(exc).__name__}: {exc}") from exc


class PostgresUnitOfWork:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._stack = ExitStack()

    def __enter__(self) -> PostgresUnitOfWork:
        with translated_errors():
            self._conn = self._stack.enter_context(self._pool.connection())
        self.customers = PostgresCustomers(self._conn)
        self.products = PostgresProducts(self._conn)
        self.orders = PostgresOrders(self._conn)
        self.idempotency = PostgresIdempotencyKeys(self._conn)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # The pool rolls back anything left open and discards a broken connection.
        self._stack.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with translated_errors(), self._conn.transaction():
            yield

    def wal_position(self) -> int:
        """The server's current WAL write position as an integer LSN."""
        with translated_errors():
            return wal_position(self._conn)
