"""Pure transforms of the products read model: fold changes into join state, and state into a document.

Every piece of state is the newest version of one source row, guarded by that row's LSN, so a
redelivered, replayed or reordered change is either newer (applied) or not (ignored): never counted twice.
The one aggregate, units sold, is kept with the last order change folded into it (`fold_units`), which
makes re-folding that change after a crash a no-op (see pipelines/products/tables.py for the write order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from pipelines.core.records import DocumentDeleted
from pipelines.products.records import (
    LineState,
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

CANCELLED = "cancelled"
CENTS = Decimal("0.01")


def apply_product(current: ProductState | None, change: ProductChanged) -> ProductState | None:
    """The new product state, or None when the change is not newer than what is held."""
    if current is not None and change.lsn <= current.lsn:
        return None
    return ProductState(lsn=change.lsn, ts_ms=change.ts_ms, product=change.product)


def apply_stock(current: StockState | None, change: StockChanged) -> StockState | None:
    if current is not None and change.lsn <= current.lsn:
        return None
    return StockState(lsn=change.lsn, ts_ms=change.ts_ms, on_hand=change.on_hand)


def apply_order_status(current: OrderState | None, change: OrderChanged) -> OrderState | None:
    current = current or OrderState()
    if change.lsn <= current.status_lsn:
        return None
    return current.model_copy(update={"status": change.status, "status_lsn": change.lsn, "status_ts_ms": change.ts_ms})


def apply_order_line(current: OrderState | None, change: OrderLineChanged) -> OrderState | None:
    current = current or OrderState()
    held = current.lines.get(change.line_no)
    if held is not None and change.lsn <= held.lsn:
        return None
    line = LineState(lsn=change.lsn, ts_ms=change.ts_ms, product_id=change.product_id, quantity=change.quantity or 0)
    return current.model_copy(update={"lines": {**current.lines, change.line_no: line}})


def units_by_product(order: OrderState | None) -> dict[int, int]:
    """What an order adds to each product's units sold: its quantities, unless cancelled, deleted or unseen."""
    if order is None or order.status is None or order.status == CANCELLED:
        return {}
    units: dict[int, int] = {}
    for line in order.lines.values():
        if line.quantity:
            units[line.product_id] = units.get(line.product_id, 0) + line.quantity
    return units


def newest_row(order: OrderState, product_id: int) -> tuple[int, int]:
    """(lsn, ts_ms) of the newest row of `order` that bears on `product_id`: its status or its lines."""
    rows = [(order.status_lsn, order.status_ts_ms)]
    rows += [(line.lsn, line.ts_ms) for line in order.lines.values() if line.product_id == product_id]
    return max(rows)


def fold_units(
    current: UnitsState | None, order_id: int, change_lsn: int, delta: int, version: tuple[int, int]
) -> UnitsState | None:
    """Fold one order change into a product's units: add its delta, take its order's newest (lsn, ts_ms).

    None when there is nothing to write: exactly this change is already folded in (a replay after a
    crash), or it changes neither the total nor the version.
    """
    current = current or UnitsState()
    if current.last_order_id == order_id and current.last_lsn == change_lsn:
        return None
    if delta == 0 and version[0] <= current.lsn:
        return None
    lsn, ts_ms = max((current.lsn, current.ts_ms), version)
    return UnitsState(total=current.total + delta, lsn=lsn, ts_ms=ts_ms, last_order_id=order_id, last_lsn=change_lsn)


@dataclass(frozen=True)
class SalesUpdate:
    """What an order or order-line change does in one partition: state to write, products to re-index."""

    order: OrderState | None  # None: the change was not newer, nothing to write
    units: dict[int, UnitsState] = field(default_factory=dict)
    touched: frozenset[int] = frozenset()


def apply_sales_change(
    order: OrderState | None,
    change: OrderChanged | OrderLineChanged,
    units_of: Callable[[int], UnitsState | None],
    owns: Callable[[int], bool],
) -> SalesUpdate:
    """Fold an order or line change into the order's state and the owned products' units sold."""
    if isinstance(change, OrderChanged):
        after = apply_order_status(order, change)
    else:
        after = apply_order_line(order, change)
    related = {line.product_id for line in (order.lines.values() if order else ())}
    if isinstance(change, OrderLineChanged):
        related.add(change.product_id)
    if after is not None:
        related |= {line.product_id for line in after.lines.values()}
    touched = frozenset(p for p in related if owns(p))
    if after is None:
        # Not newer. Its effects are already in the state, but maybe not yet in the index: re-index.
        return SalesUpdate(order=None, touched=touched)
    old, new = units_by_product(order), units_by_product(after)
    units: dict[int, UnitsState] = {}
    for product_id in sorted(touched):
        delta = new.get(product_id, 0) - old.get(product_id, 0)
        folded = fold_units(units_of(product_id), change.order_id, change.lsn, delta, newest_row(after, product_id))
        if folded is not None:
            units[product_id] = folded
    return SalesUpdate(order=after, units=units, touched=touched)


def build_document(
    product_id: int,
    product: ProductState | None,
    stock: StockState | None,
    units: UnitsState | None,
    indexed_at: datetime,
    declared: tuple[dict[str, Any], tuple[int, int]] = ({}, (0, 0)),
) -> ProductDocument | DocumentDeleted | None:
    """The document for a product, a deletion, or None while its product row has not arrived.

    Its version (source_lsn) is the newest LSN among the rows it was built from. `declared`: the declared
    aggregates' fields and the newest change among them (pipelines/declared/state.py).
    """
    if product is None:
        return None
    parts = [(product.lsn, product.ts_ms)]
    if stock is not None:
        parts.append((stock.lsn, stock.ts_ms))
    if units is not None and units.lsn:
        parts.append((units.lsn, units.ts_ms))
    aggregates, version = declared
    parts.append(version)
    lsn, ts_ms = max(parts)
    if product.product is None:
        return DocumentDeleted(id=product_id, source_lsn=lsn, source_ts_ms=ts_ms)
    fields = product.product
    price = fields.price.quantize(CENTS)
    on_hand = stock.on_hand if stock is not None and stock.on_hand is not None else 0
    return ProductDocument(
        id=product_id,
        sku=fields.sku,
        name=fields.name,
        description=fields.description,
        category=fields.category,
        brand=fields.brand,
        price=str(price),
        price_cents=int(price * 100),
        active=fields.active,
        on_hand=on_hand,
        in_stock=on_hand > 0,
        units_sold=units.total if units else 0,
        **aggregates,
        source_lsn=lsn,
        source_ts_ms=ts_ms,
        indexed_at=indexed_at,
    )
