"""Decoding recorded Debezium envelopes: every op, exact decimals, instants, tombstones and poison."""

from __future__ import annotations

import json
from datetime import UTC
from decimal import Decimal

import pytest

from pipelines.core.envelope import DecodeError, decode_envelope
from pipelines.core.rows import ENVELOPES, InventoryRow, OrderItemRow, OrderRow, ProductRow
from tests.unit.pipelines.recorded import recorded, value_bytes

TABLES = ["products", "inventory", "orders", "order_items"]


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("kind,op", [("create", "c"), ("update", "u"), ("delete", "d"), ("snapshot", "r")])
def test_every_recorded_op_decodes_to_its_table_row(table, kind, op):
    envelope = decode_envelope(value_bytes(f"{table}.{kind}"), ENVELOPES[table], table)
    assert envelope is not None and envelope.op == op
    assert envelope.lsn == recorded(f"{table}.{kind}")["value"]["source"]["lsn"] > 0
    assert envelope.is_delete == (op == "d")
    row_type = {"products": ProductRow, "inventory": InventoryRow, "orders": OrderRow, "order_items": OrderItemRow}[
        table
    ]
    assert isinstance(envelope.row, row_type)


@pytest.mark.parametrize("table", TABLES)
def test_a_tombstone_decodes_to_nothing(table):
    assert decode_envelope(value_bytes(f"{table}.tombstone"), ENVELOPES[table], table) is None


def test_money_is_an_exact_decimal_and_times_are_utc_instants():
    product = decode_envelope(value_bytes("products.update"), ENVELOPES["products"], "products").row
    assert product.price == Decimal("24.50") and isinstance(product.price, Decimal)
    assert product.created_at.tzinfo is not None and product.created_at.utcoffset() == UTC.utcoffset(None)
    line = decode_envelope(value_bytes("order_items.create"), ENVELOPES["order_items"], "order_items").row
    assert line.unit_price == Decimal("24.50")


def test_a_delete_keeps_the_row_before_and_the_snapshot_is_marked():
    deleted = decode_envelope(value_bytes("products.delete"), ENVELOPES["products"], "products")
    assert deleted.after is None and deleted.row.id == recorded("products.delete")["key"]["id"]
    snap = decode_envelope(value_bytes("products.snapshot"), ENVELOPES["products"], "products")
    assert snap.source.snapshot in {"first", "true", "last", "first_in_data_collection", "last_in_data_collection"}


def test_the_heartbeat_decodes():
    beat = decode_envelope(
        value_bytes("debezium_heartbeat.update"), ENVELOPES["debezium_heartbeat"], "debezium_heartbeat"
    )
    assert beat.row.id == 1 and beat.lsn > 0


def _patched(name: str, **changes) -> bytes:
    return json.dumps({**recorded(name)["value"], **changes}).encode()


@pytest.mark.parametrize(
    "raw,reason",
    [
        (b"{not json", "bad_json"),
        (b"\xff\xfe\x00garbage", "bad_json"),
        (b"[1, 2]", "bad_json"),
        (_patched("products.create", op="t"), "unknown_op"),
        (_patched("products.create", after=None), "invalid_envelope"),
        (_patched("products.create", after={"id": 1, "sku": "x"}), "invalid_row"),
        (_patched("products.create", source={"lsn": 1}), "invalid_envelope"),
        (
            _patched("products.create", source={**recorded("products.create")["value"]["source"], "lsn": 2**63}),
            "invalid_envelope",
        ),  # past a signed long: no Elasticsearch version could hold it
        (
            _patched(
                "customers.update",
                before=None,
                after={**recorded("customers.update")["value"]["after"], "name": "__debezium_unavailable_value"},
            ),
            "unavailable_value",
        ),
    ],
)
def test_poison_is_refused_with_a_reason(raw, reason):
    table = "customers" if b"customers" in raw else "products"
    with pytest.raises(DecodeError) as refused:
        decode_envelope(raw, ENVELOPES[table], table)
    assert refused.value.reason == reason


def test_an_event_of_another_table_on_a_topic_is_refused_as_unknown_table():
    with pytest.raises(DecodeError) as refused:
        decode_envelope(value_bytes("orders.create"), ENVELOPES["products"], "products")
    assert refused.value.reason in {"unknown_table", "invalid_row"}
    orders_as_orders = json.loads(value_bytes("orders.create"))
    orders_as_orders["source"]["table"] = "payments"
    with pytest.raises(DecodeError) as refused:
        decode_envelope(json.dumps(orders_as_orders).encode(), ENVELOPES["orders"], "orders")
    assert refused.value.reason == "unknown_table"


def test_a_column_an_update_left_alone_and_debezium_could_not_read_is_taken_from_before():
    value = recorded("products.update")["value"]
    raw = json.dumps({**value, "after": {**value["after"], "description": "__debezium_unavailable_value"}}).encode()
    envelope = decode_envelope(raw, ENVELOPES["products"], "products")
    assert envelope.after.description == value["before"]["description"] != "__debezium_unavailable_value"


def test_a_column_added_by_a_migration_is_ignored_and_a_renamed_one_is_an_invalid_row():
    value = recorded("products.update")["value"]
    added = json.dumps({**value, "after": {**value["after"], "brand": "Acme"}}).encode()
    assert decode_envelope(added, ENVELOPES["products"], "products").after.name == value["after"]["name"]
    after = {("title" if k == "name" else k): v for k, v in value["after"].items()}
    with pytest.raises(DecodeError) as refused:  # until the read model's row type learns the new name
        decode_envelope(json.dumps({**value, "after": after}).encode(), ENVELOPES["products"], "products")
    assert refused.value.reason == "invalid_row"
