"""Stage 2 of the orders projection: orders joined with their customer and product names (a ReadModel).

One changelog-backed table, `orders_state`, holds everything of a partition, so its writes reach one
changelog partition in the order they were made and a crash keeps a prefix of them:
    order/<order id>                  -> OrderState (the order's row and lines; owned by order id % partitions)
    customer/<partition>/<id>         -> CustomerState  (every partition keeps the customers it may need)
    product/<partition>/<id>          -> ProductNamesState
    by_customer/<partition>/<id>/<order id> -> []  reverse indexes for the fan-out of a rename: one small
    by_product/<partition>/<id>/<order id>  -> []  key per order, listed by a prefix scan
A reverse index is written before the order that needs it and never shrinks, so it is a superset of the
truth: fanning out to an order that left a customer rebuilds it from its own state, which is harmless.
One key per order, not one list per customer or product: a product in 150,000 order lines made a list
rewritten whole on every new line, past the changelog's 1 MB record limit. (Lists written by earlier
versions, under `by_customer/<partition>/<id>`, are still read.)
It also passes on, to the customers stage, each changed order's contribution to every customer it ever
had (once per batch, as of the batch's end), each customer's profile (from the partition that owns the
customer's id), and behind them the marks it saw.
"""

from __future__ import annotations

from datetime import datetime

from pipelines.core.checkpoints import PartKey
from pipelines.core.progress import Positions, Progress, SourceMark, SourceMarks, marks_for
from pipelines.core.projector import Outgoing
from pipelines.core.records import DocumentDeleted
from pipelines.core.tables import StateTable
from pipelines.orders import sales, transforms
from pipelines.orders.records import (
    ORDERS_ROUTED,
    CustomerChanged,
    CustomerState,
    ForwardedMarks,
    OrderDocument,
    OrderLineChanged,
    OrderRowChanged,
    OrdersChange,
    OrderState,
    ProductNamesState,
    ProductRenamed,
    ProfileChanged,
)
from pipelines.orders.routing import partition_for
from pipelines.orders.sales_state import partition_for_key


