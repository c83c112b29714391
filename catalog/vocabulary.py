"""The words a read model is declared in: its root table, the tables it joins, its aggregates, its fields and
what a search may do with each. Pure data: nothing here touches a server."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class Role(StrEnum):
    """What the query side may do with a field."""

    TEXT = "text"  # full-text matched
    FILTER = "filter"  # exact or range filter
    FACET = "facet"  # counted per value
    SORT = "sort"  # sort key


@dataclass(frozen=True)
class Join:
    """A table joined to the root (or to another join) by `key` = `to` ("table.column").
    `many`: one-to-many (children, aggregated); otherwise many-to-one or one-to-one (its columns are fields)."""

    table: str
    key: str
    to: str
    many: bool = False
    primary_key: tuple[str, ...] = ("id",)  # the joined table's own key: a child row's identity

    @property
    def parent(self) -> str:
        return self.to.split(".", 1)[0]


@dataclass(frozen=True)
class Aggregate:
    """An exact aggregate over a one-to-many join's rows: `count`, `sum`, `min`, `max` or `avg` of `column`,
    over the rows `where` keeps (SQL over the child and the tables joined to it, e.g. "orders.status <>
    'cancelled'"). Empty: `default` (None for avg, min and max unless given)."""

    name: str
    fn: Literal["count", "sum", "min", "max", "avg"]
    over: str  # the one-to-many join's table
    column: str | None = None  # None for count
    where: str | None = None
    default: object = None


@dataclass(frozen=True)
class Field:
    """A document field: a column of the root or of a many-to-one join ("table.column", the root's own column
    by default), an aggregate's name, or a SQL expression over those (`sql`)."""

    name: str
    source: str | None = None
    roles: frozenset[Role] = frozenset()
    sql: str | None = None
    default: object = None  # a joined row that is missing gives this


def fields(*declared: Field | str) -> tuple[Field, ...]:
    return tuple(Field(d) if isinstance(d, str) else d for d in declared)


def text(name: str, **kw: object) -> Field:
    return Field(name, roles=frozenset({Role.TEXT}), **kw)  # type: ignore[arg-type]


def keyed(name: str, *roles: Role, **kw: object) -> Field:
    return Field(name, roles=frozenset(roles), **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Hooks:
    """What a declaration cannot say, in Python or SQL, for the read models that need it. A model without
    hooks is streamed by the declared engine (pipelines/declared/) and needs no code at all.

    `stage`: the hand-written pipeline stage (pipelines/<stage>/) that streams the model; its source tables
    feed the projection (the orders stage feeds customers and sales too). `computed`: the aggregates that
    stage computes in Python (the declared engine keeps the others, e.g. a product's reviews).
    `documents_sql`: the SQL of the expected documents, when they are not one row per root row (the sales
    buckets) or nest lists (an order's items); `(id, field...)` rows. `projection`: the pipeline projection
    that writes the index, when one projection writes several read models (sales, product_sales).
    `drop`: columns of `documents_sql` that are not document fields."""

    stage: str | None = None
    computed: tuple[str, ...] = ()
    documents_sql: str | None = None
    projection: str | None = None
    sample_sql: str | None = None
    list_keys: dict[str, str] = field(default_factory=dict)
    drop: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReadModel:
    """One read model: everything about it that is not derived."""

    name: str
    root: str
    version: int
    fields: tuple[Field, ...]
    key: str = "id"
    joins: tuple[Join, ...] = ()
    aggregates: tuple[Aggregate, ...] = ()
    alias: str | None = None  # the index alias readers use; the name by default
    hooks: Hooks = Hooks()
    description: str = ""
