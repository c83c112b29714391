"""Recorded reviews events (schemas/envelopes/reviews.*.json) through the declared engine: a review is its
own document, and a contribution to its product's aggregates that follows it when it moves."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from catalog.registry import read_model
from pipelines.core.envelope import decode_envelope
from pipelines.core.records import DocumentDeleted, Origin
from pipelines.core.rows import envelope_of
from pipelines.core.tables import StateTable
from pipelines.declared.records import ContributionChanged, RowChanged
from pipelines.declared.routing import DeclaredRoutes, IdentityNotFull
from pipelines.declared.state import DeclaredAggregates, DeclaredState
from tests.unit.pipelines.recorded import message

NOW = datetime(2026, 12, 7, tzinfo=UTC)
REVIEWS, PRODUCTS = read_model("reviews"), read_model("products")
PARTITIONS = 4


def routed(model, name: str, **changes: object) -> list:
    msg = message(name, **changes)
    envelope = decode_envelope(msg.value, envelope_of("reviews"), "reviews")
    return list(DeclaredRoutes(model)("reviews", envelope, Origin(topic=msg.topic, partition=0, offset=0), PARTITIONS))


def test_a_review_is_routed_to_its_own_partition_with_the_declared_columns():
    [(partition, change)] = routed(REVIEWS, "reviews.create")
    assert isinstance(change, RowChanged) and partition == change.key % PARTITIONS
    assert change.values == {
        "id": 1,
        "product_id": 1,
        "customer_id": 1,
        "rating": 4,
        "body": "bright and warm",
        "created_at": "2026-12-07T01:54:07.173287Z",
    }
    [(_, deleted)] = routed(REVIEWS, "reviews.delete")
    assert deleted.values is None


def test_a_moved_review_goes_to_its_old_and_its_new_product():
    moved = routed(PRODUCTS, "reviews.move")
    assert [p for p, _ in moved] == [1, 2]  # products 1 and 2, by product id % 4
    change = moved[0][1]
    assert isinstance(change, ContributionChanged)
    assert (change.parent, change.was, change.values) == (2, 1, {"rating": 2})


def test_an_update_without_its_old_row_is_refused_with_what_to_do():
    with pytest.raises(IdentityNotFull, match="REPLICA IDENTITY FULL"):
        routed(PRODUCTS, "reviews.update", before=None)


def test_the_recorded_life_of_a_review_leaves_both_products_exact():
    aggregates = DeclaredAggregates(PRODUCTS, StateTable({}), PARTITIONS)
    figures = []
    for name in ("reviews.create", "reviews.update", "reviews.move", "reviews.delete"):
        for partition, change in routed(PRODUCTS, name):
            aggregates.apply(change, partition)
        figures.append([aggregates.fields(product, product % PARTITIONS)[0] for product in (1, 2)])
    none, one = {"review_count": 0, "rating_avg": None}, {"review_count": 1}
    assert figures == [
        [{**one, "rating_avg": 4.0}, none],
        [{**one, "rating_avg": 2.0}, none],
        [none, {**one, "rating_avg": 2.0}],
        [none, none],
    ]


def test_the_reviews_document_follows_its_row():
    state = DeclaredState(REVIEWS, StateTable({}), PARTITIONS)
    for partition, change in routed(REVIEWS, "reviews.create") + routed(REVIEWS, "reviews.update"):
        state.apply(change, partition)
    doc = state.document(1, NOW).model_dump()
    assert (doc["rating"], doc["body"], doc["source_lsn"]) == (2, "flickers after a week", 27511088)
    for partition, change in routed(REVIEWS, "reviews.delete"):
        state.apply(change, partition)
    assert isinstance(state.document(1, NOW), DocumentDeleted)
