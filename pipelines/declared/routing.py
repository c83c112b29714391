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


def route_row(model: ReadModel, envelope: Envelope, origin: Origin, partitions: int) -> list[tuple[int, RowChanged]]:
    row = envelope.row
    key = int(column(row, model.key))
    values = None if envelope.is_delete else {name: column(row, name) for name in root_columns(model)}
    change = RowChanged(lsn=envelope.lsn, ts_ms=envelope.source.ts_ms, key=key, values=values, origin=origin)
    return [(partition_of(key, partitions), change)]


def aggregated_columns(model: ReadModel, table: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a.column for a in declared_aggregates(model) if a.over == table and a.column))


def route_contribution(
    model: ReadModel, join: Join, envelope: Envelope, origin: Origin, partitions: int
) -> list[tuple[int, ContributionChanged]]:
    before, after = envelope.before, None if envelope.is_delete else envelope.after
    if envelope.op in ("u", "d") and (before is None or column(before, join.key) is None and after is None):
        raise IdentityNotFull(
            f"a {envelope.op!r} event of {join.table} without its old row: set REPLICA IDENTITY FULL on "
            f"{join.table}, so that a changed or deleted row can be taken off its old {join.to}"
        )
    parent = None if after is None else column(after, join.key)
    was = None if before is None else column(before, join.key)
    child = "/".join(str(column(envelope.row, name)) for name in join.primary_key)
    values = None if parent is None else {name: column(after, name) for name in aggregated_columns(model, join.table)}
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


def route_declared(
    model: ReadModel, table: str, envelope: Envelope, origin: Origin, partitions: int
) -> Sequence[tuple[int, DeclaredChange]]:
    """The changes a source event of `table` makes for `model`; none for a table it does not stream."""
    children = aggregated_tables(model)
    if table in children:
        return route_contribution(model, children[table], envelope, origin, partitions)
    if table == model.root and not model.hooks.stage:
        return route_row(model, envelope, origin, partitions)
    return []
