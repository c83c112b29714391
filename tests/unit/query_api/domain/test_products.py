"""Products: search parameters (money to cents, cross-field checks, the fingerprint), documents to views."""

from __future__ import annotations

import pytest

from services.query_api.domain.errors import InvalidQuery
from services.query_api.domain.products import (
    ProductSearch,
    ProductView,
    SortOrder,
    money_to_cents,
    product_from_source,
)


def params(**overrides):
    base = dict(
        q=None,
        categories=None,
        min_price=None,
        max_price=None,
        in_stock=None,
        include_inactive=False,
        sort=SortOrder.relevance,
    )
    return ProductSearch.from_params(**{**base, **overrides})


@pytest.mark.parametrize(
    "text,cents", [("0", 0), ("19.9", 1990), ("19.90", 1990), ("0.01", 1), ("9999999999.99", 999_999_999_999)]
)
def test_money_to_cents(text, cents):
    assert money_to_cents(text, "min_price") == cents


@pytest.mark.parametrize("text", ["-1", "1.999", "1e3", "abc", "", " 1", "NaN", "1,50"])
def test_bad_money_is_refused(text):
    with pytest.raises(InvalidQuery, match="min_price"):
        money_to_cents(text, "min_price")


def test_min_above_max_is_refused():
    with pytest.raises(InvalidQuery, match="must not exceed"):
        params(min_price="20", max_price="19.99")
    assert params(min_price="20", max_price="20").min_price_cents == 2000


def test_blank_text_means_no_text_and_categories_are_a_set():
    search = params(q="   ", categories=["kitchen", "garden", "kitchen"])
    assert search.text is None
    assert search.categories == ("garden", "kitchen")


def test_over_long_text_is_refused():
    with pytest.raises(InvalidQuery, match="at most"):
        params(q="x" * 257)


def test_fingerprint_depends_on_what_decides_the_result_list():
    base = params(q="teapot", categories=["kitchen"], min_price="1", in_stock=True)
    assert (
        base.fingerprint()
        == params(q=" teapot ", categories=["kitchen", "kitchen"], min_price="1.00", in_stock=True).fingerprint()
    )
    variants = [
        params(q="kettle", categories=["kitchen"], min_price="1", in_stock=True),
        params(q="teapot", categories=["garden"], min_price="1", in_stock=True),
        params(q="teapot", categories=["kitchen"], min_price="2", in_stock=True),
        params(q="teapot", categories=["kitchen"], min_price="1", in_stock=False),
        params(q="teapot", categories=["kitchen"], min_price="1", in_stock=True, include_inactive=True),
        params(q="teapot", categories=["kitchen"], min_price="1", in_stock=True, sort=SortOrder.price_asc),
    ]
    assert len({v.fingerprint() for v in variants} | {base.fingerprint()}) == len(variants) + 1


DOC = {
    "id": 7,
    "sku": "TEA-1",
    "name": "Teapot",
    "description": "holds tea",
    "category": "kitchen",
    "brand": "Brewell",
    "price": "19.9",
    "price_cents": 1990,
    "active": True,
    "on_hand": 3,
    "in_stock": True,
    "units_sold": 12,
    "source_lsn": 99,
}


def test_a_full_document():
    assert product_from_source("7", DOC) == ProductView(
        id=7,
        sku="TEA-1",
        name="Teapot",
        description="holds tea",
        category="kitchen",
        brand="Brewell",
        price="19.90",
        active=True,
        on_hand=3,
        in_stock=True,
        units_sold=12,
    )


def test_price_falls_back_to_cents_and_counters_default_to_zero():
    doc = {k: v for k, v in DOC.items() if k not in ("price", "on_hand", "in_stock", "units_sold", "description")}
    product = product_from_source("7", {**doc, "price_cents": 5})
    assert product is not None
    assert (product.price, product.on_hand, product.in_stock, product.units_sold, product.description) == (
        "0.05",
        0,
        False,
        0,
        "",
    )


def test_a_stock_only_document_is_not_a_product_yet():
    assert product_from_source("7", {"id": 7, "on_hand": 3, "in_stock": True}) is None
    assert product_from_source("7", {**DOC, "price": "abc", "price_cents": None}) is None
