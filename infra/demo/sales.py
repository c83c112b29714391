"""The hook for a live sales summary: the /stats endpoints do not exist yet, so it shows nothing for now."""
from __future__ import annotations

from rich.table import Table

from infra.demo.clients import QueryApi


async def fetch_sales_summary(query: QueryApi) -> list[dict] | None:
    """Rows for the live sales table, or None while there is nothing to show.

    When /stats/sales and /stats/top-products land (API.md), fetch today's sales per category
    here, e.g. `await query.get("/stats/sales", {"interval": "day"})`, guarding RouteNotDeployed
    the way showcase.py does. Until then the live view has no sales table.
    """
    return None


def sales_table(rows: list[dict] | None) -> Table | None:
    """A table of the rows fetch_sales_summary returned ({period, category, orders, units, revenue})."""
    if not rows:
        return None
    table = Table("category", "orders", "units", "revenue", title="sales today", title_justify="left")
    for row in rows:
        table.add_row(str(row["category"]), str(row["orders"]), str(row["units"]), str(row["revenue"]))
    return table
