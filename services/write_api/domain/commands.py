"""Commands the write API accepts: imperative, immutable, already validated at the edge."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, ClassVar


class Command:
    """Marker base; the command dispatcher routes on the concrete type."""


class Patch(Command):
    """A command that changes only the fields it carries; None means "leave as is"."""

    key_fields: ClassVar[tuple[str, ...]] = ()

    def changes(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)  # type: ignore[arg-type]
            if f.name not in self.key_fields and getattr(self, f.name) is not None
        }


@dataclass(frozen=True)
class RegisterCustomer(Command):
    email: str
    name: str
    country: str


@dataclass(frozen=True)
class UpdateCustomer(Patch):
    customer_id: int
    email: str | None = None
    name: str | None = None
    country: str | None = None
    key_fields: ClassVar[tuple[str, ...]] = ("customer_id",)


@dataclass(frozen=True)
class EraseCustomer(Command):
    customer_id: int


@dataclass(frozen=True)
class AddProduct(Command):
    sku: str
    name: str
    category: str
    price: Decimal
    description: str = ""
    initial_stock: int = 0
    brand: str | None = None


@dataclass(frozen=True)
class UpdateProduct(Patch):
    product_id: int
    name: str | None = None
    description: str | None = None
    category: str | None = None
    brand: str | None = None
    price: Decimal | None = None
    active: bool | None = None
    key_fields: ClassVar[tuple[str, ...]] = ("product_id",)


@dataclass(frozen=True)
class AdjustStock(Command):
    product_id: int
    delta: int


@dataclass(frozen=True)
class DeleteProduct(Command):
    product_id: int


@dataclass(frozen=True)
class OrderItem:
    product_id: int
    quantity: int


@dataclass(frozen=True)
class PlaceOrder(Command):
    customer_id: int
    items: tuple[OrderItem, ...]


@dataclass(frozen=True)
class PayOrder(Command):
    order_id: int


@dataclass(frozen=True)
class ShipOrder(Command):
    order_id: int


@dataclass(frozen=True)
class CancelOrder(Command):
    order_id: int
