"""`readside verify`: recompute every read model from Postgres, diff with Elasticsearch until they agree or time runs out."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from infra.verify import customers, orders, products, sales
from infra.verify.diff import ModelDiff, diff_documents
from infra.verify.sources import IndexMissing, actual_documents

Documents = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class ReadModelCheck:
    name: str
    index: str  # the alias queries use
    fields: list[str]
    expected: Callable[[str], Documents]
    instants: list[str] = field(default_factory=list)  # time fields, compared as instants
    list_keys: Mapping[str, str] = field(default_factory=dict)  # list field -> key of its elements
    actual: Callable[[str, str], Documents] = actual_documents

    def diff(self, dsn: str, es_url: str) -> ModelDiff:
        # Read Elasticsearch second: the read side lags the database, never leads it.
        want = self.expected(dsn)
        try:
            got = self.actual(es_url, self.index)
        except IndexMissing as exc:
            return ModelDiff(self.name, problem=f"{exc}; {len(want)} document(s) expected from Postgres")
        return diff_documents(self.name, want, got, self.fields,
                              instants=self.instants, list_keys=self.list_keys)


CHECKS = {check.name: check for check in [
    ReadModelCheck("products", "products", products.FIELDS, products.expected_products),
    ReadModelCheck("orders", "orders", orders.FIELDS, orders.expected_orders,
                   instants=orders.INSTANTS, list_keys=orders.LIST_KEYS),
    ReadModelCheck("customers", "customers", customers.FIELDS, customers.expected_customers,
                   instants=customers.INSTANTS),
    ReadModelCheck("sales", "sales_daily", sales.SALES_FIELDS, sales.expected_sales_daily),
    ReadModelCheck("product_sales", "product_sales_daily", sales.PRODUCT_SALES_FIELDS,
                   sales.expected_product_sales_daily),
]}


def verify(dsn: str, es_url: str, models: list[str], wait_s: float,
           on_attempt: Callable[[list[ModelDiff]], None] = lambda _: None) -> list[ModelDiff]:
    """Diff until every model shows 0 differences or `wait_s` passes (the read side is eventually consistent)."""
    deadline = time.monotonic() + wait_s
    while True:
        diffs = [CHECKS[name].diff(dsn, es_url) for name in models]
        on_attempt(diffs)
        if all(d.count == 0 for d in diffs) or time.monotonic() >= deadline:
            return diffs
        time.sleep(0.5)  # a polling interval, bounded by the deadline above


def render(diffs: list[ModelDiff], console: Console, limit: int = 50) -> None:
    for d in diffs:
        if d.problem:
            console.print(f"[bold]{d.model}[/]: [red]not compared[/]: {escape(d.problem)}",
                          highlight=False, soft_wrap=True)
            continue
        verdict = "[green]0 differences[/]" if d.count == 0 else f"[red]{d.count} difference(s)[/]"
        console.print(f"[bold]{d.model}[/]: {d.compared} document(s) compared, {verdict}")
        if d.missing:
            console.print(f"  missing from the index: {_ids(d.missing, limit)}")
        if d.extra:
            console.print(f"  in the index but not in Postgres: {_ids(d.extra, limit)}")
        if d.fields:
            table = Table("id", "field", "Postgres says", "index says")
            for f in d.fields[:limit]:
                # Paths like items[line_no=2] and reprs of lists would otherwise read as rich markup.
                table.add_row(*map(escape, (f.doc_id, f.field, repr(f.expected), repr(f.actual))))
            console.print(table)
            if len(d.fields) > limit:
                console.print(f"  … and {len(d.fields) - limit} more field difference(s)")


def _ids(ids: list[str], limit: int) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" … (+{len(ids) - limit})" if len(ids) > limit else "")
