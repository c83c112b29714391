"""Documents to products: money as two-place strings, incomplete documents are not products."""

from __future__ import annotations

from services.query_api.domain.products import ProductView, product_from_source

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
