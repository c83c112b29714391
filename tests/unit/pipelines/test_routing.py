"""Routing recorded events to the partition that owns their product (orders: to every partition)."""

from __future__ import annotations

import json

from pipelines.core.envelope import decode_envelope
from pipelines.core.records import Origin
from pipelines.core.rows import ENVELOPES
from pipelines.products.records import OrderChanged, OrderLineChanged, ProductChanged, StockChanged
from pipelines.products.routing import route
from tests.unit.pipelines.recorded import recorded, routed


def test_a_product_and_its_stock_meet_in_one_partition_though_their_keys_hash_apart():
    ((p_part, product),) = routed("products.update")
    ((s_part, stock),) = routed("inventory.update")
    assert isinstance(product, ProductChanged) and isinstance(stock, StockChanged)
    assert product.product_id == stock.product_id == 3
    assert p_part == s_part == 3 % 4
    assert recorded("products.update")["partition"] != recorded("inventory.update")["partition"]


def test_product_fields_travel_exactly_and_a_delete_travels_as_none():
    ((_, product),) = routed("products.update")
    assert str(product.product.price) == "24.50" and product.product.name == "Recorded Lamp II"
    assert product.origin.topic == "readside.public.products"
    ((_, deleted),) = routed("products.delete")
    assert deleted.product is None
    ((_, stock_gone),) = routed("inventory.delete")
    assert stock_gone.on_hand is None  # not the zero Debezium fills into a DEFAULT-identity before image


def test_a_brand_travels_when_the_row_has_one_and_events_from_before_the_column_have_none():
    after = recorded("products.update")["value"]["after"]
    ((_, branded),) = routed("products.update", after={**after, "brand": "Lumen & Co"})
    assert branded.product.brand == "Lumen & Co"
    ((_, older),) = routed("products.update")  # captured before migration 0004 added the column
    assert older.product.brand is None


def test_an_order_change_goes_to_every_partition():
    pairs = routed("orders.update")
    assert [p for p, _ in pairs] == [0, 1, 2, 3]
    assert all(isinstance(c, OrderChanged) and c.status == "cancelled" for _, c in pairs)
    assert {c.status for _, c in routed("orders.delete")} == {None}


def test_an_order_line_goes_to_its_products_partition_and_a_moved_line_to_both():
    ((part, line),) = routed("order_items.update")
    assert isinstance(line, OrderLineChanged) and (part, line.quantity) == (3, 3)
    value = recorded("order_items.update")["value"]
    value["after"] = {**value["after"], "product_id": 6}
    envelope = decode_envelope(json.dumps(value).encode(), ENVELOPES["order_items"], "order_items")
    pairs = route("order_items", envelope, Origin(topic="t", partition=0, offset=0), 4)
    assert [p for p, _ in pairs] == [2, 3]
    assert {c.product_id for _, c in pairs} == {6}
    ((_, gone),) = routed("order_items.delete")
    assert gone.quantity is None


def test_the_heartbeat_routes_nothing():
    assert routed("debezium_heartbeat.update") == []
