"""Pure transforms of the orders and customers read models.

Every piece of state is the newest version of one source row, guarded by that row's LSN, so a replayed,
redelivered or reordered change is either newer (applied) or not (ignored). A customer's figures are
folded from per-order contributions: each replaces the order's previous one (retract it, add the new),
guarded by the order's revision, and the totals remember the last contribution folded in, so a
contribution is never counted twice, even when a crash kept only part of its writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TypeGuard, TypeVar

from pipelines.core.records import DocumentDeleted, Versioned
from pipelines.orders.records import (
    ContributionState,
    CustomerDocument,
    CustomerRef,
    CustomerState,
    CustomerTotals,
    LineState,
    OrderContribution,
    OrderDocument,
    OrderItem,
    OrderLineChanged,
    OrderRowChanged,
    OrderRowState,
    OrderState,
    ProductNamesState,
    ProfileChanged,
    ProfileState,
)

CANCELLED = "cancelled"
CENTS = Decimal("0.01")
V = TypeVar("V", bound=Versioned)


def newer(held: Versioned | None, change: Versioned) -> bool:
    return held is None or change.lsn > held.lsn


def keep_newer(held: V | None, candidate: V) -> V | None:
    """`candidate` if it is newer than what is held, else None (nothing to write)."""
    return candidate if newer(held, candidate) else None


_STAMP = {"lsn", "ts_ms"}


def restates(held: Versioned | None, candidate: Versioned) -> bool:
    """A newer change that says what is already held, as every row of a new Debezium snapshot does.

    Its stamp is kept, but nothing it would fan out or pass on can differ. A change that is *not* newer is
    a replay and is passed on again, since a crash may have lost what it sent the first time.
    """
    return (
        held is not None
        and candidate.lsn > held.lsn
        and held.model_dump(exclude=_STAMP) == candidate.model_dump(exclude=_STAMP)
    )


def restated_order(order: OrderState | None, change: OrderRowChanged | OrderLineChanged) -> OrderState | None:
    """The order with only the change's newer stamp, when the change restates its row or one of its lines;
    None otherwise. Contents and revision stay, so the order's document and contributions stay too."""
    if order is None:
        return None
    if isinstance(change, OrderRowChanged):
        row = OrderRowState(lsn=change.lsn, ts_ms=change.ts_ms, order=change.order)
        return order.model_copy(update={"row": row}) if restates(order.row, row) else None
    line = LineState(lsn=change.lsn, ts_ms=change.ts_ms, line=change.line)
    if not restates(order.lines.get(change.line_no), line):
        return None
    return order.model_copy(update={"lines": {**order.lines, change.line_no: line}})


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
    total = sum((line.line.quantity * line.line.unit_price for line in order.lines.values() if line.line), Decimal(0))
    return _money(total)[1]


def build_order_document(
    order_id: int,
    order: OrderState,
    customer: Callable[[int], CustomerState | None],
    product: Callable[[int], ProductNamesState | None],
    indexed_at: datetime,
) -> OrderDocument | DocumentDeleted | None:
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
        items.append(
            OrderItem(
                line_no=line_no,
                product_id=line.product_id,
                quantity=line.quantity,
                sku=names.product.sku if names and names.product else None,
                name=names.product.name if names and names.product else None,
                unit_price=_money(line.unit_price)[0],
                line_total=line_total,
                line_total_cents=line_cents,
            )
        )
    lsn, ts_ms = max(parts)
    total_text, total_cents = _money(total)
    return OrderDocument(
        id=order_id,
        status=fields.status,
        customer_id=fields.customer_id,
        customer=ref,
        items=items,
        total=total_text,
        total_cents=total_cents,
        placed_at=fields.placed_at,
        updated_at=fields.updated_at,
        source_lsn=lsn,
        source_ts_ms=ts_ms,
        indexed_at=indexed_at,
    )


