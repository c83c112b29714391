"""The verify diff: missing, extra and differing fields are each reported; bookkeeping fields are ignored."""
from __future__ import annotations

from infra.verify.diff import FieldDiff, diff_documents

FIELDS = ["name", "price"]


def test_equal_models_have_no_differences():
    docs = {"1": {"name": "a", "price": "1.00"}}
    assert diff_documents("products", docs, {"1": {**docs["1"], "indexed_at": "x"}}, FIELDS).count == 0


def test_missing_extra_and_field_differences_are_all_reported():
    expected = {"1": {"name": "a", "price": "1.00"}, "2": {"name": "b", "price": "2.00"}}
    actual = {"1": {"name": "a", "price": "1.10"}, "10": {"name": "ghost", "price": "0.00"}}
    d = diff_documents("products", expected, actual, FIELDS)
    assert (d.missing, d.extra, d.count, d.compared) == (["2"], ["10"], 3, 3)
    assert d.fields == [FieldDiff("1", "price", "1.00", "1.10")]


def test_ids_sort_numerically():
    expected = {str(i): {"name": "x"} for i in (10, 9, 100)}
    assert diff_documents("products", expected, {}, FIELDS).missing == ["9", "10", "100"]
