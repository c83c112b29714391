"""The verify runner: every read model is registered, and a missing index is reported, not raised."""

from __future__ import annotations

import io

from rich.console import Console

from infra.verify.runner import CHECKS, ReadModelCheck, render
from infra.verify.sources import IndexMissing


def test_every_read_model_is_checked_by_default():
    assert {name: check.index for name, check in CHECKS.items()} == {
        "products": "products",
        "orders": "orders",
        "customers": "customers",
        "sales": "sales_daily",
        "product_sales": "product_sales_daily",
        "reviews": "reviews",
    }


def test_a_missing_index_is_one_reported_problem_not_a_crash():
    check = ReadModelCheck("orders", "orders", ["status"], "SELECT …")
    d = check.not_comparable(IndexMissing("orders"), {"1": {"status": "placed"}})
    assert (d.count, d.compared, d.missing, d.summary) == (1, 0, [], "not comparable")
    assert "'orders' does not exist" in d.problem and "1 document(s) expected" in d.problem
    console = Console(file=io.StringIO(), width=200)
    render([d], console)
    assert "orders: not compared: index or alias 'orders' does not exist" in console.file.getvalue()


def test_a_missing_index_with_nothing_expected_still_fails():
    check = ReadModelCheck("customers", "customers", ["name"], "SELECT …")
    assert check.not_comparable(IndexMissing("customers"), {}).count == 1


def test_checks_compare_instants_and_nested_lines():
    expected = {"7": {"placed_at": "2026-11-26T10:00:00+00:00", "items": [{"line_no": 1, "quantity": 2}]}}
    actual = {"7": {"placed_at": "2026-11-26T10:00:00Z", "items": [{"line_no": 1, "quantity": 3}]}}
    check = ReadModelCheck(
        "orders", "orders", ["placed_at", "items"], "SELECT …", instants=["placed_at"], list_keys={"items": "line_no"}
    )
    d = check.compare(expected, actual)
    assert [(f.field, f.expected, f.actual) for f in d.fields] == [("items[line_no=1].quantity", 2, 3)]
    console = Console(file=io.StringIO(), width=200)
    render([d], console)
    assert "items[line_no=1].quantity" in console.file.getvalue()
