"""Sales aggregates: contributions and retractions on recorded envelopes, redelivery, reordering, crashes."""

from __future__ import annotations

import random

import pytest

from pipelines.core.records import DocumentDeleted
from pipelines.core.tables import StateTable
from pipelines.orders.records import SalesContribution
from pipelines.orders.sales_state import SalesModel
from tests.unit.pipelines.recorded import LoggedDict, recorded
from tests.unit.pipelines.test_orders import EVENTS, NOW, PRODUCT, Pipeline, order_event, routed

LINE_TOTAL = 7350  # the recorded order: 2 + 1 lamps at 24.50


def _fed(*extra) -> Pipeline:
    pipeline = Pipeline()
    for name in EVENTS:
        pipeline.feed(EVENTS[name]())
    for changes in extra:
        pipeline.feed(changes)
    return pipeline


def _day(pipeline: Pipeline) -> str:
    return pipeline.order()["placed_at"][:10]


def test_a_cancelled_order_retracts_its_sales_and_the_empty_buckets_are_deleted():
    pipeline = _fed(order_event(10**10, status="cancelled"))
    day = _day(pipeline)
    assert pipeline.sales_totals() == {f"p|{day}|{PRODUCT}": (0, 0, 0), f"s|{day}|lighting": (0, 0, 0)}
    assert isinstance(pipeline.sales.document(f"s|{day}|lighting", NOW), DocumentDeleted)


def test_paying_changes_nothing_and_redelivered_events_count_once():
    pipeline = _fed(order_event(10**10, status="paid"), EVENTS["line1"](), EVENTS["order"]())
    assert pipeline.sales_totals()[f"s|{_day(pipeline)}|lighting"] == (1, 3, LINE_TOTAL)


def test_an_edited_line_retracts_the_old_quantity_and_adds_the_new():
    value = recorded("order_items.create")["value"]
    edited = routed(
        "order_items.create",
        op="u",
        source={**value["source"], "lsn": 10**10},
        after={**value["after"], "quantity": 4},
        before=value["after"],
    )
    pipeline = _fed(edited)
    assert pipeline.sales_totals()[f"s|{_day(pipeline)}|lighting"] == (1, 6, 2 * 2450 + 4 * 2450)


def test_a_product_moved_to_another_category_moves_its_history_like_the_sql_join_does():
    value = recorded("products.update")["value"]
    moved = routed(
        "products.update", source={**value["source"], "lsn": 10**10}, after={**value["after"], "category": "garden"}
    )
    pipeline = _fed(moved)
    day = _day(pipeline)
    totals = pipeline.sales_totals()
    assert totals[f"s|{day}|lighting"] == (0, 0, 0) and totals[f"s|{day}|garden"] == (1, 3, LINE_TOTAL)
    assert pipeline.sales.document(f"s|{day}|garden", NOW).document_id() == f"{day}|garden"


def _contributions(seed: int) -> list[SalesContribution]:
    rng = random.Random(seed)
    revisions: dict[int, int] = {}
    out = []
    for step in range(60):
        order = rng.randint(1, 12)
        revisions[order] = revisions.get(order, 0) + 1
        out.append(
            SalesContribution(
                lsn=step + 1,
                ts_ms=step,
                key="s|2026-11-26|lamps",
                order_id=order,
                revision=revisions[order],
                orders=rng.choice([0, 1]),
                units=rng.randint(0, 5),
                cents=rng.randint(0, 9999),
            )
        )
    return out


def _expected(contributions: list[SalesContribution]) -> tuple[int, int, int]:
    newest: dict[int, SalesContribution] = {}
    for c in contributions:
        if c.order_id not in newest or c.revision > newest[c.order_id].revision:
            newest[c.order_id] = c
    return tuple(sum(getattr(c, f) for c in newest.values()) for f in ("orders", "units", "cents"))


@pytest.mark.parametrize("seed", range(5))
def test_totals_survive_a_crash_that_keeps_any_prefix_of_the_writes_and_redelivery(seed):
    sequence = _contributions(seed)
    log: list = []
    model = SalesModel(StateTable(LoggedDict(log)), 4, "s", "p")
    for c in sequence + sequence[::3]:  # some delivered twice, late
        model.apply(c, 1)
    totals = model.totals("s|2026-11-26|lamps")
    assert (totals.orders, totals.units, totals.cents) == _expected(sequence)
    for cut in range(len(log) + 1):
        restored = SalesModel(StateTable(dict(log[:cut])), 4, "s", "p")
        for c in sequence:
            restored.apply(c, 1)
        totals = restored.totals("s|2026-11-26|lamps")
        assert (totals.orders, totals.units, totals.cents) == _expected(sequence), cut
