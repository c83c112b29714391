"""The documents a repair re-indexes: every id verify named, once."""

from __future__ import annotations

from infra.rebuild.repair import differing_ids
from infra.verify.diff import FieldDiff, ModelDiff


def test_missing_extra_and_differing_documents_are_each_named_once():
    diff = ModelDiff(
        "orders",
        missing=["3"],
        extra=["9"],
        fields=[FieldDiff("5", "total", "1.00", "2.00"), FieldDiff("5", "status", "paid", "placed")],
    )
    assert differing_ids(diff) == ["3", "5", "9"]
    assert differing_ids(ModelDiff("orders")) == []
