"""`readside verify`: recompute every read model from Postgres, diff with Elasticsearch until they agree or time
runs out."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from catalog import derive
from catalog.registry import read_models
from catalog.vocabulary import ReadModel
from infra.verify.diff import ModelDiff, diff_documents
from infra.verify.sources import (
    IndexMissing,
    actual_documents,
    documents_by_id,
    expected_documents,
    sampled_ids,
    sampled_index_ids,
)

Documents = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class ReadModelCheck:
    name: str
    index: str  # the alias queries use
    fields: list[str]
    sql: str  # one row per document the read model should hold, with its id
    sample_sql: str = ""  # up to %(n)s ids at random, for `verify --sample`
    instants: list[str] = field(default_factory=list)  # time fields, compared as instants
    list_keys: Mapping[str, str] = field(default_factory=dict)  # list field -> key of its elements

    def expected(self, dsn: str, ids: list[str] | None = None) -> Documents:
        return expected_documents(dsn, self.sql, ids)

    def diff(self, dsn: str, es_url: str, ids: list[str] | None = None) -> ModelDiff:
        """Every document, or only `ids`. Elasticsearch is read second: the read side lags the database."""
        want = self.expected(dsn, ids)
        try:
            got = actual_documents(es_url, self.index) if ids is None else documents_by_id(es_url, self.index, ids)
        except IndexMissing as exc:
            return self.not_comparable(exc, want)
        return self.compare(want, got)

    def compare(self, want: Documents, got: Documents) -> ModelDiff:
        """Pure: the differences between what Postgres says and what the index holds."""
        return diff_documents(self.name, want, got, self.fields, instants=self.instants, list_keys=self.list_keys)

    def not_comparable(self, missing: IndexMissing, want: Documents) -> ModelDiff:
        """No index to compare with: one difference, saying why."""
        return ModelDiff(self.name, problem=f"{missing}; {len(want)} document(s) expected from Postgres")

    def sample(self, dsn: str, es_url: str, n: int) -> list[str]:
        """About `n` ids from each side at random: documents Postgres has, and documents the index has
        (so one the index should no longer hold can be found too)."""
        try:
            from_index = sampled_index_ids(es_url, self.index, n)
        except IndexMissing:
            from_index = set()
        return sorted(sampled_ids(dsn, self.sample_sql, n) | from_index)


def read_model_check(model: ReadModel) -> ReadModelCheck:
    """A read model's check, from its declaration."""
    return ReadModelCheck(
        model.name,
        derive.alias(model),
        derive.document_fields(model),
        derive.documents_sql(model),
        derive.sample_sql(model),
        instants=derive.instants(model),
        list_keys=model.hooks.list_keys,
    )


CHECKS = {name: read_model_check(model) for name, model in read_models().items()}


def verify(
    dsn: str,
    es_url: str,
    models: list[str],
    wait_s: float,
    on_attempt: Callable[[list[ModelDiff]], None] = lambda _: None,
    sample: int | None = None,
    ids: Mapping[str, list[str]] | None = None,
) -> list[ModelDiff]:
    """Diff until every model shows 0 differences or `wait_s` passes (the read side is eventually consistent).
    With `sample`, each model compares the same random ids (about `sample` from each side) on every attempt;
    with `ids`, only those of each model."""
    if ids is None:
        ids = {name: CHECKS[name].sample(dsn, es_url, sample) for name in models} if sample else {}
    deadline = time.monotonic() + wait_s
    while True:
        diffs = [CHECKS[name].diff(dsn, es_url, ids.get(name)) for name in models]
        on_attempt(diffs)
        if all(d.count == 0 for d in diffs) or time.monotonic() >= deadline:
            return diffs
        time.sleep(0.5)  # a polling interval, bounded by the deadline above


def render(diffs: list[ModelDiff], console: Console, limit: int = 50) -> None:
    for d in diffs:
        if d.problem:
            console.print(
                f"[bold]{d.model}[/]: [red]not compared[/]: {escape(d.problem)}", highlight=False, soft_wrap=True
            )
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
