"""Sales per UTC day and product over counted orders: units and revenue (top products), kept by the same
projection as the sales per category."""

from catalog.vocabulary import Field, Hooks, ReadModel, Role, keyed
from models.sales import BUCKET_TABLES, daily_sales_sql, sampled_buckets_sql

MODEL = ReadModel(
    name="product_sales",
    alias="product_sales_daily",
    root="orders",
    version=1,
    joins=BUCKET_TABLES,
    fields=(
        keyed("day", Role.FILTER),
        keyed("product_id", Role.FILTER),
        Field("units"),
        Field("revenue"),
        Field("revenue_cents"),
    ),
    hooks=Hooks(
        documents_sql=daily_sales_sql("product_id"),
        sample_sql=sampled_buckets_sql("product_id"),
        projection="sales",
        stage="orders",
        drop=("id", "orders"),
    ),
)
