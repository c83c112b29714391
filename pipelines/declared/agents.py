"""A declared model's projection, for each model with no hand-written stage: its outlet on the router and
the agent that folds its changes into documents. Wired for every such model by pipelines/app.py."""

from __future__ import annotations

from typing import Any

from catalog import derive
from catalog.vocabulary import ReadModel
from pipelines.core.checkpoints import Checkpoints
from pipelines.core.deadletters import DeadLetters
from pipelines.core.projector import Projector
from pipelines.core.router import Outlet
from pipelines.core.sink import BulkSink
from pipelines.core.tables import StateTable
from pipelines.declared.routing import DeclaredRoutes
from pipelines.declared.state import DeclaredState
from pipelines.runtime.factory import ReadsideApp, batch_agent
from pipelines.runtime.tables import changelog_writes, json_table
from pipelines.settings import PipelineSettings


def outlet(model: ReadModel, settings: PipelineSettings) -> Outlet:
    """The model's tables' changes, to the partition of the document they belong to."""
    name = derive.projection(model)
    return Outlet(
        projection=name,
        tables=frozenset(derive.input_tables(model)),
        changes_topic=settings.changes_topic(name),
        route=DeclaredRoutes(model),
    )


def register(
    app: ReadsideApp,
    model: ReadModel,
    settings: PipelineSettings,
    sink: BulkSink,
    checkpoints: Checkpoints,
    dead_letters: DeadLetters,
) -> Any:
    name, partitions = derive.projection(model), settings.topic_partitions
    writes = changelog_writes(app)
    table = json_table(app, f"{name}_state", partitions, f"{name}: newest root rows, aggregates and contributions")
    state = DeclaredState(model, StateTable(table, writes), partitions)
    alias = settings.index_names(model).alias
    projector = Projector(
        projection=name,
        index=alias,
        alias=alias,
        rejections_index=settings.rejections_alias,
        model=state,
        sink=sink,
        checkpoints=checkpoints,
        dead_letters=dead_letters,
        flush=writes.durable,
    )
    changes = app.topic(settings.changes_topic(name), partitions=partitions, internal=True)
    return batch_agent(
        app, changes, f"project_{name}", projector.project, f"projecting a batch of {name} changes", settings, True
    )
