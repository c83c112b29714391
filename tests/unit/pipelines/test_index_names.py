"""A read model's index, alias and mapping: its declaration's, under the worker's prefix, unless overridden."""

from __future__ import annotations

import json

from catalog.registry import read_model
from pipelines.settings import PipelineSettings


def test_the_declaration_names_the_index_alias_and_mapping():
    names = PipelineSettings().index_names(read_model("sales"))
    assert (names.index, names.alias, names.mapping.name) == ("sales_daily_v1", "sales_daily", "sales_daily_v1.json")


def test_a_test_worker_gets_its_own_set_and_a_rebuild_may_try_another_mapping(monkeypatch, tmp_path):
    monkeypatch.setenv("READSIDE_READ_MODEL_PREFIX", "test_ab12_")
    mapping = tmp_path / "products_v9.json"
    overrides = {"products": {"index": "products_v9", "mapping": str(mapping)}}
    monkeypatch.setenv("READSIDE_READ_MODEL_OVERRIDES", json.dumps(overrides))
    settings = PipelineSettings()
    products, reviews = settings.index_names(read_model("products")), settings.index_names(read_model("reviews"))
    assert (products.index, products.alias, products.mapping) == ("products_v9", "test_ab12_products", mapping)
    assert (reviews.index, reviews.alias) == ("test_ab12_reviews_v1", "test_ab12_reviews")


def test_the_pipelines_own_mappings_are_found():
    settings = PipelineSettings()
    for mapping in (settings.checkpoints_mapping, settings.checkpoint_parts_mapping, settings.rejections_mapping):
        assert mapping.is_file(), mapping
