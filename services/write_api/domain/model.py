"""The shop's write-side rules: order lifecycle, pricing a basket, keeping stock non-negative."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from .commands import OrderItem
from .errors import (
    IllegalTransition,
    InsufficientStock,
    OrderTooLarge,
    ProductInactive,
    ProductNotFound,
    StockLimitExceeded,
    StockWouldGoNegative,
)
from .values import INT4_MAX, MONEY_MAX, format_money


class OrderStatus(str, Enum):
    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


# (from, action) -> to. Anything not listed is an illegal transition.
_MOVES: dict[tuple[OrderStatus, str], OrderStatus] = {
    (OrderStatus.PLACED, "pay"): OrderStatus.PAID,
    (OrderStatus.PAID, "ship"): OrderStatus.SHIPPED,
    (OrderStatus.PLACED, "cancel"): OrderStatus.CANCELLED,
    (OrderStatus.PAID, "cancel"): OrderStatus.CANCELLED,
}
_PAST_TENSE = {"pay": "paid", "ship": "shipped", "cancel": "cancelled"}


@dataclass(frozen=True)
class OrderLine:
    line_no: int
    product_id: int
    quantity: int
    unit_price: Decimal

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class ProductForSale:
    """What pricing needs to know about a product, read under a row lock."""

    product_id: int
    price: Decimal
    active: bool
    on_hand: int


@dataclass
class Order:
    order_id: int
    status: OrderStatus
    lines: Sequence[OrderLine] = ()

    def pay(self) -> None:
        self.status = self._next("pay")

    def ship(self) -> None:
        self.status = self._next("ship")

    def cancel(self) -> dict[int, int]:
        """Cancel and return the quantities to put back on the shelf, per product."""
        self.status = self._next("cancel")
        return quantities_by_product(self.lines)

    def _next(self, action: str) -> OrderStatus:
        try:
            return _MOVES[(self.status, action)]
        except KeyError:
            raise IllegalTransition(self.order_id, self.status.value, _PAST_TENSE[action]) from None


def quantities_by_product(lines: Iterable[OrderItem | OrderLine]) -> dict[int, int]:
    """Total quantity per product; a basket may name one product on several lines."""
    totals: Counter[int] = Counter()
    for line in lines:
        totals[line.product_id] += line.quantity
    return dict(totals)


def price_order(items: Sequence[OrderItem], catalogue: Mapping[int, ProductForSale]) -> list[OrderLine]:
    """Price each line at the current price, refusing unknown, discontinued or short products.

    Lines keep the client's order and numbering (1-based); stock is checked against the
    summed quantity per product so two lines cannot each take the last unit.
    """
    wanted = quantities_by_product(items)
    # Most fundamental refusal first, so the answer does not depend on line order:
    # an unknown product (404) before a discontinued one before a short one (409).
    for product_id in sorted(wanted):
        if product_id not in catalogue:
            raise ProductNotFound(product_id)
    for product_id in sorted(wanted):
        if not catalogue[product_id].active:
            raise ProductInactive(product_id)
    for product_id in sorted(wanted):
        if catalogue[product_id].on_hand < wanted[product_id]:
            raise InsufficientStock(product_id, catalogue[product_id].on_hand, wanted[product_id])
    lines = [
        OrderLine(line_no, item.product_id, item.quantity, catalogue[item.product_id].price)
        for line_no, item in enumerate(items, start=1)
    ]
    total = sum((line.line_total for line in lines), Decimal(0))
    # The read side sums line totals into numeric(12,2)-shaped money; keep that sum in range.
    if total > MONEY_MAX:
        raise OrderTooLarge(format_money(total), format_money(MONEY_MAX))
    return lines


def stock_after_sale(catalogue: Mapping[int, ProductForSale], lines: Iterable[OrderLine]) -> dict[int, int]:
    """New on-hand level per product once the priced lines leave the shelf."""
    return {
        product_id: catalogue[product_id].on_hand - quantity
        for product_id, quantity in quantities_by_product(lines).items()
    }


def adjust_stock(product_id: int, on_hand: int, delta: int) -> int:
    """On-hand level after a manual adjustment; never below 0, never past the column's range."""
    level = on_hand + delta
    if level < 0:
        raise StockWouldGoNegative(product_id, on_hand, delta)
    if level > INT4_MAX:
        raise StockLimitExceeded(product_id, INT4_MAX)
    return level


def restock(levels: Mapping[int, int], returned: Mapping[int, int]) -> dict[int, int]:
    """On-hand levels after cancelled quantities come back."""
    return {
        product_id: adjust_stock(product_id, levels[product_id], quantity) for product_id, quantity in returned.items()
    }
