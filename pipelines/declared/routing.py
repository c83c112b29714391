"""Pure routing of a declared model: a root row goes to the partition of its key; a child row an aggregate
is over goes to the partition of its parent, and to its old parent's too when it moved (so that one can
retract it). A document, its row and every contribution to it thus meet in one partition."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from catalog.derive import aggregated_tables, declared_aggregates, root_columns
from catalog.vocabulary import Join, ReadModel
from pipelines.core.envelope import Envelope
from pipelines.core.records import Origin
from pipelines.declared.records import ContributionChanged, DeclaredChange, RowChanged


class IdentityNotFull(ValueError):
    """A child row's change without its old row: its old parent cannot be told to retract it."""


def partition_of(key: int, partitions: int) -> int:
    return key % partitions


def column(row: Any, name: str) -> Any:
    return getattr(row, name, None)


def aggregated_columns(model: ReadModel, table: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a.column for a in declared_aggregates(model) if a.over == table and a.column))


def route_row(
    key_column: str, columns: tuple[str, ...], envelope: Envelope, origin: Origin, partitions: int
) -> list[tuple[int, RowChanged]]:
    row = envelope.row
    key = int(column(row, key_column))
    values = None if envelope.is_delete else {name: column(row, name) for name in columns}
    change = RowChanged(lsn=envelope.lsn, ts_ms=envelope.source.ts_ms, key=key, values=values, origin=origin)
    return [(partition_of(key, partitions), change)]


def route_contribution(
    join: Join, columns: tuple[str, ...], envelope: Envelope, origin: Origin, partitions: int
) -> list[tuple[int, ContributionChanged]]:
    """`columns`: the child's columns the aggregates over it read (aggregated_columns)."""
    before, after = envelope.before, None if envelope.is_delete else envelope.after
    if envelope.op in ("u", "d") and (before is None or column(before, join.key) is None and after is None):
        raise IdentityNotFull(
            f"a {envelope.op!r} event of {join.table} without its old row: set REPLICA IDENTITY FULL on "
            f"{join.table}, so that a changed or deleted row can be taken off its old {join.to}"
        )
    parent = None if after is None else column(after, join.key)
    was = None if before is None else column(before, join.key)
    child = "/".join(str(column(envelope.row, name)) for name in join.primary_key)
    values = None if parent is None else {name: column(after, name) for name in columns}
    change = ContributionChanged(
        lsn=envelope.lsn,
        ts_ms=envelope.source.ts_ms,
        table=join.table,
        child=child,
        parent=parent,
        was=was,
        values=values,
        origin=origin,
    )
    targets = {partition_of(p, partitions) for p in (parent, was) if p is not None}
    return [(p, change) for p in sorted(targets)]


class DeclaredRoutes:
    """A model's routing (a router `Route`), with what it needs from the declaration derived once, not per
    event: its aggregates' child tables and their columns, and, for a model with no hand-written stage, the
    root row's columns."""

    def __init__(self, model: ReadModel) -> None:
        self.children = aggregated_tables(model)
        self.columns = {table: aggregated_columns(model, table) for table in self.children}
        self.root = None if model.hooks.stage else model.root
        self.key, self.root_columns = model.key, root_columns(model)

    def __call__(
        self, table: str, envelope: Envelope, origin: Origin, partitions: int
    ) -> Sequence[tuple[int, DeclaredChange]]:
        """The changes a source event of `table` makes; none for a table the model does not stream."""
        if table in self.children:
            return route_contribution(self.children[table], self.columns[table], envelope, origin, partitions)
        if table == self.root:
            return route_row(self.key, self.root_columns, envelope, origin, partitions)
        return []
