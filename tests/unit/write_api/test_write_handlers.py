"""The command handlers on a fake unit of work: the rules each command applies through the service layer's
ports, without a database. (What the Postgres adapters do with rows and locks is tested against the real
server in tests/integration/write_api.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest

from services.write_api.domain import commands
from services.write_api.domain.errors import Conflict, DomainError, NotFound
from services.write_api.domain.model import Order, OrderLine, OrderStatus, ProductForSale
from services.write_api.service_layer.handlers import HANDLERS


class Shop:
    """The ports' state: plain dicts a test can read."""

    def __init__(self) -> None:
        self.customers: dict[int, dict[str, Any]] = {}
        self.products: dict[int, dict[str, Any]] = {}
        self.stock: dict[int, int] = {}
        self.orders: dict[int, Order] = {}
        self.buyers: dict[int, int | None] = {}


class FakeCustomers:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    def add(self, email: str, name: str, country: str) -> int:
        customer_id = len(self.shop.customers) + 1
        self.shop.customers[customer_id] = {"email": email, "name": name, "country": country}
        return customer_id

    def update(self, customer_id: int, changes: Mapping[str, Any]) -> bool:
        if customer_id not in self.shop.customers:
            return False
        self.shop.customers[customer_id].update(changes)
        return True

    def lock(self, customer_id: int) -> bool:
        return customer_id in self.shop.customers

    lock_as_buyer = lock

    def anonymise_orders(self, customer_id: int) -> None:
        for order_id, buyer in self.shop.buyers.items():
            if buyer == customer_id:
                self.shop.buyers[order_id] = None

    def delete(self, customer_id: int) -> None:
        del self.shop.customers[customer_id]


class FakeProducts:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    def add(
        self,
        sku: str,
        name: str,
        description: str,
        category: str,
        price: Decimal,
        initial_stock: int,
        brand: str | None = None,
    ) -> int:
        product_id = len(self.shop.products) + 1
        self.shop.products[product_id] = {"sku": sku, "name": name, "price": price, "active": True, "brand": brand}
        self.shop.stock[product_id] = initial_stock
        return product_id

    def update(self, product_id: int, changes: Mapping[str, Any]) -> bool:
        if product_id not in self.shop.products:
            return False
        self.shop.products[product_id].update(changes)
        return True

    def lock(self, product_id: int) -> bool:
        return product_id in self.shop.products

    def lock_for_sale(self, product_ids: Sequence[int]) -> dict[int, ProductForSale]:
        return {
            pid: ProductForSale(
                pid, self.shop.products[pid]["price"], self.shop.products[pid]["active"], self.shop.stock[pid]
            )
            for pid in product_ids
            if pid in self.shop.products
        }

    def lock_stock(self, product_ids: Sequence[int]) -> dict[int, int]:
        return {pid: self.shop.stock[pid] for pid in product_ids if pid in self.shop.stock}

    def set_stock(self, levels: Mapping[int, int]) -> None:
        self.shop.stock.update(levels)

    def has_been_ordered(self, product_id: int) -> bool:
        return any(line.product_id == product_id for order in self.shop.orders.values() for line in order.lines)

    def delete(self, product_id: int) -> None:
        del self.shop.products[product_id], self.shop.stock[product_id]


class FakeOrders:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    def add(self, customer_id: int, lines: Sequence[OrderLine]) -> int:
        order_id = len(self.shop.orders) + 1
        self.shop.orders[order_id] = Order(order_id, OrderStatus.PLACED, tuple(lines))
        self.shop.buyers[order_id] = customer_id
        return order_id

    def lock(self, order_id: int) -> Order | None:
        order = self.shop.orders.get(order_id)
        return None if order is None else Order(order.order_id, order.status, order.lines)

    def save_status(self, order: Order) -> None:
        self.shop.orders[order.order_id] = order


class FakeUnitOfWork:
    """The ports a handler uses (the dispatcher's transaction and idempotency are tested apart)."""

    def __init__(self, shop: Shop) -> None:
        self.customers, self.products, self.orders = FakeCustomers(shop), FakeProducts(shop), FakeOrders(shop)


