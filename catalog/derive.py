"""What follows from the declarations, derived here and nowhere else: index names and mappings, source
tables and topics, snapshot lock lists, projections, document SQL and verify fields.
`tests/unit/catalog/test_derivations.py` holds each against the code that uses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from catalog.registry import read_models
from catalog.sql import documents_query
from catalog.vocabulary import Aggregate, Join, ReadModel, Role

ELASTICSEARCH_SCHEMAS = Path(__file__).resolve().parent.parent / "schemas" / "elasticsearch"
HEARTBEAT_TABLE = "debezium_heartbeat"  # Debezium's heartbeat action writes it: every stage reads it
STAMPS = ("source_lsn", "source_ts_ms", "indexed_at")  # every document carries its version and indexing time


def alias(model: ReadModel) -> str:
    return model.alias or model.name


def versioned(model: ReadModel) -> str:
    """The index name of the model's mapping version (products_v2); a rebuild names new indices after it."""
    return f"{alias(model)}_v{model.version}"


def mapping_file(model: ReadModel) -> Path:
    return ELASTICSEARCH_SCHEMAS / f"{versioned(model)}.json"


def mapping_properties(model: ReadModel) -> dict[str, Any]:
    return json.loads(mapping_file(model).read_text())["mappings"]["properties"]


def projection(model: ReadModel) -> str:
    """The pipeline projection that writes the model's index: its checkpoints' and metrics' name."""
    return model.hooks.projection or model.name


def stage(model: ReadModel) -> str:
    """The pipeline stage whose source tables feed the model's projection."""
    return model.hooks.stage or model.name


def tables(model: ReadModel) -> tuple[str, ...]:
    """The tables its documents are built from: the root and every join. A snapshot locks exactly these."""
    return (model.root, *dict.fromkeys(j.table for j in model.joins if j.table != model.root))


def stage_tables(name: str) -> tuple[str, ...]:
    """The source tables a pipeline stage reads: every table of every model it feeds, sorted, then the
    heartbeat's (which moves a quiet stage's progress on)."""
    fed = {t for model in read_models().values() if stage(model) == name for t in tables(model)}
    if not fed:
        raise KeyError(f"no read model is fed by a stage {name!r}")
    return (*sorted(fed), HEARTBEAT_TABLE)


def input_tables(model: ReadModel) -> tuple[str, ...]:
    """The source tables a token read of the model waits on: its stage's."""
    return stage_tables(stage(model))


def input_topics(model: ReadModel, topic_prefix: str) -> tuple[str, ...]:
    return tuple(f"{topic_prefix}.{table}" for table in input_tables(model))


def stages() -> tuple[str, ...]:
    return tuple(dict.fromkeys(stage(m) for m in read_models().values()))


def streamed_by_declaration(model: ReadModel) -> bool:
    """No hand-written stage: the declared engine (pipelines/declared/) streams it."""
    return model.hooks.stage is None


def declared_aggregates(model: ReadModel) -> tuple[Aggregate, ...]:
    """The aggregates the declared engine keeps (the rest are its stage's Python hooks)."""
    return tuple(a for a in model.aggregates if a.name not in model.hooks.computed)


def child_join(model: ReadModel, aggregate: Aggregate) -> Join:
    """The one-to-many join an aggregate is over."""
    return next(j for j in model.joins if j.table == aggregate.over and j.many)


def aggregated_tables(model: ReadModel) -> dict[str, Join]:
    """table -> its join, for every child table a declared aggregate is over."""
    return {a.over: child_join(model, a) for a in declared_aggregates(model)}


def root_columns(model: ReadModel) -> tuple[str, ...]:
    """The root row's columns a streamed document is built from: its key and its own fields."""
    aggregates = {a.name for a in model.aggregates}
    own = (f.source or f.name for f in model.fields if f.name not in aggregates and f.sql is None)
    return tuple(dict.fromkeys((model.key, *own)))


def instants(model: ReadModel) -> list[str]:
    """Fields that hold times (compared as instants, whatever their spelling): the mapping's date fields."""
    properties = mapping_properties(model)
    return [f.name for f in model.fields if properties.get(f.name, {}).get("type") == "date"]


def documents_sql(model: ReadModel) -> str:
    """One row per document: `id` (its _id), then its fields."""
    return model.hooks.documents_sql or documents_query(model)


def document_fields(model: ReadModel) -> list[str]:
    """The fields `verify` compares: every declared field but the hook's extra columns."""
    return [f.name for f in model.fields if f.name not in model.hooks.drop]


def with_role(model: ReadModel, role: Role) -> list[str]:
    return [f.name for f in model.fields if role in f.roles]


def sample_sql(model: ReadModel) -> str:
    """About %(n)s document ids at random, for `verify --sample`."""
    return model.hooks.sample_sql or f"SELECT {model.key} FROM {model.root} ORDER BY random() LIMIT %(n)s"
