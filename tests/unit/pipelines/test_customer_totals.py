"""Customer totals folded from order contributions equal a recomputation, under redelivery and crashes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from pipelines.core.tables import StateTable
from pipelines.orders.customer_state import CustomersModel
from pipelines.orders.records import OrderContribution
from tests.unit.pipelines.recorded import LoggedDict

CUSTOMER, PARTITION = 7, 3
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _contributions(rng: random.Random, orders: int, steps: int) -> list[OrderContribution]:
    """Successive versions of a customer's orders: placed, re-totalled, cancelled, moved away and back."""
    revisions = {o: 0 for o in range(1, orders + 1)}
    out = []
    for step in range(steps):
        order = rng.randint(1, orders)
        revisions[order] += 1
        out.append(
            OrderContribution(
                lsn=1000 + step,
                ts_ms=step,
                customer_id=CUSTOMER,
                order_id=order,
                revision=revisions[order],
                present=rng.random() > 0.1,
                counted=rng.random() > 0.3,
                total_cents=rng.randint(0, 10_000),
                placed_at=T0 + timedelta(minutes=order),
            )
        )
    return out


def _expected(contributions: list[OrderContribution]) -> tuple[int, int, datetime | None]:
    newest: dict[int, OrderContribution] = {}
    for c in contributions:
        if c.order_id not in newest or c.revision > newest[c.order_id].revision:
            newest[c.order_id] = c
    counted = [c for c in newest.values() if c.present and c.counted]
    return len(counted), sum(c.total_cents for c in counted), max((c.placed_at for c in counted), default=None)


def _actual(model: CustomersModel) -> tuple[int, int, datetime | None]:
    totals = model.totals(CUSTOMER)
    return totals.order_count, totals.cents, totals.latest[0][0] if totals.latest else None


@pytest.mark.parametrize("seed", range(30))
def test_totals_equal_a_recomputation_with_redeliveries_and_stale_versions(seed):
    rng = random.Random(seed)
    sequence = _contributions(rng, orders=rng.choice([3, 20, 60]), steps=300)
    delivered = []
    for c in sequence:  # each may come again later (a replay), and old versions may arrive late
        delivered.append(c)
        if rng.random() < 0.3:
            delivered.append(rng.choice(delivered))
    model = CustomersModel(StateTable({}), 4)
    for c in delivered:
        model.apply(c, PARTITION)
    assert _actual(model) == _expected(sequence)


@pytest.mark.parametrize("seed", range(5))
def test_a_crash_that_keeps_any_prefix_of_the_writes_loses_and_double_counts_nothing(seed):
    sequence = _contributions(random.Random(seed), orders=20, steps=60)
    log: list = []
    model = CustomersModel(StateTable(LoggedDict(log)), 4)
    for c in sequence:
        model.apply(c, PARTITION)
    for cut in range(len(log) + 1):
        restored = CustomersModel(StateTable(dict(log[:cut])), 4)
        for c in sequence:  # replay everything: offsets are committed only after a batch's writes
            restored.apply(c, PARTITION)
        assert _actual(restored) == _expected(sequence), cut
