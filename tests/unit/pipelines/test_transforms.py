"""The products join from recorded envelopes: any arrival order, duplicates, cancellations and deletes."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pipelines.core.records import DocumentDeleted
from pipelines.products.records import ProductDocument
from tests.unit.pipelines.recorded import routed, state

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PRODUCT = 3  # the product of the recorded streaming story; partition 3 of 4 owns it
SOLD = [
    "products.update",
    "inventory.create",
    "inventory.update",
    "orders.create",
    "order_items.create",
    "order_items.create_line2",
    "order_items.update",
]


def _apply_all(names, st=None):
    st = st or state()
    for name in names:
        for partition, change in routed(name):
            st.apply(change, partition)
    return st


def test_the_recorded_story_gives_the_document_postgres_would():
    doc = _apply_all(SOLD).document(PRODUCT, NOW)
    assert isinstance(doc, ProductDocument)
    assert (doc.name, doc.price, doc.price_cents, doc.category) == ("Recorded Lamp II", "24.50", 2450, "lighting")
    assert (doc.on_hand, doc.in_stock) == (7, True)
    assert doc.units_sold == 2 + 3  # line 1 (2) and line 2 after its update (3)
    assert doc.source_lsn == max(change.lsn for name in SOLD for _, change in routed(name))


@pytest.mark.parametrize("seed", range(60))
def test_any_arrival_order_with_duplicates_gives_the_same_document(seed):
    rng = random.Random(seed)
    names = SOLD + ["orders.update"]  # ... and then the order is cancelled
    arrivals = names + rng.sample(names, k=4)  # redeliveries
    rng.shuffle(arrivals)
    doc = _apply_all(arrivals).document(PRODUCT, NOW)
    expected = _apply_all(names).document(PRODUCT, NOW)
    assert doc == expected
    assert doc.units_sold == 0 and doc.on_hand == 7


def test_a_cancelled_order_stops_counting_and_a_replayed_placement_does_not_revive_it():
    st = _apply_all(SOLD + ["orders.update"])
    assert st.document(PRODUCT, NOW).units_sold == 0
    _apply_all(["orders.create", "order_items.create", "order_items.update"], st)
    assert st.document(PRODUCT, NOW).units_sold == 0


def test_deleting_lines_and_the_order_leaves_nothing_counted():
    st = _apply_all(SOLD)
    _apply_all(["order_items.delete"], st)  # line 2 (3 units) removed
    assert st.document(PRODUCT, NOW).units_sold == 2
    _apply_all(["orders.delete"], st)
    assert st.document(PRODUCT, NOW).units_sold == 0


def test_a_product_without_its_row_has_no_document_until_the_row_arrives():
    st = _apply_all(["inventory.update", "orders.create", "order_items.create"])
    assert st.document(PRODUCT, NOW) is None
    _apply_all(["products.update"], st)
    doc = st.document(PRODUCT, NOW)
    assert doc.on_hand == 7 and doc.units_sold == 1


def test_a_deleted_product_becomes_a_deletion_and_late_older_rows_cannot_bring_it_back():
    st = _apply_all(["products.create", "inventory.create"])
    gone = 4  # the recorded create/delete pair is about product 4
    routed_delete = routed("products.delete")
    for partition, change in routed_delete:
        st.apply(change, partition)
    _apply_all(["products.create"], st)  # redelivered create, older LSN
    doc = st.document(gone, NOW)
    assert isinstance(doc, DocumentDeleted)
    assert doc.source_lsn >= routed_delete[0][1].lsn


def test_a_redelivered_change_still_reports_its_product_for_reindexing():
    # After a crash between the changelog flush and the bulk, the replayed change finds its state applied;
    # the document must be written again anyway, or the index would keep the old one.
    st = _apply_all(SOLD)
    for name in ["products.update", "inventory.update", "order_items.update", "orders.create"]:
        touched = set()
        for partition, change in routed(name):
            touched |= st.apply(change, partition)
        assert PRODUCT in touched, name


def test_a_price_keeps_two_places_and_cents_are_exact():
    st = _apply_all([])
    ((partition, change),) = routed("products.update")
    change = change.model_copy(update={"product": change.product.model_copy(update={"price": Decimal("12345678.9")})})
    st.apply(change, partition)
    doc = st.document(PRODUCT, NOW)
    assert (doc.price, doc.price_cents) == ("12345678.90", 1234567890)


def test_the_version_is_the_newest_lsn_even_when_a_newer_change_of_another_row_lowers_nothing():
    st = _apply_all(["products.update"])  # LSN 171410832
    before = st.document(PRODUCT, NOW)
    _apply_all(["inventory.create"], st)  # an OLDER LSN (171410584), applied later: content changes
    after = st.document(PRODUCT, NOW)
    assert after.on_hand == 10 != before.on_hand
    assert after.source_lsn == before.source_lsn  # why the sink uses external_gte, not external
