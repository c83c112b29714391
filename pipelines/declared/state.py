"""The declared engine's state over one changelog-backed table: root rows, and each parent's running
aggregates with the contributions behind them. Keys: "row/<key>", "t/<child table>/<parent>" (Totals) and
"c/<child table>/<parent>/<child>" (Contribution); a parent's keys live in the partition that owns it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from catalog.derive import aggregated_tables, declared_aggregates
from catalog.vocabulary import ReadModel
from pipelines.core.checkpoints import PartKey
from pipelines.core.progress import Positions, Progress, SourceMarks
from pipelines.core.records import DocumentDeleted
from pipelines.core.tables import StateTable
from pipelines.declared.records import ROUTED, Contribution, ContributionChanged, RowChanged, RowVersion, Totals
from pipelines.declared.routing import aggregated_columns, partition_of
from pipelines.declared.transforms import aggregate_value, apply_row, fold_contribution

Version = tuple[int, int]  # (lsn, ts_ms)


class DeclaredAggregates:
    """A model's declared aggregates (catalog.derive.declared_aggregates), exact under update, delete, a move
    to another parent and replays. A hand-written stage (products) keeps them through this class too."""

    def __init__(self, model: ReadModel, table: StateTable, partitions: int) -> None:
        self.model = model
        self.table = table
        self.partitions = partitions
        self.aggregates = declared_aggregates(model)
        self.columns = {t: aggregated_columns(model, t) for t in aggregated_tables(model)}

    def apply(self, change: ContributionChanged, partition: int) -> frozenset[int]:
        """Fold a child's change into the parents of `partition` it counted or counts for; those parents."""
        touched = set()
        for parent in {change.parent, change.was} - {None}:
            assert parent is not None
            if partition_of(parent, self.partitions) != partition:
                continue
            totals_key, contribution_key = f"t/{change.table}/{parent}", f"c/{change.table}/{parent}/{change.child}"
            folded = fold_contribution(
                self.table.get(totals_key, Totals, partition),
                self.table.get(contribution_key, Contribution, partition),
                change,
                parent,
                self.columns[change.table],
            )
            if folded is None:
                continue
            totals, contribution, moved = folded
            if totals is not None:
                self.table.put(totals_key, totals, partition)  # first: see fold_contribution
            self.table.put(contribution_key, contribution, partition)
            if moved:
                touched.add(parent)
        return frozenset(touched)

    def fields(self, parent: int, partition: int) -> tuple[dict[str, Any], Version]:
        """The aggregates' values for `parent`, and the newest change among them."""
        totals = {t: self.table.get(f"t/{t}/{parent}", Totals, partition) for t in self.columns}

        def live(table: str) -> Any:
            prefix = f"c/{table}/{parent}/"
            return lambda: [c.values for _, c in self.table.scan(prefix, Contribution, partition) if c.values]

        values = {a.name: aggregate_value(a, totals[a.over], live(a.over)) for a in self.aggregates}
        version = max(((t.lsn, t.ts_ms) for t in totals.values() if t is not None), default=(0, 0))
        return values, version

    def newer_than(self, lsn: int, partition: int) -> set[int]:
        """The parents of `partition` whose aggregates folded a change newer than `lsn`."""
        return {int(key.rsplit("/", 1)[1]) for key, t in self.table.scan("t/", Totals, partition) if t.lsn > lsn}


class DeclaredDocument(BaseModel):
    """A declared model's search document: its fields (declared), id and version stamps."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: int
    source_lsn: int
    source_ts_ms: int
    indexed_at: datetime


class DeclaredState:
    """The ReadModel (pipelines/core/projector.py) of a model with no hand-written stage."""

    routed = ROUTED

    def __init__(self, model: ReadModel, table: StateTable, partitions: int) -> None:
        self.model = model
        self.table = table
        self.partitions = partitions
        self.aggregates = DeclaredAggregates(model, table, partitions)
        self.positions = Positions()
        names = {a.name for a in model.aggregates}
        self.columns = {f.name: f.source or f.name for f in model.fields if f.name not in names}

    def apply(self, change: Any, partition: int) -> frozenset[int]:
        if isinstance(change, ContributionChanged):
            return self.aggregates.apply(change, partition)
        if isinstance(change, RowChanged):
            new = apply_row(self.table.get(f"row/{change.key}", RowVersion, partition), change)
            if new is not None:
                self.table.put(f"row/{change.key}", new, partition)
            return frozenset([change.key])
        raise TypeError(f"not a change of {self.model.name}: {change!r}")

    def document(self, key: int, indexed_at: datetime) -> DeclaredDocument | DocumentDeleted | None:
        """The document, its deletion, or None while its root row has not arrived."""
        partition = partition_of(key, self.partitions)
        row = self.table.get(f"row/{key}", RowVersion, partition)
        if row is None:
            return None
        aggregates, version = self.aggregates.fields(key, partition)
        lsn, ts_ms = max((row.lsn, row.ts_ms), version)
        if row.values is None:
            return DocumentDeleted(id=key, source_lsn=lsn, source_ts_ms=ts_ms)
        fields = {name: row.values.get(column) for name, column in self.columns.items()}
        return DeclaredDocument(
            id=key, source_lsn=lsn, source_ts_ms=ts_ms, indexed_at=indexed_at, **fields, **aggregates
        )

    def marks(self, record: object, partition: int) -> dict[PartKey, Progress] | None:
        if not isinstance(record, SourceMarks):
            return None
        return self.positions.fold(partition, record.marks)

    def outbox(self) -> list[Any]:
        return []  # one stage: its documents are the end
