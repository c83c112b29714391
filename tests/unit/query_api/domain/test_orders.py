"""Orders: search parameters (instants, statuses, the window, ids in text, the fingerprint), documents to views."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from services.query_api.domain.errors import InvalidQuery
from services.query_api.domain.orders import (
    OrderCustomerView,
    OrderLineView,
    OrderSearch,
    OrderStatus,
    OrderView,
    order_from_source,
    order_id_in,
    parse_instant,
    parse_statuses,
)

from ..fakes import order_doc

UTC = UTC


def params(**overrides):
    base = dict(q=None, statuses=None, customer_id=None, placed_from=None, placed_to=None)
    return OrderSearch.from_params(**{**base, **overrides})


@pytest.mark.parametrize(
    "text,instant",
    [
        ("2026-11-26T10:00:00Z", datetime(2026, 11, 26, 10, tzinfo=UTC)),
        ("2026-11-26T10:00:00.123456Z", datetime(2026, 11, 26, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2026-11-26T12:30:00+02:30", datetime(2026, 11, 26, 10, tzinfo=UTC)),
        ("2026-11-26T05:00:00-05:00", datetime(2026, 11, 26, 10, tzinfo=UTC)),
        ("2026-11-26 10:00:00+00:00", datetime(2026, 11, 26, 10, tzinfo=UTC)),
    ],
)
def test_instants_become_utc(text, instant):
    parsed = parse_instant(text, "placed_from")
    assert parsed == instant and parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "",
        "2026-13-01T00:00:00Z",
        "2026-11-31T00:00Z",
        "1790000000000",
        "2026-11-26T25:00:00Z",
        "2026-11-26T10:00Z junk",
    ],
)
def test_garbage_instants_are_refused(text):
    with pytest.raises(InvalidQuery, match="placed_from must be an ISO-8601 instant"):
        parse_instant(text, "placed_from")


@pytest.mark.parametrize("text", ["2026-11-26", "2026-11-26T10:00:00"])
def test_instants_need_an_offset(text):
    with pytest.raises(InvalidQuery, match="UTC offset"):
        parse_instant(text, "placed_to")


def test_instants_outside_the_calendar_in_utc_are_refused():
    with pytest.raises(InvalidQuery, match="out of range"):
        parse_instant("0001-01-01T00:00:00+01:00", "placed_from")


def test_the_window_must_not_be_reversed():
    with pytest.raises(InvalidQuery, match="placed_from .* must not be after placed_to"):
        params(placed_from="2026-11-26T10:00:00.000001Z", placed_to="2026-11-26T10:00:00Z")
    same = params(placed_from="2026-11-26T11:00:00+01:00", placed_to="2026-11-26T10:00:00Z")
    assert same.placed_from == same.placed_to


def test_statuses_are_a_set_of_known_ones():
    assert parse_statuses([OrderStatus.shipped, "paid", "paid"]) == ("paid", "shipped")
    assert parse_statuses(None) == ()
    with pytest.raises(InvalidQuery, match="status must be one of placed, paid, shipped, cancelled"):
        parse_statuses(["lost"])


@pytest.mark.parametrize(
    "text,order_id",
    [
        ("42", 42),
        (" 42 ", None),
        ("0", None),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
        ("-3", None),
        ("4 2", None),
        ("42a", None),
        ("٤٢", None),
        (None, None),
    ],
)
def test_a_whole_number_in_the_text_names_an_order(text, order_id):
    assert order_id_in(text) == order_id


def test_text_is_trimmed_and_limited():
    assert params(q="  42 ").order_id == 42 and params(q="   ").text is None
    with pytest.raises(InvalidQuery, match="at most 256"):
        params(q="x" * 257)


def test_customer_id_is_a_bigint():
    with pytest.raises(InvalidQuery, match="customer_id"):
        params(customer_id=0)
    with pytest.raises(InvalidQuery, match="customer_id"):
        params(customer_id=2**63)


def test_fingerprint_depends_on_what_decides_the_result_list():
    base = params(
        q="lamp", statuses=["paid"], customer_id=3, placed_from="2026-11-26T10:00:00Z", placed_to="2026-11-27T00:00:00Z"
    )
    assert (
        base.fingerprint()
        == params(
            q=" lamp ",
            statuses=["paid", "paid"],
            customer_id=3,
            placed_from="2026-11-26T11:00:00+01:00",
            placed_to="2026-11-27T00:00:00+00:00",
        ).fingerprint()
    )
    variants = [
        params(
            q="lamps",
            statuses=["paid"],
            customer_id=3,
            placed_from="2026-11-26T10:00:00Z",
            placed_to="2026-11-27T00:00:00Z",
        ),
        params(
            q="lamp",
            statuses=["placed"],
            customer_id=3,
            placed_from="2026-11-26T10:00:00Z",
            placed_to="2026-11-27T00:00:00Z",
        ),
        params(
            q="lamp",
            statuses=["paid"],
            customer_id=4,
            placed_from="2026-11-26T10:00:00Z",
            placed_to="2026-11-27T00:00:00Z",
        ),
        params(
            q="lamp",
            statuses=["paid"],
            customer_id=3,
            placed_from="2026-11-26T10:00:01Z",
            placed_to="2026-11-27T00:00:00Z",
        ),
        params(q="lamp", statuses=["paid"], customer_id=3, placed_from="2026-11-26T10:00:00Z", placed_to=None),
    ]
    assert len({v.fingerprint() for v in variants} | {base.fingerprint()}) == len(variants) + 1


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
