"""Stage 3b: the sales aggregates, fed by the orders stage (a ReadModel filling two indices).

Partition `crc32(key) % partitions` of the sales topic gets every order's contribution to a key. One
table, `sales_state`:
    contribution/<key>/<order id> -> SalesEntry (the order's newest contribution to the key)
    totals/<key>                  -> SalesTotals
A contribution writes the totals first and its own entry last (see pipelines/orders/sales.py), and is
taken only if the order's sales revision is higher than the one held: redelivery never counts twice.
"""

from __future__ import annotations

import zlib
from datetime import datetime

from pipelines.core.checkpoints import PartKey
from pipelines.core.progress import Positions, Progress
from pipelines.core.projector import Outgoing
from pipelines.core.records import DocumentDeleted
from pipelines.core.tables import StateTable
from pipelines.orders import sales
from pipelines.orders.records import (
    SALES_ROUTED,
    ForwardedMarks,
    ProductSalesDailyDocument,
    SalesContribution,
    SalesDailyDocument,
    SalesEntry,
    SalesTotals,
)


def partition_for_key(key: str, partitions: int) -> int:
    return zlib.crc32(key.encode()) % partitions


class SalesModel:
    routed = SALES_ROUTED

    def __init__(self, state: StateTable, partitions: int, sales_index: str, product_sales_index: str) -> None:
        self.state = state
        self.partitions = partitions
        self.positions = Positions()
        self._indices = {"s": sales_index, "p": product_sales_index}

    def marks(self, record: object, partition: int) -> dict[PartKey, Progress] | None:
        if not isinstance(record, ForwardedMarks):
            return None
        return self.positions.fold_forwarded(partition, record.marks, self.partitions)

    def apply(self, change: SalesContribution, partition: int) -> list[str]:
        if not isinstance(change, SalesContribution):
            raise TypeError(f"not a sales change: {change!r}")
        entry_key = f"contribution/{change.key}/{change.order_id}"
        held = self.state.get(entry_key, SalesEntry, partition)
        if held is not None and change.revision <= held.revision:
            return [change.key]  # a redelivery, or overtaken by a newer one: re-index what is held
        entry = SalesEntry(
            lsn=change.lsn,
            ts_ms=change.ts_ms,
            revision=change.revision,
            orders=change.orders,
            units=change.units,
            cents=change.cents,
        )
        totals = sales.fold_sales(self.totals(change.key), change.order_id, held, entry)
        if totals is not None:
            self.state.put(f"totals/{change.key}", totals, partition)  # the totals first ...
        self.state.put(entry_key, entry, partition)  # ... the entry last
        return [change.key]

    def document(
        self, key: str, indexed_at: datetime
    ) -> SalesDailyDocument | ProductSalesDailyDocument | DocumentDeleted | None:
        return sales.build_sales_document(key, self.totals(key), indexed_at)

    def index_for(self, key: str) -> str:
        return self._indices[key.split("|", 1)[0]]

    def outbox(self) -> list[Outgoing]:
        return []  # the last stage

    def totals(self, key: str) -> SalesTotals | None:
        return self.state.get(f"totals/{key}", SalesTotals, partition_for_key(key, self.partitions))
