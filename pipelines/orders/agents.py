"""Agents of the orders and customers projections: route, join orders, then sum customers.

    source topics --route_order_changes--> <app>-orders-changes (order id % N; customers and
    product names to all) --project_orders--> orders index, and <app>-customers-changes
    (customer id % N) --project_customers--> customers index
"""
from __future__ import annotations

from typing import Any

from pipelines.core.checkpoints import Checkpoints
from pipelines.core.deadletters import DeadLetters
from pipelines.core.factory import ReadsideApp, batch_agent
from pipelines.core.projector import Projector
from pipelines.core.router import ChangeRouter
from pipelines.core.settings import PipelineSettings
from pipelines.core.sink import BulkSink
from pipelines.core.tables import ChangelogWrites, StateTable, json_table
from pipelines.orders import routing
from pipelines.orders.customer_state import CustomersModel
from pipelines.orders.order_state import OrdersModel

ORDERS = "orders"
CUSTOMERS = "customers"


def source_topics(settings: PipelineSettings) -> list[str]:
    """Every input of both projections; their checkpoints cover each of these partitions."""
    return [settings.source_topic(table) for table in routing.SOURCE_TABLES]


def internal_topics(settings: PipelineSettings) -> list[str]:
    return [f"{settings.pipeline_app_id}-{ORDERS}-changes", f"{settings.pipeline_app_id}-{CUSTOMERS}-changes"]


def register(app: ReadsideApp, settings: PipelineSettings, sink: BulkSink, orders_checkpoints: Checkpoints,
             customers_checkpoints: Checkpoints, dead_letters: DeadLetters) -> dict[str, Any]:
    partitions = settings.topic_partitions
    send = lambda *args: app.producer.send(*args)  # noqa: E731 - resolved at call time, once the app runs
    orders_topic, customers_topic = internal_topics(settings)
    sources = app.topic(*source_topics(settings))
    order_changes = app.topic(orders_topic, partitions=partitions, internal=True)
    customer_changes = app.topic(customers_topic, partitions=partitions, internal=True)

    order_writes, customer_writes = ChangelogWrites(), ChangelogWrites()
    orders = OrdersModel(StateTable(json_table(app, "orders_state", partitions, "orders joined with customers "
                                               "and product names, per partition"), order_writes), partitions)
    customers = CustomersModel(StateTable(json_table(app, "customers_state", partitions, "customer profiles and "
                                                     "order contributions"), customer_writes), partitions)
    router = ChangeRouter(projection=ORDERS, changes_topic=orders_topic, partitions=partitions,
                          table_of_topic={settings.source_topic(t): t for t in routing.SOURCE_TABLES},
                          route=routing.route, key=routing.key, send=send, dead_letters=dead_letters,
                          marks_interval_s=settings.pipeline_marks_interval_s)
    order_projector = Projector(projection=ORDERS, index=settings.orders_index, model=orders, sink=sink,
                                checkpoints=orders_checkpoints, dead_letters=dead_letters,
                                flush=order_writes.durable, send=send, downstream_topic=customers_topic)
    customer_projector = Projector(projection=CUSTOMERS, index=settings.customers_index, model=customers,
                                   sink=sink, checkpoints=customers_checkpoints, dead_letters=dead_letters,
                                   flush=customer_writes.durable)
    return {
        "route_order_changes": batch_agent(app, sources, "route_order_changes", router.route,
                                           "routing a batch of source events (orders)", settings),
        "project_orders": batch_agent(app, order_changes, "project_orders", order_projector.project,
                                      "projecting a batch of order changes", settings),
        "project_customers": batch_agent(app, customer_changes, "project_customers", customer_projector.project,
                                         "projecting a batch of customer changes", settings),
        "orders": orders, "customers": customers}
