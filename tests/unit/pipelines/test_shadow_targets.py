"""While a rebuild is around, each document of an alias goes to every index of its shadow set."""

from __future__ import annotations

from pipelines.core.sink import IndexAction, shadowed
from pipelines.core.targets import SHADOW_PREFIX, ShadowChanged, shadow_alias


def test_an_alias_without_a_shadow_set_is_written_as_is():
    action = IndexAction("orders", "1", 10, {"id": 1})
    assert shadowed([action], {"products": ("products_v1", "products_v1-2")}) == [action]


def test_each_document_and_delete_goes_to_every_index_of_the_set_with_its_version():
    actions = [IndexAction("products", "1", 10, {"id": 1}), IndexAction("products", "2", 11, None)]
    out = shadowed(actions, {"products": ("products_v1", "products_v1-2")})
    assert [(a.index, a.id, a.version, a.document) for a in out] == [
        ("products_v1", "1", 10, {"id": 1}),
        ("products_v1-2", "1", 10, {"id": 1}),
        ("products_v1", "2", 11, None),
        ("products_v1-2", "2", 11, None),
    ]


def test_the_control_message_is_recognised_by_its_first_bytes():
    value = ShadowChanged(alias="products").model_dump_json().encode()
    assert value.startswith(SHADOW_PREFIX)
    assert shadow_alias("products") == "products-shadow"
