"""What a products backfill reads: one document per product, built by the SQL `readside verify` trusts, from
the products declaration (models/products.py)."""

from __future__ import annotations

from catalog import derive
from catalog.registry import read_model
from infra.backfill.runner import BackfillTarget
from infra.rebuild.targets import rebuild_target
from pipelines.products.agents import PROJECTION
from pipelines.settings import PipelineSettings


def products_target(settings: PipelineSettings) -> BackfillTarget:
    model = read_model(PROJECTION)
    rebuild = rebuild_target(model, settings)
    return BackfillTarget(
        projection=PROJECTION,
        tables=rebuild.tables,
        documents_sql=rebuild.documents_sql,
        alias=rebuild.alias,
        changes_topic=rebuild.changes_topic,
        input_topics=tuple(settings.source_topic(t) for t in derive.input_tables(model)),
    )
