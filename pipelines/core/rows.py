"""Source rows as Debezium captures them (schemas/migrations/*.sql), and their envelope types per table."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from pipelines.core.envelope import Envelope

_ROW = ConfigDict(extra="ignore", frozen=True)


class ProductRow(BaseModel):
    model_config = _ROW
    id: int
    sku: str
    name: str
    description: str = ""
    category: str
    brand: str | None = None  # since migration 0004; absent from events captured before it
    price: Decimal  # numeric(12,2), captured as the exact string "19.90"
    active: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None


class InventoryRow(BaseModel):
    # REPLICA IDENTITY DEFAULT: a delete's `before` carries the key and zero values for the rest.
    model_config = _ROW
    product_id: int
    on_hand: int
    updated_at: datetime | None = None


class OrderRow(BaseModel):
    model_config = _ROW
    id: int
    customer_id: int | None = None
    status: str
    placed_at: datetime
    updated_at: datetime | None = None


class OrderItemRow(BaseModel):
    model_config = _ROW
    order_id: int
    line_no: int
    product_id: int
    quantity: int
    unit_price: Decimal


class CustomerRow(BaseModel):
    # REPLICA IDENTITY DEFAULT: a delete's `before` carries the id and empty values for the rest,
    # so an erasure's delete event holds no personal data.
    model_config = _ROW
    id: int
    email: str = ""
    name: str = ""
    country: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None


class HeartbeatRow(BaseModel):
    model_config = _ROW
    id: int
    beat_at: datetime | None = None


class AnyRow(BaseModel):
    """A row of a table no hand-written stage reads (a declared model's, models/): every column as captured."""

    model_config = ConfigDict(extra="allow", frozen=True)


ENVELOPES: dict[str, type[Envelope]] = {
    "products": Envelope[ProductRow],
    "inventory": Envelope[InventoryRow],
    "orders": Envelope[OrderRow],
    "order_items": Envelope[OrderItemRow],
    "customers": Envelope[CustomerRow],
    "debezium_heartbeat": Envelope[HeartbeatRow],
}


ANY_ENVELOPE: type[Envelope] = Envelope[AnyRow]


def envelope_of(table: str) -> type[Envelope]:
    """The envelope type of a table's events: its typed row where a stage reads it, else every column as is."""
    return ENVELOPES.get(table, ANY_ENVELOPE)
