"""What `readside rebuild` knows of each read model: its alias and mapping, the SQL of its documents, the
tables they are built from, and the internal topic of the projection that writes them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from infra.backfill.documents import documents_sql
from infra.verify import customers, orders, products, sales
from pipelines.core.settings import PipelineSettings
from pipelines.orders.agents import internal_topics
from pipelines.products.agents import changes_topic


@dataclass(frozen=True)
class RebuildTarget:
    model: str
    alias: str
    versioned: str  # the mapping's versioned name (products_v1): new indices are named after it
    mapping: Path
    tables: tuple[str, ...]  # locked for the snapshot: every table the documents are built from
    documents_sql: str  # (id, document JSON) rows; parameters lsn, ts_ms, indexed_at
    changes_topic: str  # the internal topic of the projection that writes the alias


def rebuild_targets(settings: PipelineSettings) -> dict[str, RebuildTarget]:
    orders_topic, customers_topic, sales_topic = internal_topics(settings)
    s = settings
    return {
        target.model: target
        for target in [
            RebuildTarget(
                "products",
                s.products_alias,
                s.products_index,
                s.products_mapping,
                ("products", "inventory", "orders", "order_items"),
                documents_sql(products.EXPECTED_SQL),
                changes_topic(s),
            ),
            RebuildTarget(
                "orders",
                s.orders_alias,
                s.orders_index,
                s.orders_mapping,
                ("orders", "order_items", "customers", "products"),
                documents_sql(orders.EXPECTED_SQL),
                orders_topic,
            ),
            RebuildTarget(
                "customers",
                s.customers_alias,
                s.customers_index,
                s.customers_mapping,
                ("customers", "orders", "order_items"),
                documents_sql(customers.EXPECTED_SQL),
                customers_topic,
            ),
            RebuildTarget(
                "sales",
                s.sales_alias,
                s.sales_index,
                s.sales_mapping,
                ("orders", "order_items", "products"),
                documents_sql(sales.daily_sales_sql("category"), drop=("id",)),
                sales_topic,
            ),
            RebuildTarget(
                "product_sales",
                s.product_sales_alias,
                s.product_sales_index,
                s.product_sales_mapping,
                ("orders", "order_items", "products"),
                documents_sql(sales.daily_sales_sql("product_id"), drop=("id", "orders")),
                sales_topic,
            ),
        ]
    }
