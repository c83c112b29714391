"""What a products backfill reads: one document per product, built by the SQL `readside verify` trusts."""

from __future__ import annotations

from infra.backfill.documents import documents_sql
from infra.backfill.runner import BackfillTarget
from infra.verify.products import EXPECTED_SQL
from pipelines.core.settings import PipelineSettings
from pipelines.products import routing
from pipelines.products.agents import PROJECTION, changes_topic

DOCUMENTS_SQL = documents_sql(EXPECTED_SQL)


def products_target(settings: PipelineSettings) -> BackfillTarget:
    return BackfillTarget(
        projection=PROJECTION,
        tables=("products", "inventory", "orders", "order_items"),  # every table a document is built from
        documents_sql=DOCUMENTS_SQL,
        alias=settings.products_alias,
        changes_topic=changes_topic(settings),
        input_topics=tuple(settings.source_topic(t) for t in routing.SOURCE_TABLES),
    )
