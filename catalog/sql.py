"""A declared read model's documents as one SQL query over Postgres: what `verify` compares the index with,
and what `backfill` and `rebuild` index from a snapshot. One row per root row: `id`, then every field."""

from __future__ import annotations

from catalog.vocabulary import Aggregate, Join, ReadModel

AGGREGATE_SQL = {
    "count": "count(*)",
    "sum": "sum({column})",
    "min": "min({column})",
    "max": "max({column})",
    "avg": "(sum({column})::float8 / NULLIF(count({column}), 0))",  # a double, as the stream divides (not numeric)
}


def literal(value: object) -> str:
    """A declared default as SQL (numbers, booleans and None only: declarations are code, not user input)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    raise TypeError(f"a default must be a number, a boolean or None, not {value!r}")


def under(model: ReadModel, table: str) -> list[Join]:
    """The many-to-one joins reachable from `table` without crossing a one-to-many join, in declared order."""
    found: list[Join] = []
    frontier = {table}
    for join in model.joins:  # declared parents first, so one pass in order suffices
        if not join.many and join.parent in frontier:
            found.append(join)
            frontier.add(join.table)
    return found


def join_clause(join: Join, kind: str) -> str:
    return f"{kind} JOIN {join.table} ON {join.table}.{join.key} = {join.to}".lstrip()


def aggregate_subquery(model: ReadModel, aggregate: Aggregate) -> str:
    child = next(j for j in model.joins if j.table == aggregate.over and j.many)
    value = AGGREGATE_SQL[aggregate.fn].format(column=f"{child.table}.{aggregate.column}")
    joins = " ".join(join_clause(j, "") for j in under(model, child.table))
    where = f" WHERE {aggregate.where}" if aggregate.where else ""
    return (
        f"(SELECT {child.table}.{child.key} AS key, {value} AS value FROM {child.table} {joins}{where} "
        f"GROUP BY {child.table}.{child.key}) agg_{aggregate.name}"
    )


def documents_query(model: ReadModel) -> str:
    """The documents of a read model that needs no SQL hook."""
    aggregates = {a.name: a for a in model.aggregates}
    columns = [f"{model.root}.{model.key} AS id"]
    for field in model.fields:
        if field.sql is not None:
            value = field.sql
        elif field.name in aggregates:
            value = f"agg_{field.name}.value"
            default = aggregates[field.name].default
            if default is not None:
                value = f"COALESCE({value}, {literal(default)})"
        else:
            value = (
                field.source if field.source and "." in field.source else f"{model.root}.{field.source or field.name}"
            )
            if field.default is not None:
                value = f"COALESCE({value}, {literal(field.default)})"
        columns.append(f"{value} AS {field.name}")
    lines = [f"SELECT {', '.join(columns)}", f"FROM {model.root}"]
    lines += [join_clause(j, "LEFT") for j in under(model, model.root)]
    for aggregate in model.aggregates:
        parent = next(j for j in model.joins if j.table == aggregate.over and j.many).to
        lines.append(f"LEFT JOIN {aggregate_subquery(model, aggregate)} ON agg_{aggregate.name}.key = {parent}")
    return "\n".join(lines)
