"""Pure transforms of the sales aggregates: what an order adds to each key, and how keys fold contributions.

Keys: "s|<day>|<category>" (sales per UTC day of placed_at × the product's current category: orders,
units, revenue) and "p|<day>|<product id>" (per product and day: units, revenue). Only counted orders
(not cancelled) contribute. An order's contribution to a key is replaced whole when the order's
`sales_revision` grows (retract the old, add the new); keys it no longer touches get zeros. The totals
remember the contribution folded in last, so a crash that kept only the totals' write cannot make a
replay count it twice (the same write order as the customers' totals).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict

from pipelines.core.records import DocumentDeleted
from pipelines.orders.records import (
    OrderState,
    ProductNamesState,
    ProductSalesDailyDocument,
    SalesContribution,
    SalesDailyDocument,
    SalesEntry,
    SalesTotals,
)

CANCELLED = "cancelled"
CENTS = Decimal("0.01")
Figures = tuple[int, int, int]  # (orders, units, cents)


def order_sales(order: OrderState, product: Callable[[int], ProductNamesState | None]) -> dict[str, Figures]:
    """key -> (orders, units, cents) the order adds now; {} unless it is a counted order."""
    fields = order.row.order if order.row else None
    if fields is None or fields.status == CANCELLED:
        return {}
    day = fields.placed_at.date().isoformat()  # placed_at is UTC (timestamptz from Debezium)
    sums: dict[str, list[int]] = {}
    for held in order.lines.values():
        line = held.line
        if line is None:
            continue
        cents = int((line.quantity * line.unit_price).quantize(CENTS) * 100)
        keys = [f"p|{day}|{line.product_id}"]
        names = product(line.product_id)
        if names is not None and names.product is not None:  # the category is known once the product is
            keys.append(f"s|{day}|{names.product.category}")
        for key in keys:
            figures = sums.setdefault(key, [0, 0, 0])
            figures[0] = 1 if key.startswith("s|") else 0
            figures[1] += line.quantity
            figures[2] += cents
    return {key: (o, u, c) for key, (o, u, c) in sums.items()}


def next_sales(order: OrderState, now: dict[str, Figures]) -> OrderState | None:
    """The order state with its new contribution recorded, or None when it did not change."""
    if now == order.sales:
        return None
    keys = order.sales_keys + tuple(k for k in sorted(now) if k not in order.sales_keys)
    return order.model_copy(update={"sales": now, "sales_keys": keys, "sales_revision": order.sales_revision + 1})


def sales_contributions(order_id: int, order: OrderState, lsn: int, ts_ms: int) -> list[SalesContribution]:
    """The order's current contribution to every key it ever touched (zeros where it no longer does)."""
    return [
        SalesContribution(
            lsn=lsn,
            ts_ms=ts_ms,
            key=key,
            order_id=order_id,
            revision=order.sales_revision,
            orders=order.sales.get(key, (0, 0, 0))[0],
            units=order.sales.get(key, (0, 0, 0))[1],
            cents=order.sales.get(key, (0, 0, 0))[2],
        )
        for key in order.sales_keys
    ]


def fold_sales(
    totals: SalesTotals | None, order_id: int, held: SalesEntry | None, entry: SalesEntry
) -> SalesTotals | None:
    """Retract `held`, add `entry`; None when exactly this contribution is already folded in."""
    totals = totals or SalesTotals()
    if totals.last_folded == (order_id, entry.revision):
        return None
    old = (held.orders, held.units, held.cents) if held else (0, 0, 0)
    lsn, ts_ms = max((totals.lsn, totals.ts_ms), (entry.lsn, entry.ts_ms))
    return SalesTotals(
        orders=totals.orders - old[0] + entry.orders,
        units=totals.units - old[1] + entry.units,
        cents=totals.cents - old[2] + entry.cents,
        lsn=lsn,
        ts_ms=ts_ms,
        last_folded=(order_id, entry.revision),
    )


class _DailyFigures(TypedDict):
    """The fields both daily documents share."""

    day: date
    units: int
    revenue: str
    revenue_cents: int
    source_lsn: int
    source_ts_ms: int
    indexed_at: datetime


def build_sales_document(
    key: str, totals: SalesTotals | None, indexed_at: datetime
) -> SalesDailyDocument | ProductSalesDailyDocument | DocumentDeleted | None:
    """The document of an aggregate key, a deletion when its figures are all zero, or None if never seen."""
    if totals is None:
        return None
    kind, day, rest = key.split("|", 2)
    doc_id = f"{day}|{rest}"
    if totals.orders == 0 and totals.units == 0 and totals.cents == 0:
        return DocumentDeleted(id=doc_id, source_lsn=totals.lsn, source_ts_ms=totals.ts_ms)
    revenue = str((Decimal(totals.cents) / 100).quantize(CENTS))
    common: _DailyFigures = {
        "day": date.fromisoformat(day),
        "units": totals.units,
        "revenue": revenue,
        "revenue_cents": totals.cents,
        "source_lsn": totals.lsn,
        "source_ts_ms": totals.ts_ms,
        "indexed_at": indexed_at,
    }
    if kind == "s":
        return SalesDailyDocument(category=rest, orders=totals.orders, **common)
    return ProductSalesDailyDocument(product_id=int(rest), **common)
