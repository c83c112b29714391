"""The live sales summary: the most recent days' sales per category, from GET /stats/sales."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from rich.table import Table

from infra.demo.clients import QueryApi, RouteNotDeployed

RECENT_DAYS = 2  # today and yesterday (UTC), so the table is not empty just after midnight
MAX_ROWS = 6


async def fetch_sales_summary(query: QueryApi, now: datetime | None = None) -> list[dict] | None:
    """Rows for the live sales table ({period, category, orders, units, revenue}): the newest day
    first, then the best-selling categories; None while there is nothing to show."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    params = {"from": (today - timedelta(days=RECENT_DAYS - 1)).isoformat(), "interval": "day"}
    try:
        # 503: the sales index does not exist yet (its pipeline is not deployed); the live view
        # then simply has no sales table, as with a route that is not deployed.
        answer = await query.get("/stats/sales", params, also=(503,))
    except RouteNotDeployed:
        return None
    if not answer.ok or not isinstance(answer.body, list) or not answer.body:
        return None
    rows = sorted(answer.body, key=lambda r: (r["period"], Decimal(str(r["revenue"]))), reverse=True)
    return rows[:MAX_ROWS]


def sales_table(rows: list[dict] | None) -> Table | None:
    """A table of the rows fetch_sales_summary returned ({period, category, orders, units, revenue})."""
    if not rows:
        return None
    table = Table(
        "day", "category", "orders", "units", "revenue", title="sales, recent days (UTC)", title_justify="left"
    )
    for row in rows:
        table.add_row(
            str(row["period"]), str(row["category"]), str(row["orders"]), str(row["units"]), str(row["revenue"])
        )
    return table
