"""Pure routing of the orders projection: an order and its lines meet in partition `order_id % partitions`.

Customers and product names are dimensions every order partition may need, and the (stateless) router
cannot know which partitions hold a customer's or a product's orders, so their changes go to all
partitions. Product changes that leave sku, name and category alone (price, description) are not sent at all:
products are captured with REPLICA IDENTITY FULL, so an update's `before` says what changed.
"""

from __future__ import annotations

from catalog.derive import stage_tables
from pipelines.core.envelope import Envelope
from pipelines.core.records import Origin
from pipelines.core.rows import CustomerRow, OrderItemRow, OrderRow, ProductRow
from pipelines.orders.records import (
    CustomerChanged,
    CustomerFields,
    LineFields,
    OrderFields,
    OrderLineChanged,
    OrderRowChanged,
    OrdersChange,
    ProductNames,
    ProductRenamed,
)

# Every table the orders, customers and sales declarations read (models/), and the heartbeat.
SOURCE_TABLES = stage_tables("orders")


def partition_for(entity_id: int, partitions: int) -> int:
    return entity_id % partitions


def route(table: str, envelope: Envelope, origin: Origin, partitions: int) -> list[tuple[int, OrdersChange]]:
    lsn, ts_ms, row, deleted = envelope.source.lsn, envelope.source.ts_ms, envelope.row, envelope.is_delete
    if isinstance(row, OrderRow):
        order = (
            None
            if deleted
            else OrderFields(
                customer_id=row.customer_id, status=row.status, placed_at=row.placed_at, updated_at=row.updated_at
            )
        )
        return [
            (
                partition_for(row.id, partitions),
                OrderRowChanged(lsn=lsn, ts_ms=ts_ms, order_id=row.id, order=order, origin=origin),
            )
        ]
    if isinstance(row, OrderItemRow):
        line = (
            None if deleted else LineFields(product_id=row.product_id, quantity=row.quantity, unit_price=row.unit_price)
        )
        return [
            (
                partition_for(row.order_id, partitions),
                OrderLineChanged(
                    lsn=lsn, ts_ms=ts_ms, order_id=row.order_id, line_no=row.line_no, line=line, origin=origin
                ),
            )
        ]
    if isinstance(row, CustomerRow):
        customer = None if deleted else CustomerFields(name=row.name, email=row.email, country=row.country)
        change: OrdersChange = CustomerChanged(
            lsn=lsn, ts_ms=ts_ms, customer_id=row.id, customer=customer, origin=origin
        )
        return [(p, change) for p in range(partitions)]
    if isinstance(row, ProductRow):
        before = envelope.before
        if (
            envelope.op == "u"
            and isinstance(before, ProductRow)
            and (before.sku, before.name, before.category) == (row.sku, row.name, row.category)
        ):
            return []
        names = None if deleted else ProductNames(sku=row.sku, name=row.name, category=row.category)
        change = ProductRenamed(lsn=lsn, ts_ms=ts_ms, product_id=row.id, product=names, origin=origin)
        return [(p, change) for p in range(partitions)]
    if table == "debezium_heartbeat":
        return []
    raise TypeError(f"no route for rows of table {table!r}")
