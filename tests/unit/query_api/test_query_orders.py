"""Order and customer documents to API views: internal fields dropped, money exact, incomplete
documents are not orders or customers yet."""

from __future__ import annotations

import dataclasses

import pytest

from services.query_api.domain.customers import CustomerView, customer_from_source
from services.query_api.domain.money import money_text
from services.query_api.domain.orders import OrderCustomerView, OrderLineView, OrderView, order_from_source

from .fakes import order_doc

ORDER = {
    "id": 7,
    "status": "paid",
    "customer_id": 3,
    "customer": {"id": 3, "name": "Ada", "email": "ada@x.org", "country": "GB"},
    "items": [
        {
            "line_no": 2,
            "product_id": 6,
            "sku": "SKU-6",
            "name": "Shade",
            "quantity": 1,
            "unit_price": "5.5",
            "line_total": "5.50",
            "line_total_cents": 550,
        },
        {
            "line_no": 1,
            "product_id": 5,
            "sku": "SKU-5",
            "name": "Lamp",
            "quantity": 2,
            "unit_price": "19.90",
            "line_total": "39.80",
            "line_total_cents": 3980,
        },
    ],
    "total": "45.30",
    "total_cents": 4530,
    "placed_at": "2026-11-26T10:00:00.123456Z",
    "updated_at": "2026-11-26T10:00:01.5Z",
    "source_lsn": 123456,
    "source_ts_ms": 1790000000000,
    "indexed_at": "2026-11-26T10:00:02Z",
}
CUSTOMER = {
    "id": 3,
    "email": "ada@x.org",
    "name": "Ada",
    "country": "GB",
    "order_count": 4,
    "lifetime_value": "123.4",
    "lifetime_value_cents": 12340,
    "last_order_at": "2026-11-26T10:00:00.123456Z",
    "source_lsn": 9,
    "source_ts_ms": 0,
    "indexed_at": "2026-11-26T10:00:02Z",
}


def test_a_full_order_in_api_shape_with_lines_in_order():
    assert order_from_source("7", ORDER) == OrderView(
        id=7,
        status="paid",
        customer=OrderCustomerView(3, "Ada", "ada@x.org", "GB"),
        items=[
            OrderLineView(1, 5, "SKU-5", "Lamp", 2, "19.90", "39.80"),
            OrderLineView(2, 6, "SKU-6", "Shade", 1, "5.50", "5.50"),
        ],
        total="45.30",
        placed_at="2026-11-26T10:00:00.123456Z",
        updated_at="2026-11-26T10:00:01.5Z",
    )


def test_internal_fields_are_not_part_of_an_order():
    fields = {f.name for f in dataclasses.fields(OrderView)}
    assert fields == {"id", "status", "customer", "items", "total", "placed_at", "updated_at"}
    assert {f.name for f in dataclasses.fields(OrderLineView)} == {
        "line_no",
        "product_id",
        "sku",
        "name",
        "quantity",
        "unit_price",
        "line_total",
    }


def test_an_order_without_customer_and_one_whose_customer_is_still_arriving():
    erased = order_from_source("7", {**ORDER, "customer_id": None, "customer": None})
    assert erased is not None and erased.customer is None
    arriving = order_from_source("7", {**ORDER, "customer": {"id": 3, "name": None, "email": None, "country": None}})
    assert arriving is not None and arriving.customer == OrderCustomerView(3, None, None, None)
    only_id = order_from_source("7", {**ORDER, "customer": None})
    assert only_id is not None and only_id.customer == OrderCustomerView(3, None, None, None)


def test_item_names_may_be_null_while_products_arrive():
    items = [{**ORDER["items"][1], "sku": None, "name": None}]
    order = order_from_source("7", {**ORDER, "items": items, "total": "39.80"})
    assert order is not None and (order.items[0].sku, order.items[0].name) == (None, None)


def test_money_falls_back_to_cents_and_an_order_may_have_no_lines():
    items = [{k: v for k, v in ORDER["items"][1].items() if k != "line_total"}]
    order = order_from_source("7", {**ORDER, "items": items, "total": None})
    assert order is not None and order.items[0].line_total == "39.80"
    assert order.total == "45.30"  # from total_cents
    empty = order_from_source("8", {**ORDER, "id": None, "items": [], "total": "0.00"})
    assert empty is not None and (empty.id, empty.items, empty.total) == (8, [], "0.00")


@pytest.mark.parametrize(
    "broken",
    [
        {"status": None},
        {"placed_at": None},
        {"updated_at": None},
        {"total": None, "total_cents": None},
        {"total": "abc", "total_cents": None},
        {"items": [{"line_no": 1, "product_id": 5, "quantity": 2}]},
        {"items": [{**ORDER["items"][0], "quantity": "two"}]},
        {"items": ["line"]},
    ],
)
def test_incomplete_documents_are_not_orders(broken):
    assert order_from_source("7", {**ORDER, **broken}) is None


def test_lines_alone_are_not_an_order():
    assert order_from_source("7", {"id": 7, "items": ORDER["items"]}) is None


def test_the_test_factory_makes_orders():
    assert order_from_source("1", order_doc(1)) is not None


def test_a_full_customer():
    assert customer_from_source("3", CUSTOMER) == CustomerView(
        id=3,
        email="ada@x.org",
        name="Ada",
        country="GB",
        order_count=4,
        lifetime_value="123.40",
        last_order_at="2026-11-26T10:00:00.123456Z",
    )
    assert {f.name for f in dataclasses.fields(CustomerView)} == {
        "id",
        "email",
        "name",
        "country",
        "order_count",
        "lifetime_value",
        "last_order_at",
    }


def test_a_customer_without_counted_orders():
    doc = {k: CUSTOMER[k] for k in ("id", "email", "name", "country")}
    customer = customer_from_source("3", {**doc, "last_order_at": None})
    assert customer is not None
    assert (customer.order_count, customer.lifetime_value, customer.last_order_at) == (0, "0.00", None)
    from_cents = customer_from_source("3", {**doc, "lifetime_value_cents": 5})
    assert from_cents is not None and from_cents.lifetime_value == "0.05"


@pytest.mark.parametrize(
    "broken",
    [{"email": None}, {"name": None}, {"country": None}, {"lifetime_value": "lots", "lifetime_value_cents": None}],
)
def test_incomplete_documents_are_not_customers(broken):
    assert customer_from_source("3", {**CUSTOMER, **broken}) is None
    # e.g. order aggregates that arrived before the customer's row
    assert customer_from_source("3", {"id": 3, "order_count": 1}) is None


@pytest.mark.parametrize(
    "amount,cents,text",
    [
        ("19.9", None, "19.90"),
        ("0", None, "0.00"),
        (None, 3980, "39.80"),
        (None, "5", "0.05"),
        ("abc", 100, None),
        (None, None, None),
        ("NaN", None, None),
        ("Infinity", None, None),
        (None, True, None),
        (None, 1.5, None),
    ],
)
def test_money_text(amount, cents, text):
    assert money_text(amount, cents) == text
