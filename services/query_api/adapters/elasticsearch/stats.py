"""The aggregate indices' requests: the sales statistics as Elasticsearch aggregations, and their answers read.

The aggregate indices have one shard, so terms aggregations are exact; the sales series pages
through a composite aggregation so that no (period, category) bucket is ever dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...domain.stats import DayRange, SalesQuery, SalesRow, StatsInterval, TopProductsQuery, revenue_text

SERIES = "series"
TOP = "top"
SERIES_PAGE = 1000
_DAY_FORMAT = "yyyy-MM-dd"
_PERIOD_FORMAT = {StatsInterval.day: _DAY_FORMAT, StatsInterval.month: "yyyy-MM"}
_SUMS = ("orders", "units", "revenue_cents")


def day_filters(days: DayRange) -> list[dict[str, Any]]:
    window = {
        bound: value.isoformat() for bound, value in (("gte", days.first), ("lte", days.last)) if value is not None
    }
    return [{"range": {"day": {**window, "format": _DAY_FORMAT}}}] if window else []


def _sums(*fields: str) -> dict[str, Any]:
    return {name: {"sum": {"field": name}} for name in fields}


def whole(aggregation: Mapping[str, Any] | None) -> int:
    """A sum aggregation's value (a double in the answer) as the integer it adds up to."""
    value = (aggregation or {}).get("value")
    return int(round(value)) if isinstance(value, (int, float)) else 0


class StatsDsl:
    """The requests of the sales statistics (service_layer/stats.py, StatsRequests); `page`: the buckets
    of the sales series one request asks for."""

    def __init__(self, page: int = SERIES_PAGE) -> None:
        self.page = page

    def sales_body(self, query: SalesQuery, after: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One page of (period, category) buckets, in period then category order."""
        filters = day_filters(query.days)
        if query.category is not None:
            filters.append({"term": {"category": query.category}})
        composite: dict[str, Any] = {
            "size": self.page,
            "sources": [
                {
                    "period": {
                        "date_histogram": {
                            "field": "day",
                            "calendar_interval": query.interval.value,
                            "format": _PERIOD_FORMAT[query.interval],
                        }
                    }
                },
                {"category": {"terms": {"field": "category"}}},
            ],
        }
        if after is not None:
            composite["after"] = dict(after)
        return {
            "size": 0,
            "track_total_hits": False,
            "query": {"bool": {"filter": filters}},
            "aggs": {SERIES: {"composite": composite, "aggs": _sums(*_SUMS)}},
        }

    def sales_page(self, response: Mapping[str, Any]) -> tuple[list[SalesRow], dict[str, Any] | None]:
        """The rows of one composite page, and where the next page starts (None: this was the last; a
        short page is the last, which saves asking for an empty one)."""
        series = (response.get("aggregations") or {}).get(SERIES) or {}
        buckets = series.get("buckets") or []
        rows = [
            SalesRow(
                period=str(b["key"]["period"]),
                category=str(b["key"]["category"]),
                orders=whole(b.get("orders")),
                units=whole(b.get("units")),
                revenue=revenue_text(whole(b.get("revenue_cents"))),
            )
            for b in buckets
        ]
        after = series.get("after_key") if len(buckets) >= self.page else None
        return rows, after

    def top_products_body(self, query: TopProductsQuery) -> dict[str, Any]:
        """Products ranked by units, then revenue, then id; exact on one shard."""
        ranking = {
            "field": "product_id",
            "size": query.limit,
            "order": [{"units": "desc"}, {"revenue_cents": "desc"}, {"_key": "asc"}],
        }
        return {
            "size": 0,
            "track_total_hits": False,
            "query": {"bool": {"filter": day_filters(query.days)}},
            "aggs": {TOP: {"terms": ranking, "aggs": _sums("units", "revenue_cents")}},
        }

    def top_buckets(self, response: Mapping[str, Any]) -> list[tuple[int, int, int]]:
        """(product_id, units, revenue_cents), best first."""
        top = (response.get("aggregations") or {}).get(TOP) or {}
        buckets = top.get("buckets") or []
        return [(int(b["key"]), whole(b.get("units")), whole(b.get("revenue_cents"))) for b in buckets]
