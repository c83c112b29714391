"""Which declared read models the query API serves from their declarations, their shapes (declaration +
mapping), the mistakes a declaration is refused for, and the product view's declared extras."""

from __future__ import annotations

import dataclasses

import pytest

from catalog import derive, registry
from catalog.registry import DeclarationError, read_model, read_models
from catalog.vocabulary import Field, ReadModel, Role, keyed, text
from services.query_api.consistency.waiter import Projection
from services.query_api.domain.declared import FieldShape
from services.query_api.read_models import (
    HAND_WRITTEN,
    index_of,
    product_extras,
    projection_of,
    served_by_declaration,
    shape_of,
)

REVIEWS = read_model("reviews")
# The products declaration as its hand-written view shows it, without what later declarations add.
PRODUCT_VIEW_FIELDS = (
    "sku",
    "name",
    "description",
    "category",
    "brand",
    "price",
    "price_cents",
    "active",
    "on_hand",
    "in_stock",
    "units_sold",
)


def products_declaring(*extra: Field, version: int = 3) -> ReadModel:
    """A temporary products declaration: the view's fields and `extra` (in products_v<version>.json)."""
    fields = tuple(Field(name) for name in PRODUCT_VIEW_FIELDS) + extra
    return dataclasses.replace(read_model("products"), version=version, fields=fields)


@pytest.fixture
def declare(monkeypatch):
    """Replace or add declarations for one test, as a module under models/ would."""
    declared = dict(read_models())

    def with_models(*models: ReadModel) -> None:
        monkeypatch.setattr(registry, "read_models", lambda: {**declared, **{m.name: m for m in models}})

    return with_models


def test_every_hand_written_read_model_is_declared():
    assert HAND_WRITTEN <= set(read_models())


def test_every_other_declared_model_is_served_from_its_declaration():
    served = [m.name for m in served_by_declaration()]
    assert "reviews" in served and not HAND_WRITTEN & set(served)
    assert set(served) | HAND_WRITTEN == set(read_models())


def test_the_shape_types_each_declared_field_by_its_mapping():
    shape = shape_of(REVIEWS)
    assert shape.fields == (
        FieldShape("product_id", "long", filter=True),
        FieldShape("customer_id", "long", filter=True),
        FieldShape("rating", "integer", filter=True),
        FieldShape("body", "text", text=True),
        FieldShape("created_at", "date"),
    )


@pytest.mark.parametrize(
    "fields,reason",
    [
        ((*REVIEWS.fields, keyed("stars", Role.FILTER)), "field stars is not in reviews_v1.json"),
        ((keyed("body", Role.FILTER),), "field body is a FILTER, but its mapping type text has no exact filter"),
    ],
)
def test_a_declaration_the_query_api_cannot_serve_is_refused(fields, reason):
    with pytest.raises(DeclarationError, match=reason):
        shape_of(dataclasses.replace(REVIEWS, fields=fields))


def test_a_field_named_like_a_search_parameter_is_refused(monkeypatch):
    properties = {**derive.mapping_properties(REVIEWS), "size": {"type": "long"}}
    monkeypatch.setattr(derive, "mapping_properties", lambda model: properties)
    with pytest.raises(DeclarationError, match="field size is named like a search parameter"):
        shape_of(dataclasses.replace(REVIEWS, fields=(keyed("size", Role.FILTER),)))


def test_the_product_view_carries_what_the_products_declaration_adds(declare):
    declare(products_declaring(keyed("review_count", Role.SORT), keyed("rating_avg", Role.FILTER, Role.SORT)))
    extras = product_extras()
    # Typed by products_v3.json; the product search is hand-written, so their roles are not searched here.
    assert extras.fields == (FieldShape("review_count", "long"), FieldShape("rating_avg", "double"))


def test_a_products_declaration_without_additions_adds_nothing(declare):
    declare(products_declaring(version=2))
    assert product_extras().fields == ()


def test_index_and_projection_of_a_declared_model():
    assert index_of(REVIEWS, {}) == derive.alias(REVIEWS) == "reviews"
    assert index_of(REVIEWS, {"reviews": "qtest_reviews", "other": "x"}) == "qtest_reviews"
    projection = projection_of(REVIEWS, "shop.sales")
    assert projection == Projection(derive.projection(REVIEWS), derive.input_topics(REVIEWS, "shop.sales"))
    assert "shop.sales.reviews" in projection.topics and "shop.sales.debezium_heartbeat" in projection.topics


def test_a_new_declaration_is_served_without_code(declare):
    notes = ReadModel("notes", root="reviews", version=1, fields=(text("body"),), alias="reviews")
    declare(notes)
    assert "notes" in [m.name for m in served_by_declaration()]
    assert shape_of(notes).text_fields == ("body",)
