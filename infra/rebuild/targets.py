"""What `readside rebuild` knows of each read model, all of it derived from its declaration (catalog/): its
alias and mapping, the SQL of its documents, the tables they are built from, and the internal topic of the
projection that writes them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from catalog import derive
from catalog.registry import read_models
from catalog.vocabulary import ReadModel
from infra.backfill.documents import documents_sql
from pipelines.settings import PipelineSettings


@dataclass(frozen=True)
class RebuildTarget:
    model: str
    alias: str
    versioned: str  # the mapping's versioned name (products_v1): new indices are named after it
    mapping: Path
    tables: tuple[str, ...]  # locked for the snapshot: every table the documents are built from
    documents_sql: str  # (id, document JSON) rows; parameters lsn, ts_ms, indexed_at
    changes_topic: str  # the internal topic of the projection that writes the alias


def rebuild_target(model: ReadModel, settings: PipelineSettings) -> RebuildTarget:
    names = settings.index_names(model)
    return RebuildTarget(
        model.name,
        names.alias,
        names.index,
        names.mapping,
        derive.tables(model),
        documents_sql(derive.documents_sql(model), drop=model.hooks.drop),
        settings.changes_topic(derive.projection(model)),
    )


def rebuild_targets(settings: PipelineSettings) -> dict[str, RebuildTarget]:
    return {name: rebuild_target(model, settings) for name, model in read_models().items()}
