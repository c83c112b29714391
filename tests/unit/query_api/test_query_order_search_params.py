"""Order-search parameters: instants, statuses, the window, ids in text, the fingerprint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.query_api.domain.errors import InvalidQuery
from services.query_api.domain.orders import OrderSearch, OrderStatus, order_id_in, parse_instant, parse_statuses

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
