"""Sales-statistics parameters: dates, the day range, the interval, the limit."""

from __future__ import annotations

from datetime import date

import pytest

from services.query_api.domain.errors import InvalidQuery
from services.query_api.domain.stats import DayRange, SalesQuery, StatsInterval, TopProductsQuery, parse_day


def test_days_are_calendar_dates():
    assert parse_day("2026-11-26", "from") == date(2026, 11, 26)
    assert parse_day(None, "from") is None


@pytest.mark.parametrize(
    "text", ["20261126", "2026-11-26T00:00:00Z", "26/11/2026", "", "2026-1-26", " 2026-11-26", "yesterday"]
)
def test_other_spellings_are_refused(text):
    with pytest.raises(InvalidQuery, match="from must be a date like 2026-11-26"):
        parse_day(text, "from")


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "2026-00-10"])
def test_impossible_dates_are_refused(text):
    with pytest.raises(InvalidQuery, match=f"to is not a calendar date \\({text}\\)"):
        parse_day(text, "to")


def test_range_ends_are_inclusive_and_may_be_one_day():
    assert DayRange.from_params("2026-11-26", "2026-11-26") == DayRange(date(2026, 11, 26), date(2026, 11, 26))
    assert DayRange.from_params(None, "2026-11-26") == DayRange(None, date(2026, 11, 26))


def test_a_reversed_range_says_why():
    with pytest.raises(InvalidQuery, match=r"from \(2026-11-27\) must not be after to \(2026-11-26\)"):
        DayRange.from_params("2026-11-27", "2026-11-26")


def test_sales_defaults_to_days_of_every_category():
    query = SalesQuery.from_params(first=None, last=None)
    assert (query.interval, query.category, query.days) == (StatsInterval.day, None, DayRange())
    assert (
        SalesQuery.from_params(first=None, last=None, interval=StatsInterval.month, category="lighting").interval
        is StatsInterval.month
    )


@pytest.mark.parametrize("interval", ["week", "Day", ""])
def test_unknown_intervals_are_refused(interval):
    with pytest.raises(InvalidQuery, match="interval must be day or month"):
        SalesQuery.from_params(first=None, last=None, interval=interval)


def test_a_blank_category_is_refused():
    with pytest.raises(InvalidQuery, match="category must not be blank"):
        SalesQuery.from_params(first=None, last=None, category="  ")


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_limit_is_bounded(limit):
    with pytest.raises(InvalidQuery, match="limit must be between 1 and 100"):
        TopProductsQuery.from_params(first=None, last=None, limit=limit)
    assert TopProductsQuery.from_params(first=None, last=None, limit=100).limit == 100
