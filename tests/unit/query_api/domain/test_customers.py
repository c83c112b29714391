"""Customer documents to the customer view: counted-order aggregates, incomplete documents are not customers."""

from __future__ import annotations

import dataclasses

import pytest

from services.query_api.domain.customers import CustomerView, customer_from_source

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
