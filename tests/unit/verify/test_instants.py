"""Times are compared as instants: Postgres gives datetimes, the index holds ISO strings spelt several ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from infra.verify.diff import FieldDiff, as_instant, diff_documents

PLACED = datetime(2026, 11, 26, 10, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "spelling",
    [
        "2026-11-26T10:00:00.123456Z",
        "2026-11-26T10:00:00.123456+00:00",
        "2026-11-26T11:00:00.123456+01:00",
        "2026-11-26T10:00:00.123456",
    ],
)
def test_every_spelling_of_the_same_instant_is_equal(spelling):
    assert as_instant(spelling) == as_instant(PLACED)


def test_a_datetime_in_another_zone_is_the_same_instant():
    assert as_instant(PLACED.astimezone(timezone(timedelta(hours=-5)))) == as_instant(PLACED)


def test_fraction_digits_do_not_matter_but_the_fraction_does():
    whole = datetime(2026, 11, 26, 10, 0, 1, tzinfo=UTC)
    assert as_instant("2026-11-26T10:00:01Z") == as_instant(whole)
    assert as_instant("2026-11-26T10:00:01.5Z") == as_instant(whole.replace(microsecond=500000))
    assert as_instant("2026-11-26T10:00:01.5Z") != as_instant(whole)


@pytest.mark.parametrize("value", [None, "not a time", 1790000000000])
def test_what_is_not_a_time_is_left_for_the_diff_to_show(value):
    assert as_instant(value) == value


def test_documents_compare_time_fields_as_instants_and_show_differences_readably():
    expected = {"1": {"placed_at": PLACED, "updated_at": PLACED}}
    actual = {"1": {"placed_at": "2026-11-26T10:00:00.123456Z", "updated_at": "2026-11-26T10:00:01Z"}}
    d = diff_documents("orders", expected, actual, ["placed_at", "updated_at"], instants=["placed_at", "updated_at"])
    assert d.fields == [
        FieldDiff("1", "updated_at", "2026-11-26T10:00:00.123456+00:00", "2026-11-26T10:00:01.000000+00:00")
    ]


def test_time_fields_not_declared_as_instants_are_compared_as_they_are():
    d = diff_documents(
        "orders", {"1": {"placed_at": PLACED}}, {"1": {"placed_at": "2026-11-26T10:00:00.123456Z"}}, ["placed_at"]
    )
    assert d.count == 1
