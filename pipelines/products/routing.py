"""Pure routing: a decoded Debezium envelope -> the changes it makes, each sent to the partition that needs it.

Products are owned by partition `product_id % partitions` of the internal topic, so a product, its
stock and its order lines meet in one partition whatever their source topic's key hashed to.
An order's status matters to every partition holding one of its lines, and the router (stateless)
cannot know which, so order changes go to all partitions: the price is one small message per partition.
"""

from __future__ import annotations

from catalog.derive import stage_tables
from catalog.registry import read_model
from pipelines.core.envelope import Envelope
from pipelines.core.records import Origin
from pipelines.core.rows import InventoryRow, OrderItemRow, OrderRow, ProductRow
from pipelines.declared.routing import DeclaredRoutes, route_contribution
from pipelines.products.records import (
    Change,
    OrderChanged,
    OrderLineChanged,
    ProductChanged,
    ProductFields,
    StockChanged,
)

# Every table the products declaration reads (models/products.py), and the heartbeat.
SOURCE_TABLES = stage_tables("products")
MODEL = read_model("products")
DECLARED = DeclaredRoutes(MODEL)  # the declared aggregates' tables (reviews): the engine routes them


def partition_for_product(product_id: int, partitions: int) -> int:
    return product_id % partitions


def route(table: str, envelope: Envelope, origin: Origin, partitions: int) -> list[tuple[int, Change]]:
    """The (partition, change) pairs one source event makes; none for the heartbeat."""
    if table in DECLARED.children:  # to the product's partition, which partition_for_product is too
        return list(route_contribution(DECLARED.children[table], DECLARED.columns[table], envelope, origin, partitions))
    lsn, ts_ms = envelope.source.lsn, envelope.source.ts_ms
    row = envelope.row
    if isinstance(row, ProductRow):
        fields = (
            None
            if envelope.is_delete
            else ProductFields(
                sku=row.sku,
                name=row.name,
                description=row.description,
                category=row.category,
                brand=row.brand,
                price=row.price,
                active=row.active,
            )
        )
        change: Change = ProductChanged(lsn=lsn, ts_ms=ts_ms, product_id=row.id, product=fields, origin=origin)
        return [(partition_for_product(row.id, partitions), change)]
    if isinstance(row, InventoryRow):
        change = StockChanged(
            lsn=lsn,
            ts_ms=ts_ms,
            product_id=row.product_id,
            on_hand=None if envelope.is_delete else row.on_hand,
            origin=origin,
        )
        return [(partition_for_product(row.product_id, partitions), change)]
    if isinstance(row, OrderRow):
        change = OrderChanged(
            lsn=lsn, ts_ms=ts_ms, order_id=row.id, status=None if envelope.is_delete else row.status, origin=origin
        )
        return [(p, change) for p in range(partitions)]
    if isinstance(row, OrderItemRow):
        return _route_line(envelope, row, origin, partitions)
    if table == "debezium_heartbeat":
        return []
    raise TypeError(f"no route for rows of table {table!r}")


def _route_line(envelope: Envelope, row: OrderItemRow, origin: Origin, partitions: int) -> list[tuple[int, Change]]:
    change = OrderLineChanged(
        lsn=envelope.source.lsn,
        ts_ms=envelope.source.ts_ms,
        order_id=row.order_id,
        line_no=row.line_no,
        product_id=row.product_id,
        quantity=None if envelope.is_delete else row.quantity,
        origin=origin,
    )
    targets = {partition_for_product(row.product_id, partitions)}
    before = envelope.before
    if isinstance(before, OrderItemRow) and before.product_id != row.product_id:
        # The line moved to another product: the old product's partition must learn it lost the line.
        targets.add(partition_for_product(before.product_id, partitions))
    return [(p, change) for p in sorted(targets)]
