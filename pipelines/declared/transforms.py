"""Pure folds of the declared engine: a row's newest version, a child's contribution retracted and added to
its parent's running aggregates, and a document's fields from them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from catalog.vocabulary import Aggregate
from pipelines.declared.records import Contribution, ContributionChanged, RowChanged, RowVersion, Totals, Values

Number = int | float


def apply_row(current: RowVersion | None, change: RowChanged) -> RowVersion | None:
    """The row's new version, or None when `change` is not newer than what is kept."""
    if current is not None and current.lsn >= change.lsn:
        return None
    return RowVersion(lsn=change.lsn, ts_ms=change.ts_ms, values=change.values)


def number(value: Any, what: str) -> Number:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{what} is {value!r}: the declared engine sums integers and floats only")
    return value


def _add(totals: Totals, values: Values | None, sign: int, columns: Iterable[str]) -> Totals:
    if values is None:
        return totals
    sums, counts = dict(totals.sums), dict(totals.counts)
    for name in columns:
        if values.get(name) is not None:
            sums[name] = sums.get(name, 0) + sign * number(values[name], name)
            counts[name] = counts.get(name, 0) + sign
    return totals.model_copy(update={"count": totals.count + sign, "sums": sums, "counts": counts})


def fold_contribution(
    totals: Totals | None,
    kept: Contribution | None,
    change: ContributionChanged,
    parent: int,
    columns: Iterable[str],
) -> tuple[Totals | None, Contribution, bool] | None:
    """What `change` makes of `parent`'s totals and of the child's contribution to it: (new totals or None
    when they need no write, new contribution, whether the parent's figures may have changed); None when the
    change is not newer than the contribution. Write the totals first and the contribution last (one table,
    so a crash keeps a prefix): a replay then finds the contribution newer, or the totals marked with this
    very change."""
    if kept is not None and kept.lsn >= change.lsn:
        return None
    values = change.values if change.parent == parent else None
    contribution = Contribution(lsn=change.lsn, ts_ms=change.ts_ms, values=values)
    current = totals or Totals()
    if current.last_child == change.child and current.last_lsn == change.lsn:
        return None, contribution, True  # folded in before a crash that lost the contribution's write
    if kept is not None and kept.values == values:
        return None, contribution, False  # a column no aggregate reads changed (a review's words): no figure moves
    columns = list(columns)
    new = _add(_add(current, kept.values if kept else None, -1, columns), values, +1, columns)
    stamped = new.model_copy(
        update={
            "lsn": max(current.lsn, change.lsn),
            "ts_ms": max(current.ts_ms, change.ts_ms),
            "last_child": change.child,
            "last_lsn": change.lsn,
        }
    )
    return stamped, contribution, True


def aggregate_value(aggregate: Aggregate, totals: Totals | None, contributions: Callable[[], list[Values]]) -> Any:
    """An aggregate's value for one parent, as the SQL of catalog/sql.py computes it; `default` when the parent
    has no rows (or, but for count, no value). `contributions` lists the live child values (min, max)."""
    value: Any = None
    if totals is None or totals.count == 0:
        pass
    elif aggregate.fn == "count":
        value = totals.count
    elif aggregate.fn in ("min", "max"):
        column = aggregate.column or ""
        seen = [v[column] for v in contributions() if v.get(column) is not None]
        value = (min if aggregate.fn == "min" else max)(seen) if seen else None
    elif totals.counts.get(aggregate.column or ""):
        total = totals.sums[aggregate.column or ""]
        # avg: the sum as a double over the rows with a value, the same division the SQL makes
        value = total if aggregate.fn == "sum" else float(total) / totals.counts[aggregate.column or ""]
    return aggregate.default if value is None else value
