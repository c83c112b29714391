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


def test_nested_objects_name_the_differing_key():
    expected = {"1": {"customer": {"id": 3, "name": "Ada", "email": "ada@x.org"}}}
    actual = {"1": {"customer": {"id": 3, "name": "Ada", "email": "eve@x.org", "phone": "1"}}}
    assert diff_documents("orders", expected, actual, ["customer"]).fields == [
        FieldDiff("1", "customer.email", "ada@x.org", "eve@x.org"),
        FieldDiff("1", "customer.phone", None, "1"),
    ]


def test_a_null_object_against_a_present_one_is_one_difference():
    d = diff_documents("orders", {"1": {"customer": None}}, {"1": {"customer": {"id": 3}}}, ["customer"])
    assert d.fields == [FieldDiff("1", "customer", None, {"id": 3})]


def line(no: int, **fields) -> dict:
    return {"line_no": no, "sku": f"S-{no}", "quantity": 1, **fields}


def test_keyed_list_elements_are_matched_by_key_and_named_by_it():
    expected = {"1": {"items": [line(1), line(2), line(3)]}}
    actual = {"1": {"items": [line(1), line(3, quantity=5), line(4)]}}
    d = diff_documents("orders", expected, actual, ["items"], list_keys={"items": "line_no"})
    assert d.fields == [
        FieldDiff("1", "items[line_no=2]", line(2), None),
        FieldDiff("1", "items[line_no=3].quantity", 1, 5),
        FieldDiff("1", "items[line_no=4]", None, line(4)),
    ]


def test_keyed_list_in_the_wrong_order_is_reported_as_such():
    expected = {"1": {"items": [line(1), line(2)]}}
    actual = {"1": {"items": [line(2), line(1)]}}
    d = diff_documents("orders", expected, actual, ["items"], list_keys={"items": "line_no"})
    assert d.fields == [FieldDiff("1", "items order by line_no", [1, 2], [2, 1])]


def test_lists_without_a_usable_key_are_compared_by_position():
    expected = {"1": {"items": [line(1), line(2)]}}
    duplicated = {"1": {"items": [line(1), line(1), line(3)]}}  # line_no no longer identifies a line
    d = diff_documents("orders", expected, duplicated, ["items"], list_keys={"items": "line_no"})
    assert d.fields == [
        FieldDiff("1", "items[1].line_no", 2, 1),
        FieldDiff("1", "items[1].sku", "S-2", "S-1"),
        FieldDiff("1", "items[2]", None, line(3)),
    ]
    assert diff_documents("m", {"1": {"tags": ["a", "b"]}}, {"1": {"tags": ["a", "c"]}}, ["tags"]).fields == [
        FieldDiff("1", "tags[1]", "b", "c")
    ]


def test_equal_nested_documents_have_no_differences():
    doc = {"customer": {"id": 3}, "items": [line(1), line(2)]}
    assert (
        diff_documents(
            "orders", {"1": doc}, {"1": {**doc}}, ["customer", "items"], list_keys={"items": "line_no"}
        ).count
        == 0
    )
