"""Every derivation from the read-model declarations (models/) agrees with the code that uses it: the
mapping, the pipeline's routing, the query API's token inputs, the snapshot lock lists, verify, rebuild,
backfill and status. A declared model added under models/ is held by every test here."""

from __future__ import annotations

import re

import pytest

from catalog import derive
from catalog.registry import read_models
from catalog.vocabulary import ReadModel, Role
from infra.backfill.products import products_target
from infra.rebuild.state import read_model_aliases
from infra.rebuild.targets import rebuild_targets
from infra.verify.runner import CHECKS
from pipelines.core.envelope import decode_envelope
from pipelines.core.records import Origin
from pipelines.core.router import Outlet
from pipelines.core.rows import envelope_of
from pipelines.declared import agents as declared_agents
from pipelines.orders import agents as orders_agents
from pipelines.products import agents as products_agents
from pipelines.settings import PipelineSettings
from services.query_api.read_models import index_of, projection_of
from services.query_api.settings import QueryApiSettings
from tests.unit.pipelines.recorded import message

MODELS = list(read_models().values())
ids = [m.name for m in MODELS]
# The hand-written stages (their Python hooks): the outlet of each, by stage name.
HAND_OUTLETS = {"products": products_agents.outlet, "orders": orders_agents.outlet}
STREAMED = [m for m in MODELS if not derive.streamed_by_declaration(m)]  # by a hand-written stage
TEXT_TYPES = {"text"}


def test_the_shop_declares_its_five_read_models_and_the_reviews_example():
    assert sorted(read_models()) == ["customers", "orders", "product_sales", "products", "reviews", "sales"]


@pytest.mark.parametrize("model", MODELS, ids=ids)
def test_the_mapping_holds_exactly_the_declared_fields(model: ReadModel):
    properties = derive.mapping_properties(model)
    assert set(properties) - set(derive.STAMPS) - {"id"} == {f.name for f in model.fields}


@pytest.mark.parametrize("model", MODELS, ids=ids)
def test_full_text_fields_are_text_and_filters_facets_and_sorts_are_exact(model: ReadModel):
    properties = derive.mapping_properties(model)
    for field in model.fields:
        kind = properties[field.name].get("type")
        if Role.TEXT in field.roles:
            assert kind in TEXT_TYPES, f"{model.name}.{field.name} is full text, mapped as {kind}"
        if field.roles & {Role.FILTER, Role.FACET, Role.SORT}:
            assert kind not in TEXT_TYPES, f"{model.name}.{field.name} is filtered or sorted, mapped as text"


@pytest.mark.parametrize("model", MODELS, ids=ids)
def test_a_snapshot_locks_every_table_the_documents_are_built_from(model: ReadModel):
    """A table the SQL reads but the lock list leaves out could take a commit at the snapshot's LSN."""
    read = set(
        re.findall(r"\b(?:FROM|JOIN)\s+(?!LATERAL\b)([a-z_]+)", derive.documents_sql(model), flags=re.IGNORECASE)
    )
    assert read <= set(derive.tables(model)), f"{model.name}'s SQL reads {read - set(derive.tables(model))}"
    assert rebuild_targets(PipelineSettings())[model.name].tables == derive.tables(model)


def stage_outlet(stage: str) -> Outlet:
    """A stage's outlet on the router: a hand-written stage's, or the declared engine's for a model of its own."""
    settings = PipelineSettings()
    if stage in HAND_OUTLETS:
        return HAND_OUTLETS[stage](settings)
    return declared_agents.outlet(read_models()[stage], settings)


@pytest.mark.parametrize("stage", derive.stages())
def test_the_pipeline_routes_every_table_of_its_stage(stage: str):
    """A stage's outlet reads its derived tables, and a recorded change of each decodes and is sent on."""
    outlet = stage_outlet(stage)
    assert outlet.tables == set(derive.stage_tables(stage))
    for table in derive.stage_tables(stage):
        if table == derive.HEARTBEAT_TABLE:
            continue
        recorded = message(f"{table}.create")
        envelope = decode_envelope(recorded.value, envelope_of(table), table)
        routed = outlet.route(table, envelope, Origin(topic=recorded.topic, partition=0, offset=0), 4)
        assert routed, f"{stage} routes nothing of {table}"


@pytest.mark.parametrize("model", MODELS, ids=ids)
def test_a_token_read_waits_on_the_topics_the_projection_reads(model: ReadModel):
    """The query API's inputs for the model are its stage's source topics, under the pipeline's prefix."""
    pipeline, query = PipelineSettings(), QueryApiSettings()
    if derive.streamed_by_declaration(model):
        waits = projection_of(model, query.source_topic_prefix)
        read = declared_agents.outlet(model, pipeline)
        assert (waits.name, set(waits.topics)) == (read.projection, {pipeline.source_topic(t) for t in read.tables})
        assert derive.alias(model) == index_of(model, query.index_overrides)
        return
    expected = tuple(pipeline.source_topic(t) for t in derive.stage_tables(derive.stage(model)))
    assert set(expected) == {pipeline.source_topic(t) for t in stage_outlet(derive.stage(model)).tables}
    area = {"product_sales": "sales"}.get(model.name, model.name)  # the stats reads wait on sales
    assert getattr(query, f"{area}_input_topics") == expected
    assert getattr(query, f"{area}_projection") == derive.projection(model)
    assert getattr(query, f"{model.name}_index") == derive.alias(model)


def test_every_tool_knows_every_read_model_by_the_same_alias():
    aliases = {m.name: derive.alias(m) for m in MODELS}
    assert {name: check.index for name, check in CHECKS.items()} == aliases
    assert {name: t.alias for name, t in rebuild_targets(PipelineSettings()).items()} == aliases
    assert set(read_model_aliases()) == set(aliases.values())


@pytest.mark.parametrize("model", MODELS, ids=ids)
def test_verify_compares_every_declared_field(model: ReadModel):
    assert CHECKS[model.name].fields == [f.name for f in model.fields]
    assert CHECKS[model.name].sql == derive.documents_sql(model)


def test_the_products_backfill_is_the_products_rebuild_from_the_same_snapshot():
    settings = PipelineSettings()
    backfill, rebuild = products_target(settings), rebuild_targets(settings)["products"]
    assert (backfill.tables, backfill.documents_sql, backfill.alias) == (
        rebuild.tables,
        rebuild.documents_sql,
        rebuild.alias,
    )
    assert backfill.input_topics == QueryApiSettings().products_input_topics


@pytest.mark.parametrize("table", [t for t in derive.stage_tables("products") if t != derive.HEARTBEAT_TABLE])
def test_a_handover_sees_a_change_of_every_products_source_table(table: str):
    """`newer_than` must look at every key kind the products state keeps, one per source table, or a
    handover leaves the products a newer change of that table touched stale."""
    from tests.unit.pipelines.recorded import routed, state

    products = state(partitions=1)
    name = {"orders": "orders.update"}.get(table, f"{table}.create")
    if table == "orders":  # an order's status counts only for the lines it has
        for partition, change in routed("order_items.create", partitions=1):
            products.apply(change, partition)
    touched: set[int] = set()
    for partition, change in routed(name, partitions=1):
        touched |= products.apply(change, partition)
    lsn = max(change.lsn for _, change in routed(name, partitions=1))
    assert touched and touched <= products.newer_than(lsn - 1, 0), table
