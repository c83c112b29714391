"""Pure transforms of the orders and customers read models.

Every piece of state is the newest version of one source row, guarded by that row's LSN, so a replayed,
redelivered or reordered change is either newer (applied) or not (ignored). Nothing is a running total:
a customer's figures are summed from per-order contributions, each replaced whole by a newer version of
its order, so a contribution can never be counted twice.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Callable, TypeVar

from pipelines.core.records import DocumentDeleted, Versioned
from pipelines.orders.records import (ContributionState, CustomerDocument, CustomerOrders, CustomerRef,
                                      CustomerState, LineState, OrderContribution, OrderDocument, OrderItem,
                                      OrderLineChanged, OrderRowChanged, OrderRowState, OrderState,
                                      ProductNamesState, ProfileChanged, ProfileState)

CANCELLED = "cancelled"
CENTS = Decimal("0.01")
V = TypeVar("V", bound=Versioned)


def newer(held: Versioned | None, change: Versioned) -> bool:
    return held is None or change.lsn > held.lsn


def keep_newer(held: V | None, candidate: V) -> V | None:
    """`candidate` if it is newer than what is held, else None (nothing to write)."""
    return candidate if newer(held, candidate) else None


def apply_order_row(order: OrderState | None, change: OrderRowChanged) -> OrderState | None:
    order = order or OrderState()
    if not newer(order.row, change):
        return None
    customers = order.customers
    customer_id = change.order.customer_id if change.order else None
    if customer_id is not None and customer_id not in customers:
        customers = (*customers, customer_id)
    row = OrderRowState(lsn=change.lsn, ts_ms=change.ts_ms, order=change.order)
    return order.model_copy(update={"row": row, "customers": customers, "revision": order.revision + 1})


def apply_line(order: OrderState | None, change: OrderLineChanged) -> OrderState | None:
    order = order or OrderState()
    if not newer(order.lines.get(change.line_no), change):
        return None
    line = LineState(lsn=change.lsn, ts_ms=change.ts_ms, line=change.line)
    lines = {**order.lines, change.line_no: line}
    return order.model_copy(update={"lines": lines, "revision": order.revision + 1})


def order_version(order: OrderState) -> tuple[int, int]:
    """(lsn, ts_ms) of the newest row of the order itself: its row or one of its lines."""
    parts = [(line.lsn, line.ts_ms) for line in order.lines.values()]
    if order.row is not None:
        parts.append((order.row.lsn, order.row.ts_ms))
    return max(parts, default=(0, 0))


def _money(amount: Decimal) -> tuple[str, int]:
    exact = amount.quantize(CENTS)
    return str(exact), int(exact * 100)


def order_total_cents(order: OrderState) -> int:
    total = sum((line.line.quantity * line.line.unit_price for line in order.lines.values() if line.line),
                Decimal(0))
    return _money(total)[1]


def build_order_document(order_id: int, order: OrderState, customer: Callable[[int], CustomerState | None],
                         product: Callable[[int], ProductNamesState | None],
                         indexed_at: datetime) -> OrderDocument | DocumentDeleted | None:
    """The order's document, a deletion, or None while its row has not arrived.

    Its version is the newest LSN among the rows it was built from, and never below `order.floor`: a
    document built from a customer the order has since left must not outrank the next one.
    """
    if order.row is None:
        return None
    parts = [order_version(order), (order.floor, order.floor_ts_ms)]
    fields = order.row.order
    if fields is None:
        lsn, ts_ms = max(parts)
        return DocumentDeleted(id=order_id, source_lsn=lsn, source_ts_ms=ts_ms)
    ref = None
    if fields.customer_id is not None:
        held = customer(fields.customer_id)
        if held is not None:
            parts.append((held.lsn, held.ts_ms))
        if held is None:
            ref = CustomerRef(id=fields.customer_id, name=None, email=None, country=None)
        elif held.customer is not None:  # erased: the order's own update to no customer follows
            ref = CustomerRef(id=fields.customer_id, **held.customer.model_dump())
    items, total = [], Decimal(0)
    for line_no in sorted(order.lines):
        line = order.lines[line_no].line
        if line is None:
            continue
        names = product(line.product_id)
        if names is not None:
            parts.append((names.lsn, names.ts_ms))
        amount = line.quantity * line.unit_price
        total += amount
        line_total, line_cents = _money(amount)
        items.append(OrderItem(
            line_no=line_no, product_id=line.product_id, quantity=line.quantity,
            sku=names.product.sku if names and names.product else None,
            name=names.product.name if names and names.product else None,
            unit_price=_money(line.unit_price)[0], line_total=line_total, line_total_cents=line_cents))
    lsn, ts_ms = max(parts)
    total_text, total_cents = _money(total)
    return OrderDocument(id=order_id, status=fields.status, customer_id=fields.customer_id, customer=ref,
                         items=items, total=total_text, total_cents=total_cents, placed_at=fields.placed_at,
                         updated_at=fields.updated_at, source_lsn=lsn, source_ts_ms=ts_ms, indexed_at=indexed_at)


def contributions(order_id: int, order: OrderState) -> list[OrderContribution]:
    """What the order adds to each customer it ever belonged to, as of its current version."""
    lsn, ts_ms = order_version(order)
    fields = order.row.order if order.row else None
    current = fields.customer_id if fields else None
    counted = fields is not None and fields.status != CANCELLED
    total = order_total_cents(order)
    return [OrderContribution(lsn=lsn, ts_ms=ts_ms, customer_id=customer_id, order_id=order_id,
                              revision=order.revision, present=customer_id == current, counted=counted,
                              total_cents=total, placed_at=fields.placed_at if fields else None)
            for customer_id in order.customers]


# --- Customers -------------------------------------------------------------------------------------
def apply_profile(held: ProfileState | None, change: ProfileChanged) -> ProfileState | None:
    return keep_newer(held, ProfileState(lsn=change.lsn, ts_ms=change.ts_ms, customer=change.customer))


def apply_contribution(held: CustomerOrders | None, change: OrderContribution) -> CustomerOrders | None:
    held = held or CustomerOrders()
    current = held.orders.get(change.order_id)
    if current is not None and change.revision <= current.revision:
        return None  # a redelivery, or a contribution overtaken by a newer one
    entry = ContributionState(lsn=change.lsn, ts_ms=change.ts_ms, revision=change.revision,
                              present=change.present, counted=change.counted, total_cents=change.total_cents,
                              placed_at=change.placed_at)
    return CustomerOrders(orders={**held.orders, change.order_id: entry})


def build_customer_document(customer_id: int, profile: ProfileState | None, orders: CustomerOrders | None,
                            indexed_at: datetime) -> CustomerDocument | DocumentDeleted | None:
    if profile is None:
        return None
    entries = list(orders.orders.values()) if orders else []
    lsn, ts_ms = max([(profile.lsn, profile.ts_ms)] + [(e.lsn, e.ts_ms) for e in entries])
    if profile.customer is None:
        return DocumentDeleted(id=customer_id, source_lsn=lsn, source_ts_ms=ts_ms)
    counted = [e for e in entries if e.present and e.counted]
    cents = sum(e.total_cents for e in counted)
    placed = [e.placed_at for e in counted if e.placed_at is not None]
    return CustomerDocument(
        id=customer_id, **profile.customer.model_dump(), order_count=len(counted),
        lifetime_value=str((Decimal(cents) / 100).quantize(CENTS)), lifetime_value_cents=cents,
        last_order_at=max(placed, default=None), source_lsn=lsn, source_ts_ms=ts_ms, indexed_at=indexed_at)
