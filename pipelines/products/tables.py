"""The products join state: changelog-backed Faust tables, and the order in which a change writes them.

Crash safety rests on two facts about a changelog partition: writes reach it in the order they were
made, and after a SIGKILL a prefix of them survives. Units sold and orders share ONE table
(`sales_by_key`), so they share one changelog partition, and a change writes the units first and the
order last. A replayed change then finds either its order write (so it is not newer: nothing happens)
or no order write; in the latter case each product's units record says whether this very change was
already folded in (transforms.fold_units). Two tables could lose one write and keep the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipelines.core.checkpoints import PartKey
from pipelines.core.handover import Handover
from pipelines.core.progress import Positions, Progress, SourceMarks
from pipelines.core.projector import Outgoing
from pipelines.core.records import DocumentDeleted
from pipelines.core.tables import StateTable, Table, Write, dump_json as _dump, read_model, scan, write_in_memory
from pipelines.declared.records import ContributionChanged
from pipelines.declared.state import DeclaredAggregates
from pipelines.products import transforms
from pipelines.products.records import (
    ROUTED,
    Change,
    OrderChanged,
    OrderLineChanged,
    OrderState,
    ProductChanged,
    ProductDocument,
    ProductState,
    StockChanged,
    StockState,
    UnitsState,
)
from pipelines.products.routing import MODEL, partition_for_product
from pipelines.runtime.tables import json_table


@dataclass(frozen=True)
class ProductTables:
    product_row_by_id: Table  # "<product id>" -> ProductState
    inventory_by_product: Table  # "<product id>" -> StockState
    sales_by_key: Table  # "order/<partition>/<order id>" -> OrderState, "units/<product id>" -> UnitsState
    handover: Table  # "handover" -> HandoverState, one per partition (pipelines/core/handover.py)
    declared: Table  # the declared aggregates' totals and contributions (pipelines/declared/state.py)


def define_tables(app: Any, partitions: int) -> ProductTables:
    """Declare the tables on a Faust app (one changelog topic each, `partitions` partitions)."""

    def table(name: str, help_: str) -> Table:
        return json_table(app, name, partitions, help_)

    return ProductTables(
        product_row_by_id=table("product_row_by_id", "newest product row per product id"),
        inventory_by_product=table("inventory_by_product", "newest inventory row per product id"),
        sales_by_key=table("sales_by_key", "orders as each partition sees them, and units sold per product"),
        handover=table("products_handover", "each partition's handover from a backfill"),
        declared=table("products_declared", "the products' declared aggregates, e.g. over their reviews"),
    )


class ProductsState:
    """Reads and writes the tables for changes routed to one partition of the internal topic (a ReadModel)."""

    routed = ROUTED

    def __init__(self, tables: ProductTables, partitions: int, write: Write = write_in_memory) -> None:
        self.tables = tables
        self.partitions = partitions
        self._write = write
        self.positions = Positions()
        self.handover = Handover(StateTable(tables.handover, write), "products")
        self.declared = DeclaredAggregates(MODEL, StateTable(tables.declared, write), partitions)

    def apply(self, change: Change, partition: int) -> frozenset[int]:
        """Fold one change in; returns the products (owned by `partition`) whose document may have changed."""
        if isinstance(change, ProductChanged):
            new_product = transforms.apply_product(self.product(change.product_id), change)
            if new_product is not None:
                self._write(self.tables.product_row_by_id, str(change.product_id), _dump(new_product), partition)
            return frozenset([change.product_id])
        if isinstance(change, StockChanged):
            new_stock = transforms.apply_stock(self.stock(change.product_id), change)
            if new_stock is not None:
                self._write(self.tables.inventory_by_product, str(change.product_id), _dump(new_stock), partition)
            return frozenset([change.product_id])
        if isinstance(change, (OrderChanged, OrderLineChanged)):
            return self._apply_sales(change, partition)
        if isinstance(change, ContributionChanged):
            return self.declared.apply(change, partition)
        raise TypeError(f"not a products change: {change!r}")

    def _apply_sales(self, change: OrderChanged | OrderLineChanged, partition: int) -> frozenset[int]:
        order_key = f"order/{partition}/{change.order_id}"
        update = transforms.apply_sales_change(
            read_model(self.tables.sales_by_key, order_key, OrderState, partition),
            change,
            self.units,
            owns=lambda product_id: partition_for_product(product_id, self.partitions) == partition,
        )
        if update.order is not None:
            for product_id, units in update.units.items():  # units first ...
                self._write(self.tables.sales_by_key, f"units/{product_id}", _dump(units), partition)
            self._write(self.tables.sales_by_key, order_key, _dump(update.order), partition)  # ... the order last
        return update.touched

    def document(self, product_id: int, indexed_at: datetime) -> ProductDocument | DocumentDeleted | None:
        return transforms.build_document(
            product_id,
            self.product(product_id),
            self.stock(product_id),
            self.units(product_id),
            indexed_at,
            self.declared.fields(product_id, self._home(product_id)),
        )

    def marks(self, record: object, partition: int) -> dict[PartKey, Progress] | None:
        if not isinstance(record, SourceMarks):
            return None
        return self.positions.fold(partition, record.marks)

    def newer_than(self, lsn: int, partition: int) -> set[int]:
        """The products of `partition` with a row newer than `lsn` (a handover ends, see Handover)."""
        rows = [
            *scan(self.tables.product_row_by_id, "", partition),
            *scan(self.tables.inventory_by_product, "", partition),
            *((key.removeprefix("units/"), raw) for key, raw in scan(self.tables.sales_by_key, "units/", partition)),
        ]
        newer = {int(key) for key, raw in rows if raw["lsn"] > lsn} | self.declared.newer_than(lsn, partition)
        return {p for p in newer if self._home(p) == partition}  # a memory store holds every partition

    def outbox(self) -> list[Outgoing]:
        return []  # the products projection is the last stage

    def product(self, product_id: int) -> ProductState | None:
        return read_model(self.tables.product_row_by_id, str(product_id), ProductState, self._home(product_id))

    def stock(self, product_id: int) -> StockState | None:
        return read_model(self.tables.inventory_by_product, str(product_id), StockState, self._home(product_id))

    def units(self, product_id: int) -> UnitsState | None:
        return read_model(self.tables.sales_by_key, f"units/{product_id}", UnitsState, self._home(product_id))

    def _home(self, product_id: int) -> int:
        return partition_for_product(product_id, self.partitions)
