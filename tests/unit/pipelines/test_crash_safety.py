"""A worker killed at any instant: whatever prefix of each changelog survived, a replay neither loses nor
double-counts. Models what Faust guarantees: writes before a commit are durable (flushed first); after
it, each changelog partition keeps a prefix of its writes, independently of the other changelogs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipelines.products.tables import ProductsState, ProductTables
from tests.unit.pipelines.recorded import recorded, routed

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PRODUCT, PARTITION = 3, 3


class LoggedTable(dict):
    """A dict that appends every write to a shared log, like a changelog topic."""

    def __init__(self, name: str, log: list) -> None:
        super().__init__()
        self.name, self.log = name, log

    def __setitem__(self, key, value) -> None:
        self.log.append((self.name, key, json.loads(json.dumps(value))))
        super().__setitem__(key, value)


def _tables(log: list) -> ProductTables:
    return ProductTables(*(LoggedTable(n, log) for n in ("products", "stock", "sales", "handover", "declared")))


def _variant(name: str, order_id: int, lsn_shift: int) -> list:
    """A recorded order event re-told about another order, later in the WAL."""
    value = recorded(name)["value"]
    for image in ("before", "after"):
        if value[image]:
            value[image] = {
                **value[image],
                **({"id": order_id} if "status" in value[image] else {"order_id": order_id}),
            }
    source = {**value["source"], "lsn": value["source"]["lsn"] + lsn_shift}
    return [c for p, c in routed(name, before=value["before"], after=value["after"], source=source) if p == PARTITION]


def _events() -> list:
    names = [
        "products.update",
        "inventory.create",
        "orders.create",
        "order_items.create_line2",
        "order_items.create",
        "inventory.update",
        "order_items.update",
        "orders.update",
        "order_items.delete",
    ]
    events = [[c for p, c in routed(n) if p == PARTITION] for n in names]
    events.insert(4, _variant("orders.create", 9, 50_000_000))
    events.insert(6, _variant("order_items.create", 9, 50_000_000))
    events.append(_variant("orders.update", 9, 50_000_000))  # order 9 cancelled too
    events.insert(8, _variant("order_items.create_line2", 11, 60_000_000))  # order 11: lines first ...
    events.append(_variant("orders.create", 11, 60_000_000))  # ... then the order
    return events


def _run(state: ProductsState, events: list) -> None:
    for changes in events:
        for change in changes:
            state.apply(change, PARTITION)


def _restore(log: list, cut_sales: int, cut_others: int) -> ProductTables:
    tables = ProductTables({}, {}, {}, {}, {})
    for position, (name, key, value) in enumerate(log):
        cut = cut_sales if name == "sales" else cut_others
        if position < cut:
            getattr(
                tables,
                {"products": "product_row_by_id", "stock": "inventory_by_product", "sales": "sales_by_key"}[name],
            )[key] = value
    return tables


def _document(state: ProductsState):
    return state.document(PRODUCT, NOW)


def test_the_scenario_counts_what_postgres_would():
    state = ProductsState(ProductTables({}, {}, {}, {}, {}), 4)
    _run(state, _events())
    # order 2: cancelled; order 9: cancelled; order 11 (placed): its line 1 has 2 units
    assert _document(state).units_sold == 2


@pytest.mark.parametrize("committed", range(0, 13))
def test_a_crash_after_any_commit_with_any_changelog_prefix_recovers_exactly(committed):
    events = _events()
    assert committed <= len(events)
    log: list = []
    state = ProductsState(_tables(log), 4)
    durable_at = []
    for changes in events:
        _run(state, [changes])
        durable_at.append(len(log))
    expected = _document(state)
    floor = durable_at[committed - 1] if committed else 0
    for cut_others in (floor, len(log)):
        for cut_sales in range(floor, len(log) + 1):
            restored = ProductsState(_restore(log, cut_sales, cut_others), 4)
            _run(restored, events[committed:])  # redelivery from the committed offset
            assert _document(restored) == expected, (committed, cut_sales, cut_others)