@pytest.fixture
def shop() -> Shop:
    return Shop()


def run(shop: Shop, command: commands.Command) -> int:
    return HANDLERS[type(command)](command, FakeUnitOfWork(shop))


def stocked(shop: Shop, stock: int = 5, price: str = "2.50") -> int:
    return run(
        shop,
        commands.AddProduct(
            sku="S", name="Lamp", category="c", price=Decimal(price), initial_stock=stock, brand="Lumen"
        ),
    )


def test_an_order_is_priced_from_the_catalogue_and_takes_the_stock(shop):
    pid = stocked(shop)
    cid = run(shop, commands.RegisterCustomer(email="a@example.com", name="Ada", country="GB"))
    oid = run(shop, commands.PlaceOrder(customer_id=cid, items=(commands.OrderItem(pid, 2),)))
    assert [(line.product_id, line.quantity, line.unit_price) for line in shop.orders[oid].lines] == [
        (pid, 2, Decimal("2.50"))
    ]
    assert shop.stock[pid] == 3 and shop.products[pid]["brand"] == "Lumen"


def test_the_last_unit_goes_once_and_a_refused_order_takes_nothing(shop):
    pid = stocked(shop, stock=1)
    cid = run(shop, commands.RegisterCustomer(email="a@example.com", name="Ada", country="GB"))
    run(shop, commands.PlaceOrder(customer_id=cid, items=(commands.OrderItem(pid, 1),)))
    with pytest.raises(Conflict):
        run(shop, commands.PlaceOrder(customer_id=cid, items=(commands.OrderItem(pid, 1),)))
    assert shop.stock[pid] == 0 and len(shop.orders) == 1


def test_cancelling_returns_the_stock_and_a_shipped_order_cannot_be_cancelled(shop):
    pid = stocked(shop)
    cid = run(shop, commands.RegisterCustomer(email="a@example.com", name="Ada", country="GB"))
    first = run(shop, commands.PlaceOrder(customer_id=cid, items=(commands.OrderItem(pid, 2),)))
    run(shop, commands.CancelOrder(first))
    assert shop.stock[pid] == 5 and shop.orders[first].status is OrderStatus.CANCELLED
    second = run(shop, commands.PlaceOrder(customer_id=cid, items=(commands.OrderItem(pid, 1),)))
    run(shop, commands.PayOrder(second))
    run(shop, commands.ShipOrder(second))
    with pytest.raises(DomainError):
        run(shop, commands.CancelOrder(second))
    assert shop.stock[pid] == 4


def test_an_ordered_product_cannot_be_deleted_and_an_erased_customer_leaves_anonymous_orders(shop):
    pid = stocked(shop)
    cid = run(shop, commands.RegisterCustomer(email="a@example.com", name="Ada", country="GB"))
    oid = run(shop, commands.PlaceOrder(customer_id=cid, items=(commands.OrderItem(pid, 1),)))
    with pytest.raises(Conflict):
        run(shop, commands.DeleteProduct(pid))
    run(shop, commands.EraseCustomer(cid))
    assert cid not in shop.customers and shop.buyers[oid] is None and oid in shop.orders


@pytest.mark.parametrize(
    "command",
    [
        commands.UpdateCustomer(customer_id=9, name="Nobody"),
        commands.EraseCustomer(9),
        commands.UpdateProduct(product_id=9, name="Nothing"),
        commands.AdjustStock(product_id=9, delta=1),
        commands.DeleteProduct(9),
        commands.PlaceOrder(customer_id=9, items=(commands.OrderItem(1, 1),)),
        commands.PayOrder(9),
        commands.ShipOrder(9),
        commands.CancelOrder(9),
    ],
)
def test_an_unknown_id_is_not_found(shop, command):
    with pytest.raises(NotFound):
        run(shop, command)


def test_stock_cannot_go_below_zero(shop):
    pid = stocked(shop, stock=2)
    run(shop, commands.AdjustStock(product_id=pid, delta=-2))
    with pytest.raises(DomainError):
        run(shop, commands.AdjustStock(product_id=pid, delta=-1))
    assert shop.stock[pid] == 0
