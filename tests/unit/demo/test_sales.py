"""The live sales summary: recent days from GET /stats/sales, newest first, best sellers first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from infra.demo.clients import DemoError, QueryApi
from infra.demo.sales import fetch_sales_summary

NOW = datetime(2026, 11, 26, 0, 5, tzinfo=UTC)


def row(period, category, revenue):
    return {"period": period, "category": category, "orders": 1, "units": 1, "revenue": revenue}


def summary(status: int, body, seen: list | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append((request.url.path, dict(request.url.params)))
        return httpx.Response(status, json=body)

    api = QueryApi("http://query.test", transport=httpx.MockTransport(handler), backoff_s=0)
    return asyncio.run(fetch_sales_summary(api, now=NOW))


def test_recent_days_newest_first_then_by_revenue_at_most_six_rows():
    seen: list = []
    body = [row("2026-11-25", "desk", "500.00"), *(row("2026-11-26", f"c{n}", f"{n}.50") for n in range(1, 8))]
    rows = summary(200, body, seen)
    assert seen == [("/stats/sales", {"from": "2026-11-25", "interval": "day"})]
    assert [r["category"] for r in rows] == ["c7", "c6", "c5", "c4", "c3", "c2"]


def test_yesterday_shows_until_today_has_sales():
    assert summary(200, [row("2026-11-25", "desk", "9.99")]) == [row("2026-11-25", "desk", "9.99")]
    assert summary(200, []) is None


@pytest.mark.parametrize(
    "status,body",
    [
        (404, {"detail": "Not Found"}),  # route not deployed
        (503, {"detail": "index 'sales_daily' does not exist"}),
    ],
)
def test_no_sales_read_model_yet_shows_nothing(status, body):
    assert summary(status, body) is None


def test_other_failures_are_not_hidden():
    with pytest.raises(DemoError, match="answered 422"):
        summary(422, {"detail": "from: bad"})