class OrdersModel:
    routed = ORDERS_ROUTED

    def __init__(self, state: StateTable, partitions: int, sales_topic: str | None = None) -> None:
        self.state = state
        self.partitions = partitions
        self.sales_topic = sales_topic  # None: no sales aggregates downstream
        self.positions = Positions()
        self._changed: dict[int, None] = {}  # orders changed in this batch, in order
        self._documented: dict[int, None] = {}  # orders whose document this batch rebuilt ...
        self._resend: set[int] = set()  # ... of which these pass their sales share on again
        self._profiles: list[Outgoing] = []
        self._marks: dict[int, list[SourceMark]] = {}  # via partition -> marks seen in this batch

    # --- ReadModel -----------------------------------------------------------------------------
    def marks(self, record: object, partition: int) -> dict[PartKey, Progress] | None:
        if not isinstance(record, SourceMarks):
            return None
        self._marks.setdefault(partition, []).extend(record.marks)
        return self.positions.fold(partition, record.marks)

    def apply(self, change: OrdersChange, partition: int) -> list[int]:
        """Fold a change in; the orders whose documents may have changed."""
        if isinstance(change, (OrderRowChanged, OrderLineChanged)):
            return [change.order_id] if self._apply_order(change, partition) else []
        if isinstance(change, CustomerChanged):
            held_key = f"customer/{partition}/{change.customer_id}"
            held = self._hold(
                held_key, CustomerState(lsn=change.lsn, ts_ms=change.ts_ms, customer=change.customer), partition
            )
            if held == "restated":
                return []
            if partition_for(change.customer_id, self.partitions) == partition:  # one partition passes it on
                profile = ProfileChanged(
                    lsn=change.lsn, ts_ms=change.ts_ms, customer_id=change.customer_id, customer=change.customer
                )
                self._profiles.append(self._to_customer(change.customer_id, profile.model_dump_json().encode()))
            return self._fan_out(f"by_customer/{partition}/{change.customer_id}", partition, held == "replayed")
        if isinstance(change, ProductRenamed):
            held_key = f"product/{partition}/{change.product_id}"
            held = self._hold(
                held_key, ProductNamesState(lsn=change.lsn, ts_ms=change.ts_ms, product=change.product), partition
            )
            if held == "restated":
                return []
            return self._fan_out(f"by_product/{partition}/{change.product_id}", partition, held == "replayed")
        raise TypeError(f"not an orders change: {change!r}")

    def document(self, order_id: int, indexed_at: datetime) -> OrderDocument | DocumentDeleted | None:
        partition = partition_for(order_id, self.partitions)
        order = self.order(order_id)
        if order is None:
            return None

        def product(pid: int) -> ProductNamesState | None:
            return self.state.get(f"product/{partition}/{pid}", ProductNamesState, partition)

        def customer(cid: int) -> CustomerState | None:
            return self.state.get(f"customer/{partition}/{cid}", CustomerState, partition)

        document = transforms.build_order_document(order_id, order, customer, product, indexed_at)
        updated = order
        # The floor only needs writing when a customer's or product's LSN lifted the version above the
        # order's own rows: those only grow, so they keep the version from going back by themselves.
        if document is not None and document.source_lsn > max(order.floor, transforms.order_version(order)[0]):
            updated = updated.model_copy(update={"floor": document.source_lsn, "floor_ts_ms": document.source_ts_ms})
        if self.sales_topic is not None:
            resold = sales.next_sales(updated, sales.order_sales(updated, product))
            if resold is not None:
                updated = resold
                self._resend.add(order_id)
            self._documented[order_id] = None
        if updated is not order:
            self.state.put(f"order/{order_id}", updated, partition)  # durable before anything is passed on
        return document

    def outbox(self) -> list[Outgoing]:
        """Contributions of the batch's changed orders and profiles first, then the marks that follow them."""
        contributions = [
            self._to_customer(c.customer_id, c.model_dump_json().encode())
            for order_id in self._changed
            if (order := self.order(order_id)) is not None
            for c in transforms.contributions(order_id, order)
        ]
        outgoing = contributions + self._profiles + self._sales()
        if self._marks:  # one message per downstream partition, whatever the number of marks
            marks = {
                via: tuple(marks_for((m.topic, m.partition, m.offset, m.lsn, m.ts_ms) for m in seen))
                for via, seen in self._marks.items()
            }
            forwarded = ForwardedMarks(marks=marks).model_dump_json().encode()
            outgoing += [Outgoing(p, b"marks", forwarded) for p in range(self.partitions)]
            if self.sales_topic is not None:
                outgoing += [Outgoing(p, b"marks", forwarded, self.sales_topic) for p in range(self.partitions)]
        self._changed, self._profiles, self._marks, self._documented, self._resend = {}, [], {}, {}, set()
        return outgoing

    def _sales(self) -> list[Outgoing]:
        """The share of the sales keys it ever touched of every rebuilt order whose share changed, or whose
        change was a replay (it re-sends what a crash may have lost; the aggregates drop what they hold).
        Not of the others: a product renamed in 150,000 orders changes none of their shares."""
        outgoing = []
        for order_id in self._documented:
            if order_id not in self._resend and order_id not in self._changed:
                continue
            order = self.order(order_id)
            if order is None or not order.sales_keys:
                continue
            lsn, ts_ms = max(transforms.order_version(order), (order.floor, order.floor_ts_ms))
            for contribution in sales.sales_contributions(order_id, order, lsn, ts_ms):
                outgoing.append(
                    Outgoing(
                        partition_for_key(contribution.key, self.partitions),
                        contribution.key.encode(),
                        contribution.model_dump_json().encode(),
                        self.sales_topic,
                    )
                )
        return outgoing

    # --- state ---------------------------------------------------------------------------------
    def order(self, order_id: int) -> OrderState | None:
        return self.state.get(f"order/{order_id}", OrderState, partition_for(order_id, self.partitions))

    def _hold(self, key: str, candidate: CustomerState | ProductNamesState, partition: int) -> str:
        """Keep a dimension's newer version: "newer"; "restated" when it only says what the partition holds
        (a new snapshot's rows: nothing to fan out); "replayed" when it is not newer (a redelivery)."""
        held = self.state.get(key, type(candidate), partition)
        if not transforms.newer(held, candidate):
            return "replayed"
        self.state.put(key, candidate, partition)
        return "restated" if transforms.restates(held, candidate) else "newer"

    def _fan_out(self, key: str, partition: int, replayed: bool) -> list[int]:
        orders = self._indexed(key, partition)
        if replayed:  # what the first delivery passed on may have been lost with a crash: pass it on again
            self._resend.update(orders)
        return orders

    def _apply_order(self, change: OrderRowChanged | OrderLineChanged, partition: int) -> bool:
        """Fold an order's row or line in; False when it only restated what the order holds."""
        held = self.order(change.order_id)
        restated = transforms.restated_order(held, change)
        if restated is not None:
            self.state.put(f"order/{change.order_id}", restated, partition)
            return False
        if isinstance(change, OrderRowChanged):
            after = transforms.apply_order_row(held, change)
            if after is not None and change.order is not None and change.order.customer_id is not None:
                self._index(f"by_customer/{partition}/{change.order.customer_id}", change.order_id, partition)
        else:
            after = transforms.apply_line(held, change)
            if after is not None and change.line is not None:
                self._index(f"by_product/{partition}/{change.line.product_id}", change.order_id, partition)
        if after is not None:
            self.state.put(f"order/{change.order_id}", after, partition)  # after the indexes that lead to it
        self._changed[change.order_id] = None  # also when not newer: a replay re-sends what a crash lost
        return True

    def _index(self, key: str, order_id: int, partition: int) -> None:
        entry = f"{key}/{order_id}"
        if not self.state.has(entry, partition):
            self.state.put(entry, [], partition)

    def _indexed(self, key: str, partition: int) -> list[int]:
        """The orders under a reverse index key: its entries, and the list an earlier version kept."""
        entries = [int(k.rsplit("/", 1)[1]) for k in self.state.keys(f"{key}/", partition)]
        known = set(entries)
        return [order_id for order_id in self.state.get_list(key, partition) if order_id not in known] + entries

    def _to_customer(self, customer_id: int, value: bytes) -> Outgoing:
        return Outgoing(partition_for(customer_id, self.partitions), str(customer_id).encode(), value)
