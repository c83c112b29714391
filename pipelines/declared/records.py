"""Records of the declared engine: the changes routed to a document's partition, and the state kept for it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

from pipelines.core.handover import CaughtUp, Floor, Indexed
from pipelines.core.progress import SourceMarks
from pipelines.core.records import STATE, RoutedChange, Versioned

Values = dict[str, Any]  # column -> value as Debezium captured it (JSON)


class RowChanged(RoutedChange):
    """The root row of a document changed; `values` None: it was deleted."""

    kind: Literal["row"] = "row"
    key: int
    values: Values | None


class ContributionChanged(RoutedChange):
    """A child row an aggregate is over changed: it now counts for `parent` (None: for none, it was deleted
    or has no parent), and no longer for `was` when that differs (it moved to another parent)."""

    kind: Literal["contribution"] = "contribution"
    table: str
    child: str  # the child row's primary key, as text
    parent: int | None
    was: int | None
    values: Values | None  # the aggregated columns; None with parent None


DeclaredChange = RowChanged | ContributionChanged
ROUTED = TypeAdapter(
    Annotated[RowChanged | ContributionChanged | SourceMarks | Floor | Indexed | CaughtUp, Field(discriminator="kind")]
)


class RowVersion(Versioned):
    """The newest version of a root row; `values` None: deleted (kept, so a late event cannot resurrect it)."""

    values: Values | None


class Contribution(Versioned):
    """What one child row adds to one parent's aggregates; `values` None: nothing (any more)."""

    values: Values | None


class Totals(BaseModel):
    """One parent's running aggregates over one child table: the row count and the sum of each column, the
    newest change folded in, and which change that was (so a change replayed after a crash that kept this
    write but lost the contribution's is not folded twice)."""

    model_config = STATE
    count: int = 0
    sums: dict[str, int | float] = Field(default_factory=dict)
    counts: dict[str, int] = Field(default_factory=dict)  # rows whose column is not null (what avg divides by)
    lsn: int = 0
    ts_ms: int = 0
    last_child: str | None = None
    last_lsn: int | None = None
