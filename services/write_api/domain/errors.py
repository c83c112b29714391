"""Why a command was refused, in three kinds the edge maps to 404, 409 and 422."""

from __future__ import annotations


class DomainError(Exception):
    """A command the rules refuse; `reason` is written for the person who sent it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(DomainError):
    """The command names a row that does not exist."""


class Conflict(DomainError):
    """The command is well formed but the current state forbids it."""


class Invalid(DomainError):
    """The command itself breaks a rule, whatever the state."""


class CustomerNotFound(NotFound):
    def __init__(self, customer_id: int) -> None:
        super().__init__(f"customer {customer_id} does not exist")


class ProductNotFound(NotFound):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"product {product_id} does not exist")


class OrderNotFound(NotFound):
    def __init__(self, order_id: int) -> None:
        super().__init__(f"order {order_id} does not exist")


class EmailTaken(Conflict):
    # The address is not echoed: error bodies are stored with idempotency keys and logged,
    # and erasure must not leave personal data behind in either.
    def __init__(self) -> None:
        super().__init__("a customer with this email is already registered")


class SkuTaken(Conflict):
    def __init__(self, sku: str) -> None:
        super().__init__(f"a product with sku {sku!r} already exists")


class ProductInactive(Conflict):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"product {product_id} is discontinued and cannot be ordered")


class InsufficientStock(Conflict):
    def __init__(self, product_id: int, on_hand: int, wanted: int) -> None:
        super().__init__(f"product {product_id} has {on_hand} in stock; {wanted} requested")


class StockWouldGoNegative(Conflict):
    def __init__(self, product_id: int, on_hand: int, delta: int) -> None:
        super().__init__(f"product {product_id} has {on_hand} in stock; adjusting by {delta} would take it below 0")


class StockLimitExceeded(Conflict):
    def __init__(self, product_id: int, limit: int) -> None:
        super().__init__(f"stock of product {product_id} would exceed {limit}")


class IllegalTransition(Conflict):
    def __init__(self, order_id: int, status: str, action: str) -> None:
        super().__init__(f"order {order_id} is {status}; it cannot be {action}")


class ProductHasOrders(Conflict):
    def __init__(self, product_id: int) -> None:
        super().__init__(
            f"product {product_id} appears in orders and cannot be deleted; "
            f"discontinue it instead (PATCH with active=false)"
        )


class OrderTooLarge(Invalid):
    def __init__(self, total: str, limit: str) -> None:
        super().__init__(f"order total {total} exceeds the maximum {limit}")
