"""One plain function per command: load under row locks, apply the domain rules, save.

Every handler runs inside the transaction the command dispatcher opened and returns the id the
command was about.

Why row locks rather than SERIALIZABLE: both would be correct, but the contended case here is
many orders for the same popular product. Under SERIALIZABLE most of them would abort with a
serialization failure and be retried, burning work and making latency erratic; with
SELECT … FOR UPDATE they queue on the product's stock row and each one, once it holds the
lock, reads the latest committed stock and price (READ COMMITTED re-reads a row after waiting
for it). The last unit therefore goes to exactly one order, and a price change, which needs
the product row that an order share-locks, is either wholly before or wholly after an order.

Deadlocks are avoided by one global lock order that every command follows: the idempotency
key row, then the customer, then the order, then products and their stock rows in ascending
product id. The dispatcher still retries an aborted transaction, as a safety net.
"""

from __future__ import annotations

from collections.abc import Callable

from ..domain import commands, model
from ..domain.errors import CustomerNotFound, OrderNotFound, ProductHasOrders, ProductNotFound
from .unit_of_work import UnitOfWork


def register_customer(cmd: commands.RegisterCustomer, uow: UnitOfWork) -> int:
    return uow.customers.add(cmd.email, cmd.name, cmd.country)


def update_customer(cmd: commands.UpdateCustomer, uow: UnitOfWork) -> int:
    if not uow.customers.update(cmd.customer_id, cmd.changes()):
        raise CustomerNotFound(cmd.customer_id)
    return cmd.customer_id


def erase_customer(cmd: commands.EraseCustomer, uow: UnitOfWork) -> int:
    # The customer lock waits for in-flight orders of this customer and keeps new ones out,
    # so every order that will ever name them is anonymised here.
    if not uow.customers.lock(cmd.customer_id):
        raise CustomerNotFound(cmd.customer_id)
    uow.customers.anonymise_orders(cmd.customer_id)
    uow.customers.delete(cmd.customer_id)
    return cmd.customer_id


def add_product(cmd: commands.AddProduct, uow: UnitOfWork) -> int:
    return uow.products.add(cmd.sku, cmd.name, cmd.description, cmd.category, cmd.price, cmd.initial_stock, cmd.brand)


def update_product(cmd: commands.UpdateProduct, uow: UnitOfWork) -> int:
    if not uow.products.update(cmd.product_id, cmd.changes()):
        raise ProductNotFound(cmd.product_id)
    return cmd.product_id


def adjust_stock(cmd: commands.AdjustStock, uow: UnitOfWork) -> int:
    levels = uow.products.lock_stock([cmd.product_id])
    if cmd.product_id not in levels:
        raise ProductNotFound(cmd.product_id)
    new_level = model.adjust_stock(cmd.product_id, levels[cmd.product_id], cmd.delta)
    uow.products.set_stock({cmd.product_id: new_level})
    return cmd.product_id


def delete_product(cmd: commands.DeleteProduct, uow: UnitOfWork) -> int:
    # The exclusive product lock waits for orders in flight that reference it, so the
    # "never ordered" check below sees them.
    if not uow.products.lock(cmd.product_id):
        raise ProductNotFound(cmd.product_id)
    if uow.products.has_been_ordered(cmd.product_id):
        raise ProductHasOrders(cmd.product_id)
    uow.products.delete(cmd.product_id)
    return cmd.product_id


def place_order(cmd: commands.PlaceOrder, uow: UnitOfWork) -> int:
    if not uow.customers.lock_as_buyer(cmd.customer_id):
        raise CustomerNotFound(cmd.customer_id)
    # Prices and stock are read under the same locks that a price change or another order
    # needs, so a line is priced from one committed state and the last unit goes once.
    catalogue = uow.products.lock_for_sale(sorted({i.product_id for i in cmd.items}))
    lines = model.price_order(cmd.items, catalogue)
    uow.products.set_stock(model.stock_after_sale(catalogue, lines))
    return uow.orders.add(cmd.customer_id, lines)


def _move_order(action: Callable[[model.Order], object]) -> Callable[..., int]:
    def handler(cmd: commands.PayOrder | commands.ShipOrder, uow: UnitOfWork) -> int:
        order = uow.orders.lock(cmd.order_id)
        if order is None:
            raise OrderNotFound(cmd.order_id)
        action(order)
        uow.orders.save_status(order)
        return cmd.order_id

    return handler


pay_order = _move_order(model.Order.pay)
ship_order = _move_order(model.Order.ship)


def cancel_order(cmd: commands.CancelOrder, uow: UnitOfWork) -> int:
    order = uow.orders.lock(cmd.order_id)
    if order is None:
        raise OrderNotFound(cmd.order_id)
    returned = order.cancel()
    levels = uow.products.lock_stock(sorted(returned))
    uow.products.set_stock(model.restock(levels, returned))
    uow.orders.save_status(order)
    return cmd.order_id


HANDLERS: dict[type[commands.Command], Callable[..., int]] = {
    commands.RegisterCustomer: register_customer,
    commands.UpdateCustomer: update_customer,
    commands.EraseCustomer: erase_customer,
    commands.AddProduct: add_product,
    commands.UpdateProduct: update_product,
    commands.AdjustStock: adjust_stock,
    commands.DeleteProduct: delete_product,
    commands.PlaceOrder: place_order,
    commands.PayOrder: pay_order,
    commands.ShipOrder: ship_order,
    commands.CancelOrder: cancel_order,
}
