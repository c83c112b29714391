"""Ports the handlers depend on: one unit of work per command and the repositories it holds.

Adapters implement these with PostgreSQL (services/write_api/adapters). Row-lock methods are
named `lock_*`: they hold the rows until the transaction ends, and callers that lock several
rows of one table pass all ids at once so the adapter can lock them in a fixed order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any, Protocol

from ..domain.model import Order, OrderLine, ProductForSale
from .idempotency import Answer


class DatabaseUnavailable(Exception):
    """The database could not be reached or dropped the connection; the client may retry."""


class RetryableConflict(Exception):
    """The database aborted the transaction (deadlock, serialization); running it again is safe."""


class DatabaseError(Exception):
    """The database refused a statement the service layer thought valid: a bug to look into."""


class Customers(Protocol):
    def add(self, email: str, name: str, country: str) -> int: ...
    def update(self, customer_id: int, changes: Mapping[str, Any]) -> bool: ...
    def lock(self, customer_id: int) -> bool: ...
    def lock_as_buyer(self, customer_id: int) -> bool: ...
    def anonymise_orders(self, customer_id: int) -> None: ...
    def delete(self, customer_id: int) -> None: ...


class Products(Protocol):
    def add(
        self,
        sku: str,
        name: str,
        description: str,
        category: str,
        price: Decimal,
        initial_stock: int,
        brand: str | None = None,
    ) -> int: ...
    def update(self, product_id: int, changes: Mapping[str, Any]) -> bool: ...
    def lock(self, product_id: int) -> bool: ...
    def lock_for_sale(self, product_ids: Sequence[int]) -> dict[int, ProductForSale]: ...
    def lock_stock(self, product_ids: Sequence[int]) -> dict[int, int]: ...
    def set_stock(self, levels: Mapping[int, int]) -> None: ...
    def has_been_ordered(self, product_id: int) -> bool: ...
    def delete(self, product_id: int) -> None: ...


class Orders(Protocol):
    def add(self, customer_id: int, lines: Sequence[OrderLine]) -> int: ...
    def lock(self, order_id: int) -> Order | None: ...
    def save_status(self, order: Order) -> None: ...


class IdempotencyKeys(Protocol):
    def claim(self, key: str, fingerprint: str) -> Answer | None: ...
    def record(self, key: str, answer: Answer) -> None: ...
    def attach_token(self, key: str, token: str) -> None: ...


class UnitOfWork(Protocol):
    """One leased connection. `transaction()` is BEGIN…COMMIT (nested: a savepoint) and rolls
    back on any exception; `wal_position()` is meant for right after the outer COMMIT."""

    # Read-only for the handlers: an adapter may hold its own repository classes.
    @property
    def customers(self) -> Customers: ...
    @property
    def products(self) -> Products: ...
    @property
    def orders(self) -> Orders: ...
    @property
    def idempotency(self) -> IdempotencyKeys: ...

    def transaction(self) -> AbstractContextManager[None]: ...
    def wal_position(self) -> int: ...


UnitOfWorkFactory = Callable[[], AbstractContextManager[UnitOfWork]]
