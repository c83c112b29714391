"""Customer reads: the customer with its order aggregates, and the customer's orders."""

from __future__ import annotations

from ..domain.customers import CustomerOrders, CustomerView, customer_from_source
from ..domain.errors import CustomerNotFound
from ..domain.orders import order_from_source
from .consistency import ReadYourWrites, parse_token
from .documents import DocumentReads, SearchIndex, total_hits, views
from .orders import OrderRequests


class CustomerQueries(DocumentReads[CustomerView]):
    """`get` (by id, after a token) comes from DocumentReads: `consistency` waits for the customers
    projection. `with_orders` waits for it and the orders projection, since a customer's order list
    reads both indices."""

    def __init__(
        self,
        customers: SearchIndex,
        orders: SearchIndex,
        requests: OrderRequests,
        consistency: ReadYourWrites,
        with_orders: ReadYourWrites,
    ) -> None:
        super().__init__(customers, consistency, False, customer_from_source, CustomerNotFound, "customer")
        self._orders = orders
        self._requests = requests
        self._with_orders = with_orders

    async def orders(
        self, customer_id: int, statuses: tuple[str, ...], size: int, token: str | None = None
    ) -> CustomerOrders:
        """Newest first, at most `size`; the total counts every matching order."""
        lsn = parse_token(token)
        await self._with_orders.catch_up(token, lsn)
        await self._existing(customer_id)  # an unknown or erased customer is a 404, not []
        if lsn is not None:
            await self._orders.refresh()  # caught up in the index; now make it searchable
        response = await self._orders.search(self._requests.customer_orders_body(customer_id, statuses, size), None)
        return CustomerOrders(
            total=total_hits(response), hits=views(response["hits"]["hits"], order_from_source, "order")
        )
