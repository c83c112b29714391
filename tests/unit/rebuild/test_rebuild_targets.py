"""What `readside rebuild` knows of each read model (pure: settings in, targets out)."""

from __future__ import annotations

from infra.backfill.documents import documents_sql
from infra.rebuild.targets import rebuild_targets
from pipelines.settings import PipelineSettings


def test_every_read_model_has_a_target_written_by_the_projection_that_fills_its_alias():
    settings = PipelineSettings()
    targets = rebuild_targets(settings)
    assert sorted(targets) == ["customers", "orders", "product_sales", "products", "reviews", "sales"]
    assert {t.alias for t in targets.values()} == {
        "products",
        "orders",
        "customers",
        "sales_daily",
        "product_sales_daily",
        "reviews",
    }
    assert targets["sales"].changes_topic == targets["product_sales"].changes_topic
    assert all(t.mapping.exists() and t.mapping.stem == t.versioned for t in targets.values())


def test_a_bucket_id_is_only_the_documents_id_not_a_field():
    assert "(to_jsonb(d) - 'id' - 'orders')" in documents_sql("SELECT 1 AS id", drop=("id", "orders"))
    assert "- 'id'" not in documents_sql("SELECT 1 AS id")
