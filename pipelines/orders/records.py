"""Records of the orders and customers read models: routed changes, join state, messages between the stages
and the two documents (schemas/elasticsearch/orders_v1.json, customers_v1.json)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from pipelines.core.progress import SourceMark, SourceMarks
from pipelines.core.records import STATE, RoutedChange, Versioned


# --- Fields of the source rows that the documents use ------------------------------------------------
class CustomerFields(BaseModel):
    model_config = STATE
    name: str
    email: str
    country: str


class OrderFields(BaseModel):
    model_config = STATE
    customer_id: int | None
    status: str
    placed_at: datetime
    updated_at: datetime | None = None


class LineFields(BaseModel):
    model_config = STATE
    product_id: int
    quantity: int
    unit_price: Decimal


class ProductNames(BaseModel):
    model_config = STATE
    sku: str
    name: str
    category: str = ""


# --- Stage 1 -> 2: changes routed to the orders partitions (order id % partitions; dimensions to all) --
class OrderRowChanged(RoutedChange):
    kind: Literal["order"] = "order"
    order_id: int
    order: OrderFields | None  # None: the order row was deleted


class OrderLineChanged(RoutedChange):
    kind: Literal["line"] = "line"
    order_id: int
    line_no: int
    line: LineFields | None  # None: the line was deleted


class CustomerChanged(RoutedChange):
    kind: Literal["customer"] = "customer"
    customer_id: int
    customer: CustomerFields | None  # None: erased


class ProductRenamed(RoutedChange):
    kind: Literal["product"] = "product"
    product_id: int
    product: ProductNames | None  # None: the product row was deleted


OrdersChange = OrderRowChanged | OrderLineChanged | CustomerChanged | ProductRenamed
ORDERS_ROUTED = TypeAdapter(
    Annotated[
        OrderRowChanged | OrderLineChanged | CustomerChanged | ProductRenamed | SourceMarks, Field(discriminator="kind")
    ]
)


# --- Stage 2 state: the newest version of each source row, guarded by its LSN -----------------------
class OrderRowState(Versioned):
    order: OrderFields | None


class LineState(Versioned):
    line: LineFields | None


class OrderState(BaseModel):
    model_config = STATE
    row: OrderRowState | None = None  # None: the order row has not arrived yet
    lines: dict[int, LineState] = Field(default_factory=dict)
    customers: tuple[int, ...] = ()  # every customer the order ever belonged to (each must hear of changes)
    # +1 per applied row or line change. The newest LSN cannot tell contents apart: lines of one order
    # may arrive after a line with a higher LSN, changing the order but not its newest LSN.
    revision: int = 0
    floor: int = 0  # the highest version a document of this order was written with: versions never go back
    floor_ts_ms: int = 0
    # What the order last added to the sales aggregates (key -> [orders, units, cents]), every key it
    # ever added to, and a counter bumped whenever that changes (the aggregates' redelivery guard).
    sales: dict[str, tuple[int, int, int]] = Field(default_factory=dict)
    sales_keys: tuple[str, ...] = ()
    sales_revision: int = 0


class CustomerState(Versioned):
    customer: CustomerFields | None


class ProductNamesState(Versioned):
    product: ProductNames | None


# --- Stage 2 -> 3: what the customers partitions (customer id % partitions) need ---------------------
class ProfileChanged(Versioned):
    kind: Literal["profile"] = "profile"
    customer_id: int
    customer: CustomerFields | None


class OrderContribution(Versioned):
    """What one order adds to one customer's figures, as of the order's `revision` (lsn: its newest row)."""

    kind: Literal["contribution"] = "contribution"
    customer_id: int
    order_id: int
    revision: int
    present: bool  # False: the order is not (or no longer) this customer's, or it was deleted
    counted: bool  # not cancelled
    total_cents: int
    placed_at: datetime | None


class ForwardedMarks(BaseModel):
    """Marks that passed through orders partitions (`via` -> marks): everything before them has been passed on."""

    model_config = STATE
    kind: Literal["forwarded"] = "forwarded"
    marks: dict[int, tuple[SourceMark, ...]]


class SalesContribution(Versioned):
    """What one order adds to one aggregate key ("s|<day>|<category>" or "p|<day>|<product id>")."""

    kind: Literal["sales"] = "sales"
    key: str
    order_id: int
    revision: int
    orders: int
    units: int
    cents: int


SALES_ROUTED = TypeAdapter(Annotated[SalesContribution | ForwardedMarks, Field(discriminator="kind")])


class SalesEntry(Versioned):
    revision: int
    orders: int
    units: int
    cents: int


class SalesTotals(BaseModel):
    model_config = STATE
    orders: int = 0
    units: int = 0
    cents: int = 0
    lsn: int = 0
    ts_ms: int = 0
    last_folded: tuple[int, int] | None = None  # (order id, revision) folded in last


CUSTOMERS_ROUTED = TypeAdapter(
    Annotated[ProfileChanged | OrderContribution | ForwardedMarks, Field(discriminator="kind")]
)


class ContributionState(Versioned):
    revision: int
    present: bool
    counted: bool
    total_cents: int
    placed_at: datetime | None


class CustomerTotals(BaseModel):
    """A customer's figures over the present, counted contributions, folded in one contribution at a time.

    `latest` holds the newest counted orders (placed_at, order id), newest first: always the true top
    of them, possibly fewer than LATEST_KEPT after retractions. `last_folded` is the (order id,
    revision) folded in last, which makes re-folding it after a crash a no-op (see CustomersModel).
    """

    model_config = STATE
    order_count: int = 0
    cents: int = 0
    lsn: int = 0  # newest LSN among the contributions folded in (the document's version)
    ts_ms: int = 0
    latest: tuple[tuple[datetime, int], ...] = ()
    last_folded: tuple[int, int] | None = None


class ProfileState(Versioned):
    customer: CustomerFields | None


# --- Documents -------------------------------------------------------------------------------------
_DOC = ConfigDict(extra="forbid", frozen=True)


class CustomerRef(BaseModel):
    model_config = _DOC
    id: int
    name: str | None  # None only while the customer's row has not arrived yet
    email: str | None
    country: str | None


class OrderItem(BaseModel):
    model_config = _DOC
    line_no: int
    product_id: int
    sku: str | None  # None only while the product's row has not arrived yet
    name: str | None
    quantity: int
    unit_price: str
    line_total: str
    line_total_cents: int


class OrderDocument(BaseModel):
    model_config = _DOC
    id: int
    status: str
    customer_id: int | None
    customer: CustomerRef | None
    items: list[OrderItem]
    total: str
    total_cents: int
    placed_at: datetime
    updated_at: datetime | None
    source_lsn: int
    source_ts_ms: int
    indexed_at: datetime


class CustomerDocument(BaseModel):
    model_config = _DOC
    id: int
    email: str
    name: str
    country: str
    order_count: int
    lifetime_value: str
    lifetime_value_cents: int
    last_order_at: datetime | None
    source_lsn: int
    source_ts_ms: int
    indexed_at: datetime


class _DailySales(BaseModel):
    model_config = _DOC
    day: date
    units: int
    revenue: str
    revenue_cents: int
    source_lsn: int
    source_ts_ms: int
    indexed_at: datetime


class SalesDailyDocument(_DailySales):
    category: str
    orders: int

    def document_id(self) -> str:
        return f"{self.day.isoformat()}|{self.category}"


class ProductSalesDailyDocument(_DailySales):
    product_id: int

    def document_id(self) -> str:
        return f"{self.day.isoformat()}|{self.product_id}"
