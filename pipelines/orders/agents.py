"""Agents of the orders, customers and sales projections: route, join orders, then sum customers and sales.

source topics --route_changes--> <app>-orders-changes (order id % N; customers and
product names to all) --project_orders--> orders index, and
    <app>-customers-changes (customer id % N) --project_customers--> customers index
    <app>-sales-changes (crc32(key) % N) --project_sales--> sales_daily, product_sales_daily
"""

from __future__ import annotations

from typing import Any

from catalog.registry import read_model
from pipelines.core.checkpoints import Checkpoints
from pipelines.core.deadletters import DeadLetters
from pipelines.core.projector import Projector
from pipelines.core.router import Outlet
from pipelines.core.sink import BulkSink
from pipelines.core.tables import StateTable
from pipelines.orders import routing
from pipelines.orders.customer_state import CustomersModel
from pipelines.orders.order_state import OrdersModel
from pipelines.orders.sales_state import SalesModel
from pipelines.runtime.factory import ReadsideApp, batch_agent
from pipelines.runtime.tables import changelog_writes, json_table, producer_batches
from pipelines.settings import PipelineSettings

ORDERS = "orders"
CUSTOMERS = "customers"
SALES = "sales"


def internal_topics(settings: PipelineSettings) -> list[str]:
    return [settings.changes_topic(name) for name in (ORDERS, CUSTOMERS, SALES)]


def outlet(settings: PipelineSettings) -> Outlet:
    """What the router sends the orders projection: order id % N, customers and product names to all."""
    return Outlet(
        projection=ORDERS,
        tables=frozenset(routing.SOURCE_TABLES),
        changes_topic=internal_topics(settings)[0],
        route=routing.route,
    )


def register(
    app: ReadsideApp,
    settings: PipelineSettings,
    sink: BulkSink,
    orders_checkpoints: Checkpoints,
    customers_checkpoints: Checkpoints,
    sales_checkpoints: Checkpoints,
    dead_letters: DeadLetters,
) -> dict[str, Any]:
    partitions = settings.topic_partitions
    send = lambda *args: app.producer.send(*args)  # noqa: E731 - resolved at call time, once the app runs
    orders_topic, customers_topic, sales_topic = internal_topics(settings)
    orders_alias, customers_alias, sales_alias, product_sales_alias = (
        settings.index_names(read_model(name)).alias for name in (ORDERS, CUSTOMERS, SALES, "product_sales")
    )
    order_changes = app.topic(orders_topic, partitions=partitions, internal=True)
    customer_changes = app.topic(customers_topic, partitions=partitions, internal=True)
    sales_changes = app.topic(sales_topic, partitions=partitions, internal=True)

    # `_ensure_producer` is faust's concrete Producer's, not on its ProducerT interface
    batches = producer_batches(app)
    order_writes, customer_writes, sales_writes = (changelog_writes(app, batches) for _ in range(3))
    orders = OrdersModel(
        StateTable(
            json_table(
                app, "orders_state", partitions, "orders joined with customers and product names, per partition"
            ),
            order_writes,
        ),
        partitions,
        sales_topic=sales_topic,
    )
    customers = CustomersModel(
        StateTable(
            json_table(app, "customers_state", partitions, "customer profiles and order contributions"), customer_writes
        ),
        partitions,
    )
    sales = SalesModel(
        StateTable(
            json_table(app, "sales_state", partitions, "sales per day and category, and per day and product"),
            sales_writes,
        ),
        partitions,
        sales_alias,
        product_sales_alias,
    )
    order_projector = Projector(
        projection=ORDERS,
        index=orders_alias,
        alias=orders_alias,
        rejections_index=settings.rejections_alias,
        model=orders,
        sink=sink,
        checkpoints=orders_checkpoints,
        dead_letters=dead_letters,
        flush=order_writes.durable,
        send=send,
        downstream_topic=customers_topic,
    )
    customer_projector = Projector(
        projection=CUSTOMERS,
        index=customers_alias,
        alias=customers_alias,
        rejections_index=settings.rejections_alias,
        model=customers,
        sink=sink,
        checkpoints=customers_checkpoints,
        dead_letters=dead_letters,
        flush=customer_writes.durable,
    )
    sales_projector = Projector(
        projection=SALES,
        index=sales_alias,
        alias=sales_alias,
        rejections_index=settings.rejections_alias,
        model=sales,
        sink=sink,
        checkpoints=sales_checkpoints,
        dead_letters=dead_letters,
        flush=sales_writes.durable,
    )
    return {
        "project_orders": batch_agent(
            app,
            order_changes,
            "project_orders",
            order_projector.project,
            "projecting a batch of order changes",
            settings,
            contiguous=True,
        ),
        "project_customers": batch_agent(
            app,
            customer_changes,
            "project_customers",
            customer_projector.project,
            "projecting a batch of customer changes",
            settings,
            contiguous=True,
        ),
        "project_sales": batch_agent(
            app,
            sales_changes,
            "project_sales",
            sales_projector.project,
            "projecting a batch of sales contributions",
            settings,
            contiguous=True,
        ),
        "orders": orders,
        "customers": customers,
        "sales": sales,
    }
