"""Stage 3: the customers projection, fed by the orders stage (a ReadModel).

Partition `customer_id % partitions` of the customers topic gets the customer's profile and every
order's contribution to it. One table, `customers_state`:
    profile/<customer id>              -> ProfileState
    contribution/<customer id>/<order> -> ContributionState (the order's newest contribution)
    totals/<customer id>               -> CustomerTotals
A contribution writes the totals first and its own entry last. After a crash that kept only the totals,
the replayed contribution finds its entry older (so it is applied again) but the totals saying they
already folded exactly it in (`last_folded`), so it is counted once.
A source partition is applied up to offset O here once every orders partition has passed on a mark at
or past O: each sends its marks behind everything it passed on before them (positions in memory, see
pipelines/core/progress.py Positions).
"""

from __future__ import annotations

from datetime import datetime

from pipelines.core.checkpoints import PartKey
from pipelines.core.progress import Positions, Progress
from pipelines.core.projector import Outgoing
from pipelines.core.records import DocumentDeleted
from pipelines.core.tables import StateTable
from pipelines.orders import transforms
from pipelines.orders.records import (
    CUSTOMERS_ROUTED,
    ContributionState,
    CustomerDocument,
    CustomerTotals,
    ForwardedMarks,
    OrderContribution,
    ProfileChanged,
    ProfileState,
)
from pipelines.orders.routing import partition_for


class CustomersModel:
    routed = CUSTOMERS_ROUTED

    def __init__(self, state: StateTable, partitions: int) -> None:
        self.state = state
        self.partitions = partitions
        self.positions = Positions()

    def marks(self, record: object, partition: int) -> dict[PartKey, Progress] | None:
        if not isinstance(record, ForwardedMarks):
            return None
        return self.positions.fold_forwarded(partition, record.marks, self.partitions)

    def apply(self, change: ProfileChanged | OrderContribution, partition: int) -> list[int]:
        if isinstance(change, ProfileChanged):
            profile = transforms.apply_profile(self.profile(change.customer_id), change)
            if profile is not None:
                self.state.put(f"profile/{change.customer_id}", profile, partition)
        elif isinstance(change, OrderContribution):
            self._fold(change, partition)
        else:
            raise TypeError(f"not a customers change: {change!r}")
        return [change.customer_id]

    def document(self, customer_id: int, indexed_at: datetime) -> CustomerDocument | DocumentDeleted | None:
        return transforms.build_customer_document(
            customer_id, self.profile(customer_id), self.totals(customer_id), indexed_at
        )

    def outbox(self) -> list[Outgoing]:
        return []  # the last stage

    def profile(self, customer_id: int) -> ProfileState | None:
        return self.state.get(f"profile/{customer_id}", ProfileState, partition_for(customer_id, self.partitions))

    def totals(self, customer_id: int) -> CustomerTotals | None:
        return self.state.get(f"totals/{customer_id}", CustomerTotals, partition_for(customer_id, self.partitions))

    def _fold(self, change: OrderContribution, partition: int) -> None:
        key = f"contribution/{change.customer_id}/{change.order_id}"
        held = self.state.get(key, ContributionState, partition)
        if not transforms.newer_contribution(held, change):
            return  # a redelivery, or overtaken by a newer one
        entry = transforms.contribution_entry(change)

        def rescan() -> list[tuple[int, ContributionState]]:
            prefix = f"contribution/{change.customer_id}/"
            found = {int(k[len(prefix) :]): e for k, e in self.state.scan(prefix, ContributionState, partition)}
            return list({**found, change.order_id: entry}.items())

        totals = transforms.fold_contribution(self.totals(change.customer_id), change.order_id, held, entry, rescan)
        if totals is not None:
            self.state.put(f"totals/{change.customer_id}", totals, partition)  # the totals first ...
        self.state.put(key, entry, partition)  # ... the entry last
