"""The products projection: its outlet on the router (changes by product), and the agent projecting them."""

from __future__ import annotations

from typing import Any

from catalog.registry import read_model
from pipelines.core.checkpoints import Checkpoints
from pipelines.core.deadletters import DeadLetters
from pipelines.core.projector import Projector
from pipelines.core.router import Outlet
from pipelines.core.sink import BulkSink
from pipelines.products import routing
from pipelines.products.tables import ProductsState, define_tables
from pipelines.runtime.factory import ReadsideApp, batch_agent
from pipelines.runtime.tables import changelog_writes
from pipelines.settings import PipelineSettings

PROJECTION = "products"


def changes_topic(settings: PipelineSettings) -> str:
    """The internal topic the router re-keys changes to (partition = product id % partitions)."""
    return settings.changes_topic(PROJECTION)


def outlet(settings: PipelineSettings) -> Outlet:
    """What the router sends the projection: its source tables' changes, to partition product id % N."""
    return Outlet(
        projection=PROJECTION,
        tables=frozenset(routing.SOURCE_TABLES),
        changes_topic=changes_topic(settings),
        route=routing.route,
    )


def register(
    app: ReadsideApp, settings: PipelineSettings, sink: BulkSink, checkpoints: Checkpoints, dead_letters: DeadLetters
) -> dict[str, Any]:
    partitions = settings.topic_partitions
    changes = app.topic(changes_topic(settings), partitions=partitions, internal=True)
    writes = changelog_writes(app)
    state = ProductsState(define_tables(app, partitions), partitions, write=writes)
    alias = settings.index_names(read_model(PROJECTION)).alias
    projector = Projector(
        projection=PROJECTION,
        index=alias,
        alias=alias,
        rejections_index=settings.rejections_alias,
        model=state,
        sink=sink,
        checkpoints=checkpoints,
        dead_letters=dead_letters,
        flush=writes.durable,
    )
    return {
        "project_products": batch_agent(
            app,
            changes,
            "project_products",
            projector.project,
            "projecting a batch of product changes",
            settings,
            contiguous=True,
        ),
        "state": state,
    }
