"""Records of the products read model: routed changes, join state and the search document."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from pipelines.core.handover import CaughtUp, Floor, Indexed
from pipelines.core.progress import SourceMarks
from pipelines.core.records import STATE as _STATE, RoutedChange, Versioned
from pipelines.declared.records import ContributionChanged


# --- Changes routed to the partition that owns a product (the internal topic's values) ----------------
class ProductFields(BaseModel):
    model_config = _STATE
    sku: str
    name: str
    description: str
    category: str
    price: Decimal
    active: bool
    brand: str | None = None  # state folded before the column existed has none


class ProductChanged(RoutedChange):
    kind: Literal["product"] = "product"
    product_id: int
    product: ProductFields | None  # None: the product row was deleted


class StockChanged(RoutedChange):
    kind: Literal["stock"] = "stock"
    product_id: int
    on_hand: int | None  # None: the inventory row was deleted


class OrderChanged(RoutedChange):
    kind: Literal["order"] = "order"
    order_id: int
    status: str | None  # None: the order row was deleted


class OrderLineChanged(RoutedChange):
    kind: Literal["line"] = "line"
    order_id: int
    line_no: int
    product_id: int
    quantity: int | None  # None: the line was deleted


Change = ProductChanged | StockChanged | OrderChanged | OrderLineChanged | ContributionChanged
Routed = Annotated[
    ProductChanged
    | StockChanged
    | OrderChanged
    | OrderLineChanged
    | ContributionChanged
    | SourceMarks
    | Floor
    | Indexed
    | CaughtUp,
    Field(discriminator="kind"),
]
ROUTED = TypeAdapter(Routed)


# --- Join state: each value is the newest version of one source row (or aggregate), with its LSN ------
class ProductState(Versioned):
    product: ProductFields | None  # None: deleted; the marker stays so late events cannot resurrect it


class StockState(Versioned):
    on_hand: int | None


class LineState(BaseModel):
    model_config = _STATE
    lsn: int
    ts_ms: int = 0
    product_id: int
    quantity: int  # 0 once the line is deleted


class OrderState(BaseModel):
    """An order as one partition sees it: its status (every partition) and its lines for this partition's products."""

    model_config = _STATE
    status: str | None = None  # None: not seen yet, or deleted
    status_lsn: int = 0
    status_ts_ms: int = 0
    lines: dict[int, LineState] = Field(default_factory=dict)


class UnitsState(BaseModel):
    """Units sold of one product, the newest order row behind it, and the last order change folded in."""

    model_config = _STATE
    total: int = 0
    lsn: int = 0
    ts_ms: int = 0
    last_order_id: int | None = None
    last_lsn: int | None = None


# --- The search document (schemas/elasticsearch/products_v3.json) -----------------------------------
class ProductDocument(BaseModel):
    # extra: the declared aggregates (models/products.py), which the declared engine keeps
    model_config = ConfigDict(extra="allow", frozen=True)
    id: int
    sku: str
    name: str
    description: str
    category: str
    brand: str | None
    price: str  # two places, exact: "19.90"
    price_cents: int
    active: bool
    on_hand: int
    in_stock: bool
    units_sold: int
    source_lsn: int
    source_ts_ms: int
    indexed_at: datetime
