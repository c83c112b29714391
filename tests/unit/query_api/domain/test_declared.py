"""A declared read model's search from its shape (the real models/reviews.py): filter values parsed by mapping
type, q, unknown filters, the cursor's fingerprint, and a stored document as its view."""

from __future__ import annotations

import pytest

from catalog.registry import read_model
from services.query_api.domain.declared import DeclaredSearch, DocumentShape, FieldShape, document_view, filter_value
from services.query_api.domain.errors import InvalidQuery
from services.query_api.read_models import shape_of

REVIEWS = shape_of(read_model("reviews"))
FIELDS = {f.name: f for f in REVIEWS.fields}


@pytest.mark.parametrize(
    "field,value,parsed",
    [
        (FieldShape("product_id", "long", filter=True), 7, 7),
        (FieldShape("product_id", "long", filter=True), 2**63 - 1, 2**63 - 1),
        (FieldShape("rating", "integer", filter=True), -5, -5),
        (FieldShape("verified", "boolean", filter=True), False, False),
        (FieldShape("status", "keyword", filter=True), "open", "open"),
        (FieldShape("score", "double", filter=True), 4, 4.0),
        # An instant is matched to the millisecond the index keeps, whatever offset it was written with.
        (FieldShape("created_at", "date", filter=True), "2026-11-26T11:00:00+01:00", "2026-11-26T10:00:00.000Z"),
        (FieldShape("created_at", "date", filter=True), "2026-11-26T10:00:00.123456Z", "2026-11-26T10:00:00.123Z"),
    ],
)
def test_filter_values_are_parsed_by_mapping_type(field, value, parsed):
    assert filter_value(field, value) == parsed


@pytest.mark.parametrize(
    "field,value,reason",
    [
        (FieldShape("product_id", "long"), "7", "product_id must be an integer"),
        (FieldShape("product_id", "long"), True, "product_id must be an integer"),
        (FieldShape("product_id", "long"), 2**63, "product_id must be between"),
        (FieldShape("rating", "integer"), 2**31, "rating must be between -2147483648 and 2147483647"),
        (FieldShape("verified", "boolean"), "yes", "verified must be true or false"),
        (FieldShape("status", "keyword"), "", "status must be text of 1 to 256 characters"),
        (FieldShape("score", "double"), float("nan"), "score must be a number"),
        (FieldShape("created_at", "date"), "yesterday", "created_at must be an ISO-8601 instant"),
        (FieldShape("created_at", "date"), "2026-11-26T10:00:00", "created_at needs a UTC offset"),
        (FieldShape("body", "text"), "lamp", "body cannot be filtered on"),
    ],
)
def test_bad_filter_values_say_what_is_wrong(field, value, reason):
    with pytest.raises(InvalidQuery, match=reason):
        filter_value(field, value)


def test_the_reviews_shape_comes_from_the_declaration_and_its_mapping():
    assert REVIEWS.name == "reviews" and REVIEWS.kind == "review"
    assert REVIEWS.text_fields == ("body",)
    assert [(f.name, f.type) for f in REVIEWS.filter_fields] == [
        ("product_id", "long"),
        ("customer_id", "long"),
        ("rating", "integer"),
    ]
    assert FIELDS["created_at"].type == "date" and not FIELDS["created_at"].filter


def test_a_search_from_parameters():
    search = DeclaredSearch.from_params(REVIEWS, "  bright lamp ", {"rating": 5, "product_id": 7, "customer_id": None})
    assert search == DeclaredSearch("reviews", "bright lamp", (("product_id", 7), ("rating", 5)))
    assert DeclaredSearch.from_params(REVIEWS, "   ", {}).text is None
    assert search.scored  # pages follow (score, id), with or without q


@pytest.mark.parametrize(
    "q,values,reason",
    [
        (None, {"body": "lamp"}, "reviews cannot be filtered on body"),  # text is searched through q
        (None, {"created_at": "2026-11-26T10:00:00Z"}, "cannot be filtered on created_at"),  # not a FILTER
        ("x" * 257, {}, "q must be at most 256 characters"),
        (None, {"rating": "five"}, "rating must be an integer"),
    ],
)
def test_searches_that_cannot_be_asked(q, values, reason):
    with pytest.raises(InvalidQuery, match=reason):
        DeclaredSearch.from_params(REVIEWS, q, values)


def test_q_needs_a_text_field():
    no_text = DocumentShape("ratings", (FieldShape("rating", "integer", filter=True),))
    with pytest.raises(InvalidQuery, match="leave q out"):
        DeclaredSearch.from_params(no_text, "good", {})


def test_the_fingerprint_tells_searches_apart():
    base = DeclaredSearch("reviews", "lamp", (("rating", 5),))
    others = [
        DeclaredSearch("reviews", "lamps", (("rating", 5),)),
        DeclaredSearch("reviews", "lamp", (("rating", 4),)),
        DeclaredSearch("reviews", "lamp"),
        DeclaredSearch("reviews", None, (("rating", 5),)),
        DeclaredSearch("ratings", "lamp", (("rating", 5),)),  # another model's cursor does not continue this one
    ]
    assert len({base.fingerprint(), *(o.fingerprint() for o in others)}) == 1 + len(others)
    assert base.fingerprint() == DeclaredSearch("reviews", "lamp", (("rating", 5),)).fingerprint()


def test_a_stored_document_as_its_view():
    view = document_view(REVIEWS)
    stored = {"id": 9, "product_id": 7, "rating": 5, "body": "bright", "source_lsn": 3, "indexed_at": "x"}
    assert view("9", stored) == {
        "id": 9,
        "product_id": 7,
        "customer_id": None,  # not stored: None, not a failure
        "rating": 5,
        "body": "bright",
        "created_at": None,
    }
    assert view("12", {"rating": 1})["id"] == 12  # the _id when the source has no id
