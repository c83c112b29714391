"""Order lifecycle, basket pricing and stock rules of the write model, without I/O."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.write_api.domain.commands import OrderItem, UpdateCustomer, UpdateProduct
from services.write_api.domain.errors import (
    IllegalTransition,
    InsufficientStock,
    OrderTooLarge,
    ProductInactive,
    ProductNotFound,
    StockLimitExceeded,
    StockWouldGoNegative,
)
from services.write_api.domain.model import (
    Order,
    OrderLine,
    OrderStatus,
    ProductForSale,
    adjust_stock,
    price_order,
    restock,
    stock_after_sale,
)

S = OrderStatus


def order(status: OrderStatus) -> Order:
    return Order(
        7,
        status,
        [
            OrderLine(1, 10, 2, Decimal("1.50")),
            OrderLine(2, 11, 1, Decimal("3.00")),
            OrderLine(3, 10, 3, Decimal("1.50")),
        ],
    )


@pytest.mark.parametrize(
    "start, action, end",
    [
        (S.PLACED, Order.pay, S.PAID),
        (S.PAID, Order.ship, S.SHIPPED),
        (S.PLACED, Order.cancel, S.CANCELLED),
        (S.PAID, Order.cancel, S.CANCELLED),
    ],
)
def test_legal_moves(start, action, end):
    o = order(start)
    action(o)
    assert o.status is end


@pytest.mark.parametrize(
    "start, action",
    [
        (S.PLACED, Order.ship),
        (S.PAID, Order.pay),
        (S.SHIPPED, Order.pay),
        (S.SHIPPED, Order.ship),
        (S.SHIPPED, Order.cancel),
        (S.CANCELLED, Order.pay),
        (S.CANCELLED, Order.ship),
        (S.CANCELLED, Order.cancel),
    ],
)
def test_illegal_moves_are_refused_and_leave_the_status(start, action):
    o = order(start)
    with pytest.raises(IllegalTransition) as refused:
        action(o)
    assert o.status is start
    assert f"order 7 is {start.value}" in refused.value.reason


def test_cancel_returns_quantities_per_product():
    assert order(S.PAID).cancel() == {10: 5, 11: 1}


def catalogue(**overrides: ProductForSale) -> dict[int, ProductForSale]:
    base = {1: ProductForSale(1, Decimal("19.90"), True, 5), 2: ProductForSale(2, Decimal("0.99"), True, 1)}
    return {**base, **{int(k[1:]): v for k, v in overrides.items()}}


def test_lines_are_priced_from_the_catalogue_in_request_order():
    lines = price_order([OrderItem(2, 1), OrderItem(1, 3)], catalogue())
    assert lines == [OrderLine(1, 2, 1, Decimal("0.99")), OrderLine(2, 1, 3, Decimal("19.90"))]
    assert sum(line.line_total for line in lines) == Decimal("60.69")


def test_unknown_product_is_not_found():
    with pytest.raises(ProductNotFound, match="product 3 does not exist"):
        price_order([OrderItem(3, 1)], catalogue())


def test_discontinued_product_is_refused():
    with pytest.raises(ProductInactive, match="product 1 is discontinued"):
        price_order([OrderItem(1, 1)], catalogue(p1=ProductForSale(1, Decimal(1), False, 9)))


def test_unknown_products_are_reported_before_stock_or_discontinued_ones():
    short_and_inactive = catalogue(p1=ProductForSale(1, Decimal(1), False, 0))
    with pytest.raises(ProductNotFound, match="product 9"):
        price_order([OrderItem(1, 5), OrderItem(2, 5), OrderItem(9, 1)], short_and_inactive)
    with pytest.raises(ProductInactive, match="product 1"):
        price_order([OrderItem(2, 5), OrderItem(1, 5)], short_and_inactive)


def test_stock_is_checked_against_the_sum_of_lines_for_one_product():
    with pytest.raises(InsufficientStock, match="product 2 has 1 in stock; 2 requested"):
        price_order([OrderItem(2, 1), OrderItem(2, 1)], catalogue())


def test_the_last_unit_can_be_sold():
    lines = price_order([OrderItem(2, 1)], catalogue())
    assert stock_after_sale(catalogue(), lines) == {2: 0}


def test_an_order_total_beyond_numeric_12_2_is_refused():
    big = ProductForSale(1, Decimal("9999999999.99"), True, 10)
    with pytest.raises(OrderTooLarge):
        price_order([OrderItem(1, 2)], catalogue(p1=big))


def test_stock_after_sale_subtracts_summed_quantities():
    lines = price_order([OrderItem(1, 2), OrderItem(1, 1)], catalogue())
    assert stock_after_sale(catalogue(), lines) == {1: 2}


@pytest.mark.parametrize("on_hand, delta, level", [(0, 5, 5), (5, -5, 0), (5, 0, 5)])
def test_adjust_stock(on_hand, delta, level):
    assert adjust_stock(1, on_hand, delta) == level


def test_stock_never_goes_below_zero():
    with pytest.raises(StockWouldGoNegative, match="would take it below 0"):
        adjust_stock(1, 2, -3)


def test_stock_stays_within_integer_range():
    with pytest.raises(StockLimitExceeded):
        adjust_stock(1, 2**31 - 1, 1)


def test_restock_adds_returned_quantities():
    assert restock({1: 0, 2: 4}, {1: 3, 2: 1}) == {1: 3, 2: 5}


def test_patch_commands_list_only_the_fields_they_carry():
    assert UpdateCustomer(1, name="Grace").changes() == {"name": "Grace"}
    assert UpdateProduct(2, active=False, price=Decimal("1.00")).changes() == {
        "active": False,
        "price": Decimal("1.00"),
    }
