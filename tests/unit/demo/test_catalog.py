"""The seed plan: the same seed gives the same shop, and every body it makes is one the write API accepts."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest

from infra.demo.catalog import FATES, format_cents, plan_shop, to_cents
from infra.demo.vocabulary import CATEGORIES
from services.write_api.entrypoints.schemas import AddProductBody, PlaceOrderBody, RegisterCustomerBody

SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")  # docs/API.md "POST /products" / the write side's rule
COUNTRY = re.compile(r"^[A-Z]{2}$")
MONEY = re.compile(r"^\d{1,10}\.\d{2}$")


@pytest.fixture(scope="module")
def plan():
    return plan_shop(seed=7, tag="t3st", customers=120, products=80, orders=900)


def test_the_same_seed_and_tag_make_the_same_shop(plan):
    assert plan_shop(7, "t3st", 120, 80, 900) == plan


def test_another_seed_makes_another_shop(plan):
    other = plan_shop(8, "t3st", 120, 80, 900)
    assert other.products != plan.products and other.orders != plan.orders


def test_the_tag_changes_only_emails_and_skus(plan):
    retagged = plan_shop(7, "other1", 120, 80, 900)
    assert [c.name for c in retagged.customers] == [c.name for c in plan.customers]
    assert [(p.name, p.price) for p in retagged.products] == [(p.name, p.price) for p in plan.products]
    assert retagged.orders == plan.orders
    assert not {c.email for c in retagged.customers} & {c.email for c in plan.customers}
    assert not {p.sku for p in retagged.products} & {p.sku for p in plan.products}


def test_customers_are_valid_and_their_emails_unique(plan):
    for customer in plan.customers:
        assert COUNTRY.match(customer.country)
        assert customer.name.strip() and len(customer.name) <= 200
        assert customer.email.isascii()
        RegisterCustomerBody.model_validate(customer.body())
    emails = [c.email.lower() for c in plan.customers]
    assert len(set(emails)) == len(emails)


def test_products_are_valid_with_unique_skus_and_two_decimal_prices(plan):
    for product in plan.products:
        assert SKU.match(product.sku), product.sku
        assert MONEY.match(product.price) and Decimal(product.price) >= 0, product.price
        assert product.category in CATEGORIES and product.initial_stock >= 0
        AddProductBody.model_validate(product.body())
    assert len({p.sku for p in plan.products}) == len(plan.products)


def test_products_read_as_searchable_shop_items(plan):
    product = plan.products[0]
    line = CATEGORIES[product.category]
    assert any(noun in product.name for noun in line.nouns)
    assert any(quality in product.name for quality in line.qualities)
    assert product.description.endswith(".") and len(product.description.split()) > 6


def test_orders_reference_seeded_customers_and_distinct_products(plan):
    for order in plan.orders:
        assert 0 <= order.customer < len(plan.customers)
        positions = [p for p, _ in order.items]
        assert len(set(positions)) == len(positions) >= 1
        assert all(0 <= p < len(plan.products) and q >= 1 for p, q in order.items)
        assert order.moves in {fate for fate, _ in FATES}
        PlaceOrderBody.model_validate(
            {"customer_id": order.customer + 1, "items": [{"product_id": p + 1, "quantity": q} for p, q in order.items]}
        )


def test_stock_covers_every_seeded_order(plan):
    demand = Counter()
    for order in plan.orders:
        for position, quantity in order.items:
            demand[position] += quantity
    assert all(plan.products[p].initial_stock >= units for p, units in demand.items())


def test_some_products_and_customers_are_far_more_popular_than_others(plan):
    units = Counter()
    for order in plan.orders:
        for position, quantity in order.items:
            units[position] += quantity
    ranked = [n for _, n in units.most_common()]
    assert ranked[0] > 4 * ranked[len(ranked) // 2]
    per_customer = Counter(order.customer for order in plan.orders).most_common()
    assert per_customer[0][1] > 3 * per_customer[len(per_customer) // 2][1]


def test_order_fates_cover_every_status(plan):
    assert {order.moves for order in plan.orders} == {fate for fate, _ in FATES}


def test_command_count_counts_every_write(plan):
    moves = sum(len(o.moves) for o in plan.orders)
    assert plan.command_count == 120 + 80 + 900 + moves


@pytest.mark.parametrize("tag", ["", "UPPER", "with-dash", "x" * 13])
def test_a_tag_that_could_break_a_sku_or_email_is_refused(tag):
    with pytest.raises(ValueError):
        plan_shop(1, tag, 1, 1, 1)


def test_money_round_trips_through_cents():
    assert [format_cents(c) for c in (0, 5, 1999, 100000)] == ["0.00", "0.05", "19.99", "1000.00"]
    assert [to_cents(p) for p in ("0.00", "0.05", "19.9", "19.99", "7")] == [0, 5, 1990, 1999, 700]