def contributions(order_id: int, order: OrderState) -> list[OrderContribution]:
    """What the order adds to each customer it ever belonged to, as of its current version."""
    lsn, ts_ms = order_version(order)
    fields = order.row.order if order.row else None
    current = fields.customer_id if fields else None
    counted = fields is not None and fields.status != CANCELLED
    total = order_total_cents(order)
    return [
        OrderContribution(
            lsn=lsn,
            ts_ms=ts_ms,
            customer_id=customer_id,
            order_id=order_id,
            revision=order.revision,
            present=customer_id == current,
            counted=counted,
            total_cents=total,
            placed_at=fields.placed_at if fields else None,
        )
        for customer_id in order.customers
    ]


# --- Customers -------------------------------------------------------------------------------------
def apply_profile(held: ProfileState | None, change: ProfileChanged) -> ProfileState | None:
    return keep_newer(held, ProfileState(lsn=change.lsn, ts_ms=change.ts_ms, customer=change.customer))


LATEST_KEPT = 16


def contribution_entry(change: OrderContribution) -> ContributionState:
    return ContributionState(
        lsn=change.lsn,
        ts_ms=change.ts_ms,
        revision=change.revision,
        present=change.present,
        counted=change.counted,
        total_cents=change.total_cents,
        placed_at=change.placed_at,
    )


def newer_contribution(held: ContributionState | None, change: OrderContribution) -> bool:
    """Revisions, not LSNs: an order's contents can change while its newest LSN stays (see OrderState)."""
    return held is None or change.revision > held.revision


def _counts(entry: ContributionState | None) -> TypeGuard[ContributionState]:
    return entry is not None and entry.present and entry.counted


def fold_contribution(
    totals: CustomerTotals | None,
    order_id: int,
    held: ContributionState | None,
    entry: ContributionState,
    rescan: Callable[[], list[tuple[int, ContributionState]]],
) -> CustomerTotals | None:
    """Retract `held` (the order's previous contribution) and add `entry`; None if already folded in.

    `rescan` lists every (order id, contribution) of the customer, `entry` included; it is called only
    when every order in `latest` was retracted while counted orders remain.
    """
    totals = totals or CustomerTotals()
    if totals.last_folded == (order_id, entry.revision):
        return None
    count, cents = totals.order_count, totals.cents
    if _counts(held):
        count, cents = count - 1, cents - held.total_cents
    latest = [item for item in totals.latest if item[1] != order_id]
    complete = len(totals.latest) == totals.order_count  # latest holds every counted order
    if _counts(entry):
        count, cents = count + 1, cents + entry.total_cents
        if entry.placed_at is not None and (complete or (latest and entry.placed_at >= latest[-1][0])):
            latest.append((entry.placed_at, order_id))
    if not latest and count > 0:
        latest = [(e.placed_at, oid) for oid, e in rescan() if _counts(e) and e.placed_at is not None]
    latest = sorted(latest, reverse=True)[:LATEST_KEPT]
    lsn, ts_ms = max((totals.lsn, totals.ts_ms), (entry.lsn, entry.ts_ms))
    return CustomerTotals(
        order_count=count,
        cents=cents,
        lsn=lsn,
        ts_ms=ts_ms,
        latest=tuple(latest),
        last_folded=(order_id, entry.revision),
    )


def build_customer_document(
    customer_id: int, profile: ProfileState | None, totals: CustomerTotals | None, indexed_at: datetime
) -> CustomerDocument | DocumentDeleted | None:
    if profile is None:
        return None
    totals = totals or CustomerTotals()
    lsn, ts_ms = max((profile.lsn, profile.ts_ms), (totals.lsn, totals.ts_ms))
    if profile.customer is None:
        return DocumentDeleted(id=customer_id, source_lsn=lsn, source_ts_ms=ts_ms)
    return CustomerDocument(
        id=customer_id,
        **profile.customer.model_dump(),
        order_count=totals.order_count,
        lifetime_value=str((Decimal(totals.cents) / 100).quantize(CENTS)),
        lifetime_value_cents=totals.cents,
        last_order_at=totals.latest[0][0] if totals.latest else None,
        source_lsn=lsn,
        source_ts_ms=ts_ms,
        indexed_at=indexed_at,
    )
