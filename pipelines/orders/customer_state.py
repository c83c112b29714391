"""Stage 3: the customers projection, fed by the orders stage (a ReadModel).

Partition `customer_id % partitions` of the customers topic gets the customer's profile and every
order's contribution to it. One table, `customers_state`:
    profile/<customer id>                   -> ProfileState
    orders/<customer id>                    -> CustomerOrders (each order's newest contribution)
    forwarded/<partition>/<topic>/<p>/<via> -> Progress (marks passed on by orders partition `via`)
A source partition is applied up to offset O here once every orders partition has passed on a mark at
or past O: each sends its marks behind everything it passed on before them.
"""
from __future__ import annotations

from datetime import datetime

from pipelines.core.checkpoints import PartKey
from pipelines.core.progress import Progress, advance, combine
from pipelines.core.projector import Outgoing
from pipelines.core.records import DocumentDeleted
from pipelines.core.tables import StateTable
from pipelines.orders import transforms
from pipelines.orders.records import (CUSTOMERS_ROUTED, CustomerDocument, CustomerOrders, ForwardedMarks,
                                      OrderContribution, ProfileChanged, ProfileState)


class CustomersModel:
    routed = CUSTOMERS_ROUTED

    def __init__(self, state: StateTable, partitions: int) -> None:
        self.state = state
        self.partitions = partitions

    def marks(self, record: object, partition: int) -> dict[PartKey, Progress] | None:
        if not isinstance(record, ForwardedMarks):
            return None
        parts: dict[PartKey, Progress] = {}
        for mark in record.marks:
            prefix = f"forwarded/{partition}/{mark.topic}/{mark.partition}"
            key = f"{prefix}/{record.via}"
            self.state.put(key, advance(self.state.get(key, Progress), mark), partition)
            combined = combine([self.state.get(f"{prefix}/{via}", Progress) for via in range(self.partitions)])
            if combined is not None:
                parts[(partition, mark.topic, mark.partition)] = combined
        return parts

    def apply(self, change: ProfileChanged | OrderContribution, partition: int) -> list[int]:
        if isinstance(change, ProfileChanged):
            profile = transforms.apply_profile(self.profile(change.customer_id), change)
            if profile is not None:
                self.state.put(f"profile/{change.customer_id}", profile, partition)
        elif isinstance(change, OrderContribution):
            orders = transforms.apply_contribution(self.orders(change.customer_id), change)
            if orders is not None:
                self.state.put(f"orders/{change.customer_id}", orders, partition)
        else:
            raise TypeError(f"not a customers change: {change!r}")
        return [change.customer_id]

    def document(self, customer_id: int, indexed_at: datetime) -> CustomerDocument | DocumentDeleted | None:
        return transforms.build_customer_document(customer_id, self.profile(customer_id),
                                                  self.orders(customer_id), indexed_at)

    def outbox(self) -> list[Outgoing]:
        return []  # the last stage

    def profile(self, customer_id: int) -> ProfileState | None:
        return self.state.get(f"profile/{customer_id}", ProfileState)

    def orders(self, customer_id: int) -> CustomerOrders | None:
        return self.state.get(f"orders/{customer_id}", CustomerOrders)
